// SPDX-License-Identifier: GPL-3.0-or-later
#include "segmenttext.h"

#include <QStringList>

namespace sockscope {

QString SegmentText::line(const Segment &segment, const SequenceBases &bases, Form form)
{
    QString text = segment.flagsText() + QStringLiteral(" seq=") + QString::number(bases.relativeSeq(segment));
    if (segment.has(SegmentFlag::Ack))
        text += QStringLiteral(" ack=") + QString::number(bases.relativeAck(segment));
    text += QStringLiteral(" win=") + QString::number(segment.window);
    if (segment.payloadLength > 0) {
        text += QStringLiteral(" len=") + QString::number(segment.payloadLength);
        if (form == Form::Long && segment.capturedPayloadLength < segment.payloadLength)
            text += QStringLiteral(" (%1 captured)").arg(segment.capturedPayloadLength);
    }
    if (form == Form::Long && segment.has(SegmentFlag::Urg))
        text += QStringLiteral(" urg=") + QString::number(segment.urgentPointer);
    const QString list = options(segment.options, bases.ack, form);
    if (!list.isEmpty())
        text += QStringLiteral(" <") + list + QLatin1Char('>');
    return text;
}

QString SegmentText::options(const TcpOptions &options, quint32 ackBase, Form form)
{
    const bool full = form == Form::Long;
    QStringList words;
    for (int i = 0; i < options.count; ++i) {
        const TcpOptions::Entry &entry = options.entries[size_t(i)];
        switch (entry.kind) {
        case TcpOptions::EndOfList:
            if (full)
                words << QStringLiteral("eol");
            break;
        case TcpOptions::NoOperation:
            if (full)
                words << QStringLiteral("nop");
            break;
        case TcpOptions::MaxSegmentSize:
            words << QStringLiteral("mss ") + QString::number(options.mss.value_or(0));
            break;
        case TcpOptions::WindowScale:
            words << QStringLiteral("wscale ") + QString::number(options.windowScale.value_or(0));
            break;
        case TcpOptions::SackPermitted:
            words << QStringLiteral("sackOK");
            break;
        case TcpOptions::Timestamps:
            if (full && options.timestamps) {
                words << QStringLiteral("TS val %1 ecr %2").arg(options.timestamps->value).arg(options.timestamps->echoReply);
            } else {
                words << QStringLiteral("TS");
            }
            break;
        case TcpOptions::Sack: {
            QString sack = QStringLiteral("sack ") + QString::number(options.sackBlockCount);
            if (full) {
                for (int b = 0; b < options.sackBlockCount; ++b) {
                    const SackBlock &block = options.sackBlocks[size_t(b)];
                    sack += QStringLiteral(" {%1:%2}").arg(block.left - ackBase).arg(block.right - ackBase);
                }
            }
            words << sack;
            break;
        }
        default:
            words << (full ? QStringLiteral("kind %1 len %2").arg(entry.kind).arg(entry.length)
                           : QStringLiteral("kind %1").arg(entry.kind));
            break;
        }
    }
    return words.join(QLatin1Char(','));
}

QString SegmentText::label(const Segment &s, const SequenceBases &bases)
{
    QString text = s.flagsText();
    if (s.sequenceLength() > 0 || s.has(SegmentFlag::Rst))
        text += QStringLiteral(" seq=") + QString::number(bases.relativeSeq(s));
    if (s.has(SegmentFlag::Ack))
        text += QStringLiteral(" ack=") + QString::number(bases.relativeAck(s));
    if (s.payloadLength > 0)
        text += QStringLiteral(" len=") + QString::number(s.payloadLength);
    return text;
}

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

// The real segments of tests/data/capture (made by capture-frames.py there), decoded: one
// `sll_pkttype timestamp_ns hexframe` line a frame, grouped by `# scenario NAME: ...` lines.

#include "fixtures.h"

#include "core/capture/segmentdecoder.h"

#include <QByteArray>
#include <QList>
#include <QString>
#include <QTest>

namespace sockscope::test {

struct CapturedScenario
{
    QString name;
    QList<Segment> segments; // one copy of each segment, in capture order
    QList<QByteArray> frames; // the frame of each, as captured (from the Ethernet header on)
};

// Every scenario of a capture file ("capture/lo-ipv4.txt") in file order, each with the copy
// of its segments the kernel handed over as they left (sll_pkttype 4): on lo each segment is
// captured twice, and the incoming copy (0) is the same segment again. Fails the test on a
// line or frame it cannot read.
inline QList<CapturedScenario> capturedScenarios(const QString &file)
{
    constexpr quint8 packetOutgoing = 4;
    QList<CapturedScenario> scenarios;
    const QList<QByteArray> lines = readFixture(file).split('\n');
    for (qsizetype n = 0; n < lines.size(); ++n) {
        const QByteArray &line = lines[n];
        const QByteArray where = file.toUtf8() + ':' + QByteArray::number(n + 1) + ": ";
        const auto fail = [&](const QByteArray &why) {
            QTest::qFail(QByteArray(where + why).constData(), __FILE__, __LINE__);
        };
        if (line.startsWith("# scenario ")) {
            const qsizetype colon = line.indexOf(':');
            scenarios.append({QString::fromLatin1(line.mid(11, colon - 11)), {}, {}});
            continue;
        }
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.split(' ');
        if (fields.size() != 3 || scenarios.isEmpty()) {
            fail("a frame line without three fields, or before any scenario");
            return {};
        }
        const quint8 packetType = quint8(fields[0].toUInt());
        if (packetType != packetOutgoing)
            continue;
        const QByteArray frame = QByteArray::fromHex(fields[2]);
        const SegmentDecoder::Result result = SegmentDecoder::decode(frame, packetType, fields[1].toLongLong());
        if (!result.ok()) {
            fail(result.reason.toUtf8());
            return {};
        }
        scenarios.last().segments.append(*result.segment);
        scenarios.last().frames.append(frame);
    }
    return scenarios;
}

// The outgoing copies of one scenario's segments; fails the test when it is not in the file.
inline QList<Segment> capturedSegments(const QString &file, const QString &scenario)
{
    for (const CapturedScenario &s : capturedScenarios(file)) {
        if (s.name == scenario)
            return s.segments;
    }
    QTest::qFail(qPrintable(QStringLiteral("no scenario %1 in %2").arg(scenario, file)), __FILE__, __LINE__);
    return {};
}

} // namespace sockscope::test

// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer: any frames handed over as captured on lo decode without crashing or reading past
// them; a frame is either a segment or a problem with a reason, never both or neither; a
// segment's lengths add up within its frame; and the relative numbering and the text forms
// take whatever the decoder gives them. The input is a capture: per frame one byte
// sll_pkttype, two bytes length (big-endian), the frame; bytes left over that do not make a
// whole record are one last frame. tests/data/capture/seeds holds real captures in this form.
#include "core/capture/segmentdecoder.h"
#include "core/capture/segmenttext.h"
#include "core/capture/sequencenumbering.h"

#include <cstdlib>
#include <cstring>
#include <memory>

using namespace sockscope;

namespace {

void check(const SegmentDecoder::Result &result, qsizetype frameSize, quint8 packetType)
{
    if (result.ok() != (result.problem == SegmentDecoder::Problem::None) || result.ok() == !result.reason.isEmpty())
        std::abort();
    if (!result.ok()) {
        if (result.offset < 0 || result.offset > frameSize)
            std::abort();
        return;
    }
    const Segment &s = *result.segment;
    if (s.packetType != packetType || s.source.address.family() != s.family || s.destination.address.family() != s.family)
        std::abort();
    const int minimumIp = s.family == AddressFamily::IPv4 ? 20 : 40;
    if (s.ipHeaderLength < minimumIp || s.ipHeaderLength % 4 != 0)
        std::abort();
    if (s.tcpHeaderLength < 20 || s.tcpHeaderLength > 60 || s.tcpHeaderLength % 4 != 0)
        std::abort();
    if (s.capturedPayloadLength > s.payloadLength
        || SegmentDecoder::linkHeaderLength + s.ipHeaderLength + s.tcpHeaderLength + qsizetype(s.capturedPayloadLength) > frameSize)
        std::abort();
    const TcpOptions &o = s.options;
    if (o.count > TcpOptions::maxCount || o.sackBlockCount > TcpOptions::maxSackBlocks || o.unknownCount > o.count)
        std::abort();
    int optionBytes = 0;
    for (int i = 0; i < o.count; ++i)
        optionBytes += o.entries[size_t(i)].length;
    if (optionBytes > s.tcpHeaderLength - 20)
        std::abort();
    if ((s.direction() == LinkDirection::Outgoing) != (packetType == 4))
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    SequenceNumbering numbering;
    size_t at = 0;
    while (at < size) {
        quint8 packetType = 4;
        size_t length = size - at;
        size_t start = at;
        if (size - at >= 3 && size_t(data[at + 1] << 8 | data[at + 2]) <= size - at - 3) {
            packetType = data[at];
            length = size_t(data[at + 1] << 8 | data[at + 2]);
            start = at + 3;
        }
        at = start + length;

        // Its own heap block of exactly its size, so that AddressSanitizer sees any read past it.
        const std::unique_ptr<char[]> frame(new char[length > 0 ? length : 1]);
        if (length > 0)
            std::memcpy(frame.get(), data + start, length);
        const QByteArrayView bytes(frame.get(), qsizetype(length));
        const SegmentDecoder::Result result = SegmentDecoder::decode(bytes, packetType, qint64(start));
        check(result, bytes.size(), packetType);
        const SegmentDecoder::Result again = SegmentDecoder::decode(bytes, packetType, qint64(start));
        if (again.segment != result.segment || again.problem != result.problem || again.reason != result.reason)
            std::abort();
        if (!result.ok())
            continue;

        const Segment &s = *result.segment;
        const SequenceBases bases = numbering.take(s);
        if (numbering.take(s) != bases) // the other copy on lo is numbered the same
            std::abort();
        if (s.has(SegmentFlag::Syn) && bases.relativeSeq(s) != 0)
            std::abort();
        if (s.has(SegmentFlag::Syn) && s.has(SegmentFlag::Ack) && bases.relativeAck(s) != 1)
            std::abort();
        if (SegmentText::line(s, bases, SegmentText::Form::Short).isEmpty()
            || SegmentText::line(s, bases, SegmentText::Form::Long).isEmpty())
            std::abort();
    }
    return 0;
}

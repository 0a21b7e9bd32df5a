// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer: the session loader takes any bytes without crashing, hanging or leaking, and what
// it accepts it writes back to something it reads as the same document. An accepted document
// is also replayed: to the end, back to the start, and through its moments, as the window does.
#include "core/session/replay.h"
#include "core/session/sessionfile.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const sockscope::SessionFile::Loaded loaded = sockscope::SessionFile::fromBytes(bytes);
    if (!loaded.document)
        return 0;
    const QByteArray written = sockscope::SessionFile::toBytes(*loaded.document);
    const sockscope::SessionFile::Loaded again = sockscope::SessionFile::fromBytes(written);
    if (!again.document || !(*again.document == *loaded.document) || sockscope::SessionFile::toBytes(*again.document) != written)
        std::abort(); // export -> open -> export must be lossless

    const sockscope::Replay replay(*loaded.document);
    const auto forward = replay.step(-1, replay.endNs());
    const auto back = replay.step(replay.endNs(), 0);
    if (!back.delta.events.isEmpty())
        std::abort(); // a step back happens to nothing
    qint64 at = -1;
    int frames = 0;
    for (qint64 next = replay.nextFrame(at); next >= 0 && frames < 64; next = replay.nextFrame(at), ++frames) {
        const auto step = replay.step(at, next);
        for (const auto &h : step.histories) {
            if (h.spans.isEmpty() || !replay.connection(h.id))
                std::abort(); // every history a step gives is a recorded connection, seen by then
        }
        at = next;
    }
    (void)forward;
    return 0;
}

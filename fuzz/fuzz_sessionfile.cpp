// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer: the session loader takes any bytes without crashing, hanging or leaking, and what
// it accepts it writes back to something it reads as the same document.
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
    return 0;
}

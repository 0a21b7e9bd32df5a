// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer: ss output of any shape parses without crashing, and issues name real lines.
#include "core/parsers/ssparser.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto result = sockscope::SsParser().parse(bytes);
    const qsizetype lines = bytes.count('\n') + 1;
    for (const sockscope::ParseIssue &issue : result.issues) {
        if (issue.line < 1 || issue.line > lines)
            std::abort();
    }
    for (const sockscope::SocketRecord &r : result.records) {
        if (r.local.address.family() != r.family || r.remote.address.family() != r.family)
            std::abort();
    }
    return 0;
}

// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer: /proc/net/tcp text of any shape parses without crashing, and every line is either
// a record or a reported issue.
#include "core/parsers/procnettcpparser.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto result = sockscope::ProcNetTcpParser().parse(bytes);
    const qsizetype lines = bytes.count('\n') + 1;
    if (result.records.size() + result.issues.size() > lines)
        std::abort();
    for (const sockscope::ParseIssue &issue : result.issues) {
        if (issue.line < 1 || issue.line > lines)
            std::abort();
    }
    return 0;
}

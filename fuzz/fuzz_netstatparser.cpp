// SPDX-License-Identifier: GPL-3.0-or-later
// libFuzzer: netstat output of any shape parses without crashing, issues and skipped lines
// name real lines, and a text parsed in two pieces gives what it gives in one.
#include "core/parsers/netstatparser.h"

#include <cstdlib>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const QByteArray bytes = QByteArray::fromRawData(reinterpret_cast<const char *>(data), qsizetype(size));
    const auto whole = sockscope::NetstatParser().parse(bytes);
    const qsizetype lines = bytes.count('\n') + 1;
    for (const sockscope::ParseIssue &issue : whole.issues) {
        if (issue.line < 1 || issue.line > lines)
            std::abort();
    }
    for (const QList<int> &set : {whole.unknownStateLines, whole.possiblyCutLines}) {
        for (int line : set) {
            if (line < 1 || line > lines)
                std::abort();
        }
    }
    for (const sockscope::SocketRecord &r : whole.records) {
        if (r.local.address.family() != r.family || r.remote.address.family() != r.family)
            std::abort();
        if (r.ownerStatus == sockscope::OwnerStatus::Process && r.owners.size() != 1)
            std::abort();
    }

    // As a file read in pieces of whole lines: one parser, the second piece numbered on.
    const qsizetype cut = bytes.indexOf('\n', bytes.size() / 2);
    if (cut >= 0) {
        sockscope::NetstatParser pieces;
        const auto first = pieces.parse(bytes.first(cut + 1));
        const auto second = pieces.parse(bytes.sliced(cut + 1), QString(), int(bytes.first(cut + 1).count('\n')) + 1);
        if (first.records + second.records != whole.records || first.issues + second.issues != whole.issues
            || first.skipped.count() + second.skipped.count() != whole.skipped.count())
            std::abort();
    }
    return 0;
}

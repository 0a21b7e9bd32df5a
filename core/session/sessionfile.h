// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "sessiondocument.h"

#include <QJsonObject>

#include <optional>

namespace sockscope {

// The session file: a versioned JSON document (docs/session-format.md). Loading treats the
// file as untrusted: every field is checked for type and range, sizes are bounded, and the
// first problem is reported with where it is.
class SessionFile
{
public:
    static constexpr const char *formatName = "sockscope-session";
    // 500,000 connections with their histories fit (about 650 bytes each at the least), and opening
    // the largest file takes about twice its size in memory.
    static constexpr qint64 maxFileBytes = 512LL * 1024 * 1024;
    static constexpr qsizetype maxConnections = 1000000;
    static constexpr qsizetype maxSpans = 1024;
    // One entry of a list (a connection with its history, a call, a row): parsed on its own,
    // so this bounds what parsing it may take.
    static constexpr qsizetype maxEntryBytes = 4 * 1024 * 1024;
    static constexpr qsizetype maxCalls = 1000000;
    static constexpr qsizetype maxScenarioRuns = 10000;
    static constexpr qsizetype maxTableRows = 1000000;
    // What a session keeps of the lab's wire (Session::maxWireSegments).
    static constexpr qsizetype maxWireSegments = 100000;
    static constexpr qint64 maxTimeUs = 10LL * 365 * 24 * 3600 * 1000000; // ten years

    struct Loaded
    {
        std::optional<SessionDocument> document;
        QString error; // names the file and, for a bad field, where it is
    };

    static QJsonObject toJson(const SessionDocument &document);
    static QByteArray toBytes(const SessionDocument &document); // compact JSON

    static Loaded fromBytes(const QByteArray &bytes, const QString &origin = QString());

    // Atomic (QSaveFile); returns an empty string or a message naming the file and the reason.
    // A session larger than `maxBytes` is not written: it could not be opened again.
    static QString save(const SessionDocument &document, const QString &path, qint64 maxBytes = maxFileBytes);
    static Loaded load(const QString &path);
};

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/snapshot.h"
#include "core/model/socketrecord.h"

#include <QByteArray>
#include <QFile>
#include <QList>
#include <QMap>
#include <QString>
#include <QTest>

#include <functional>

namespace sockscope::test {

inline QString fixturePath(const QString &name)
{
    return QStringLiteral(SOCKSCOPE_TEST_DATA "/") + name;
}

// The bytes of a file in tests/data; fails the test when it cannot be read.
inline QByteArray readFixture(const QString &name)
{
    QFile file(fixturePath(name));
    if (!file.open(QIODevice::ReadOnly)) {
        QTest::qFail(qPrintable(QStringLiteral("cannot open fixture %1").arg(file.fileName())), __FILE__, __LINE__);
        return QByteArray();
    }
    return file.readAll();
}

// A poll's snapshot of these rows, taken `ms` after the first.
inline Snapshot snapshotOf(const QList<SocketRecord> &records, qint64 ms)
{
    Snapshot s;
    s.records = records;
    s.steadyNs = ms * 1000000;
    s.wallTimeMs = 1700000000000 + ms;
    return s;
}

inline QMap<QString, int> countByState(const QList<SocketRecord> &records)
{
    QMap<QString, int> counts;
    for (const SocketRecord &r : records)
        ++counts[kernelName(r.state)];
    return counts;
}

// The single record matching local and remote "address:port" text (remote "" for any).
inline const SocketRecord *findRecord(const QList<SocketRecord> &records, const QString &local,
                                      const QString &remote = QString())
{
    const SocketRecord *found = nullptr;
    for (const SocketRecord &r : records) {
        if (r.local.toString() == local && (remote.isEmpty() || r.remote.toString() == remote)) {
            if (found)
                return nullptr; // ambiguous
            found = &r;
        }
    }
    return found;
}

inline int countIf(const QList<SocketRecord> &records, const std::function<bool(const SocketRecord &)> &pred)
{
    int n = 0;
    for (const SocketRecord &r : records)
        n += pred(r) ? 1 : 0;
    return n;
}

} // namespace sockscope::test

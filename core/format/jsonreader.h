// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QJsonArray>
#include <QJsonObject>
#include <QJsonValue>
#include <QString>

#include <optional>

namespace sockscope {

// Reads untrusted JSON field by field, checking type and range, and remembers the first
// problem with the path where it was found: "connections[3].spans[0].first_seen_us: expected
// a whole number from 0 to 315360000000000". After the first problem every read fails.
class JsonReader
{
public:
    bool ok() const { return m_error.isEmpty(); }
    QString error() const { return m_error; }
    void fail(const QString &path, const QString &problem);

    QJsonObject object(const QJsonValue &value, const QString &path);
    QJsonArray array(const QJsonValue &value, const QString &path, qsizetype maxSize);
    QString string(const QJsonObject &o, const QString &key, const QString &path, qsizetype maxLength = 65536);
    std::optional<QString> optionalString(const QJsonObject &o, const QString &key, const QString &path,
                                          qsizetype maxLength = 65536);
    // Whole numbers in [min, max]; JSON numbers are doubles, so the range is checked there.
    qint64 integer(const QJsonObject &o, const QString &key, const QString &path, qint64 min, qint64 max);
    std::optional<qint64> optionalInteger(const QJsonObject &o, const QString &key, const QString &path,
                                          qint64 min, qint64 max); // absent or null: nullopt
    bool boolean(const QJsonObject &o, const QString &key, const QString &path);

    static QString at(const QString &path, const QString &key) { return path.isEmpty() ? key : path + QLatin1Char('.') + key; }
    static QString at(const QString &path, qsizetype index) { return path + QStringLiteral("[%1]").arg(index); }

private:
    qint64 checkedInteger(const QJsonValue &value, const QString &path, QStringView key, qint64 min, qint64 max);

    QString m_error;
};

} // namespace sockscope

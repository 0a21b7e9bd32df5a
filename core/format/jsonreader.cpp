// SPDX-License-Identifier: GPL-3.0-or-later
#include "jsonreader.h"

#include <cmath>

namespace sockscope {

void JsonReader::fail(const QString &path, const QString &problem)
{
    if (m_error.isEmpty())
        m_error = path + QStringLiteral(": ") + problem;
}

QJsonObject JsonReader::object(const QJsonValue &value, const QString &path)
{
    if (!ok())
        return {};
    if (!value.isObject()) {
        fail(path, QStringLiteral("expected an object"));
        return {};
    }
    return value.toObject();
}

QJsonArray JsonReader::array(const QJsonValue &value, const QString &path, qsizetype maxSize)
{
    if (!ok())
        return {};
    if (!value.isArray()) {
        fail(path, QStringLiteral("expected a list"));
        return {};
    }
    QJsonArray a = value.toArray();
    if (a.size() > maxSize) {
        fail(path, QStringLiteral("%1 entries, more than the %2 a session file may hold").arg(a.size()).arg(maxSize));
        return {};
    }
    return a;
}

QString JsonReader::string(const QJsonObject &o, const QString &key, const QString &path, qsizetype maxLength)
{
    const std::optional<QString> s = optionalString(o, key, path, maxLength);
    if (ok() && !s)
        fail(at(path, key), QStringLiteral("missing"));
    return s.value_or(QString());
}

std::optional<QString> JsonReader::optionalString(const QJsonObject &o, const QString &key, const QString &path,
                                                  qsizetype maxLength)
{
    if (!ok())
        return std::nullopt;
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    if (!v.isString()) {
        fail(at(path, key), QStringLiteral("expected text"));
        return std::nullopt;
    }
    QString s = v.toString();
    if (s.size() > maxLength) {
        fail(at(path, key), QStringLiteral("text longer than %1 characters").arg(maxLength));
        return std::nullopt;
    }
    return s;
}

qint64 JsonReader::checkedInteger(const QJsonValue &v, const QString &path, QStringView key, qint64 min, qint64 max)
{
    // The path and message are made only for a value that is wrong: a big file reads millions.
    const double d = v.isDouble() ? v.toDouble() : std::nan("");
    if (!std::isfinite(d) || d != std::floor(d) || d < double(min) || d > double(max)) {
        fail(key.isEmpty() ? path : at(path, key.toString()),
             QStringLiteral("expected a whole number from %1 to %2").arg(min).arg(max));
        return 0;
    }
    return qint64(d);
}

qint64 JsonReader::integer(const QJsonObject &o, const QString &key, const QString &path, qint64 min, qint64 max)
{
    if (!ok())
        return 0;
    const QJsonValue v = o.value(key);
    if (v.isUndefined()) {
        fail(at(path, key), QStringLiteral("missing"));
        return 0;
    }
    return checkedInteger(v, path, key, min, max);
}

std::optional<qint64> JsonReader::optionalInteger(const QJsonObject &o, const QString &key, const QString &path,
                                                  qint64 min, qint64 max)
{
    if (!ok())
        return std::nullopt;
    const QJsonValue v = o.value(key);
    if (v.isUndefined() || v.isNull())
        return std::nullopt;
    const qint64 value = checkedInteger(v, path, key, min, max);
    if (!ok())
        return std::nullopt;
    return value;
}

bool JsonReader::boolean(const QJsonObject &o, const QString &key, const QString &path)
{
    if (!ok())
        return false;
    const QJsonValue v = o.value(key);
    if (!v.isBool()) {
        fail(at(path, key), v.isUndefined() ? QStringLiteral("missing") : QStringLiteral("expected true or false"));
        return false;
    }
    return v.toBool();
}

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>

namespace sockscope {

// One socket API call the lab made, with what the kernel answered. A non-blocking connect()
// that finishes later is reported again when it finishes (asynchronous = true).
struct LabCall
{
    qint64 wallTimeMs = 0;
    qint64 steadyNs = 0;
    int socketId = 0;
    QString socketLabel; // "client #1"
    QString call;        // "connect", "setsockopt", ...
    QString arguments;   // "127.0.0.1:8000"
    qint64 result = 0;   // the return value
    int error = 0;       // errno when the call failed, else 0
    bool asynchronous = false;
    bool notCalled = false; // the lab refused to make the call (the socket is closed, no descriptors left)
    int createdSocketId = 0; // socket() and accept(): the lab socket the call created
    QString detail;      // what else is known: who holds a port, how many send() calls a fill took

    bool failed() const { return error != 0; }
    QString errorName() const; // "ECONNREFUSED"
    QString errorText() const; // "Connection refused"

    // "connect(127.0.0.1:8000) = -1 EINPROGRESS (Operation now in progress)"
    QString toString() const;
};

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::LabCall)

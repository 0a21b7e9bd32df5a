// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMap>
#include <QString>

namespace sockscope {

// One epoll instance the lab created: a descriptor of the lab's, but not a TCP socket, so it
// has no row in the kernel's table and no place in the lab's socket list.
struct LabEpoll
{
    int id = 0;      // from the same count as the lab's sockets
    int ordinal = 0; // epoll #n, from 1
    int fd = -1;
    bool open = false;
    bool waiting = false;          // an epoll_wait() is waiting for its completion
    int waitMaxEvents = 0;         // that wait's arguments
    int waitTimeoutMs = 0;
    qint64 waitStartedNs = 0;
    QMap<int, quint32> interest;   // lab socket id -> the events epoll_ctl() asked for

    QString label() const; // "epoll #1"
};

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/model/socketrecord.h"

#include <QString>

namespace sockscope {

// One socket the lab created, as the lab knows it (the kernel's view comes from a source).
struct LabSocket
{
    enum class Role : quint8 { Listener, Client, Accepted };

    int id = 0;
    Role role = Role::Client;
    int ordinal = 0; // client #n, accepted #n, listener #n: counted per role from 1
    AddressFamily family = AddressFamily::IPv4;
    Network network = Network::Host; // where socket() made it (Lab::setNetwork())
    int fd = -1;
    quint64 inode = 0; // fixed for the socket's life; the kernel's row shows it while a file exists
    Endpoint local;    // after bind() or connect()
    Endpoint remote;   // the connect() target, or the peer accept() returned
    int listenerId = 0;      // accepted sockets: the listener they came from
    int peerClientId = 0;    // accepted sockets: the lab client at the other end, if any
    bool open = false;       // false after close(): the kernel may still keep the connection
    bool listening = false;
    bool connecting = false; // connect() in progress
    bool connected = false;
    bool sawEndOfFile = false;
    qint64 bytesSent = 0;
    qint64 bytesReceived = 0;
    bool shutWrite = false;

    static QString roleName(Role role); // "listener", "client", "accepted"
    QString label() const;              // "listener", "client #2", "accepted #1"
};

} // namespace sockscope

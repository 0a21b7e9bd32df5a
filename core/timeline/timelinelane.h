// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/lab/labcall.h"
#include "core/tracking/connectionhistory.h"

#include <QList>
#include <QString>

namespace sockscope {

// One end of a connection as the timeline shows it. Everything is copied in, so the timeline
// never points into the tracker or the lab, which keep changing underneath it.
struct TimelineLane
{
    QString label;             // "client #1", "accepted #1", "127.0.0.1:8000"
    ConnectionHistory history; // a copy; the widget keeps no pointers into the tracker
    QList<LabCall> calls;      // the lab calls made on this end's socket (may be empty)
    // Which end: decides the implied start (CLOSED for a client, LISTEN for a server end)
    // and the colour.
    bool clientSide = true;
};

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "socketrecord.h"

#include <QStringList>

#include <optional>

namespace sockscope {

// Which rows a user asked to see. Empty filter: everything.
struct SocketFilter
{
    std::optional<quint16> port;     // local or remote port
    std::optional<TcpState> state;
    std::optional<AddressFamily> family;

    bool isEmpty() const { return !port && !state && !family; }
    bool matches(const SocketRecord &record) const;

    // The same filter as an `ss` filter expression, as separate arguments (no shell quoting);
    // empty when there is nothing ss can filter on its own. ss's `state` keyword is not used:
    // with it ss drops the State column from its output.
    QStringList ssArguments() const;
};

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

namespace sockscope {

// The poll intervals sockscope accepts, in milliseconds, wherever one is chosen: the window's
// toolbar and preferences, `sockscope --interval` and `sockscope watch --interval`. Short
// enough to catch states that last a few polls of a busy loopback test, long enough to watch
// a slow server for an hour between polls.
inline constexpr int minIntervalMs = 10;
inline constexpr int maxIntervalMs = 3600000;

} // namespace sockscope

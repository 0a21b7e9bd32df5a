// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QMetaType>
#include <QString>
#include <QStringView>

#include <array>
#include <optional>

namespace sockscope {

// The kernel's own numbering (include/net/tcp_states.h); /proc/net/tcp prints it in hex.
enum class TcpState : quint8 {
    Established = 1,
    SynSent = 2,
    SynRecv = 3,
    FinWait1 = 4,
    FinWait2 = 5,
    TimeWait = 6,
    Close = 7,
    CloseWait = 8,
    LastAck = 9,
    Listen = 10,
    Closing = 11,
};

inline constexpr int tcpStateCount = 11;

// All states in kernel order, for iteration.
const std::array<TcpState, tcpStateCount> &allTcpStates();

std::optional<TcpState> tcpStateFromKernelNumber(int number);
int kernelNumber(TcpState state);

// "FIN_WAIT1": the spelling of the kernel (tracepoints, tcp_states.h without the TCP_ prefix).
QString kernelName(TcpState state);
// "FIN-WAIT-1": the spelling `ss` prints ("ESTAB", "UNCONN" for CLOSE).
QString ssName(TcpState state);
// "FIN-WAIT-1": the spelling of RFC 9293 ("SYN-RECEIVED", "CLOSED").
QString rfcName(TcpState state);

// Accepts any of the three spellings, any case, with '-', '_' or nothing between words,
// and the kernel number as plain decimal digits ("4", "FIN_WAIT1", "fin-wait-1", "FinWait1");
// "-1", "+1", "0x1" or "1.0" are no state.
std::optional<TcpState> parseTcpState(QStringView text);

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::TcpState)

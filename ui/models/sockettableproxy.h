// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/tcp/tcpstate.h"

#include <QSortFilterProxyModel>

#include <optional>

namespace sockscope {

// Sorts the 4-tuple table by any column while keeping the two ends of a loopback connection
// next to each other (the pair sorts by its first end), and filters by port, state and text.
class SocketTableProxy : public QSortFilterProxyModel
{
    Q_OBJECT

public:
    explicit SocketTableProxy(QObject *parent = nullptr);

    void setTextFilter(const QString &text);       // any column contains it, case-insensitively
    void setStateFilter(std::optional<TcpState> state);
    void setPortFilter(std::optional<quint16> port); // local or remote port
    QString textFilter() const { return m_text; }

protected:
    bool lessThan(const QModelIndex &left, const QModelIndex &right) const override;
    bool filterAcceptsRow(int sourceRow, const QModelIndex &sourceParent) const override;

private:
    QString m_text;
    std::optional<TcpState> m_state;
    std::optional<quint16> m_port;
};

} // namespace sockscope

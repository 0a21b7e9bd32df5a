// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/tcp/tcpstate.h"

#include <QIdentityProxyModel>

#include <optional>

namespace sockscope {

class SocketTableModel;

// What the 4-tuple table's view is given: the SocketTableModel, which sorts (pairs kept
// together) and filters by port, state and text itself, so that a poll's changes reach the
// view as one layout change (see SocketTableModel). Sorting and filtering here go to it.
class SocketTableProxy : public QIdentityProxyModel
{
    Q_OBJECT

public:
    explicit SocketTableProxy(QObject *parent = nullptr);

    void setTextFilter(const QString &text);       // any column contains it, case-insensitively
    void setStateFilter(std::optional<TcpState> state);
    void setPortFilter(std::optional<quint16> port); // local or remote port
    QString textFilter() const;

    void sort(int column, Qt::SortOrder order = Qt::AscendingOrder) override;

private:
    SocketTableModel *table() const;
};

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#include "sockettableproxy.h"

#include "sockettablemodel.h"

namespace sockscope {

SocketTableProxy::SocketTableProxy(QObject *parent) : QIdentityProxyModel(parent) { }

SocketTableModel *SocketTableProxy::table() const
{
    return qobject_cast<SocketTableModel *>(sourceModel());
}

void SocketTableProxy::setTextFilter(const QString &text)
{
    if (SocketTableModel *t = table())
        t->setTextFilter(text);
}

void SocketTableProxy::setStateFilter(std::optional<TcpState> state)
{
    if (SocketTableModel *t = table())
        t->setStateFilter(state);
}

void SocketTableProxy::setPortFilter(std::optional<quint16> port)
{
    if (SocketTableModel *t = table())
        t->setPortFilter(port);
}

QString SocketTableProxy::textFilter() const
{
    const SocketTableModel *t = table();
    return t ? t->textFilter() : QString();
}

void SocketTableProxy::sort(int column, Qt::SortOrder order)
{
    if (SocketTableModel *t = table())
        t->sort(column, order);
}

} // namespace sockscope

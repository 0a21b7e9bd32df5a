// SPDX-License-Identifier: GPL-3.0-or-later
#include "socketsource.h"

#include "netlinksource.h"
#include "procsource.h"
#include "sssource.h"

#include "labnetworksource.h"
#include "core/system/labnetwork.h"

#include <linux/netlink.h>
#include <linux/sock_diag.h>
#include <sys/socket.h>

namespace sockscope {

QStringList SocketSource::names()
{
    return {QStringLiteral("netlink"), QStringLiteral("proc"), QStringLiteral("ss")};
}

SocketSource::DefaultChoice SocketSource::defaultChoice()
{
    // Asking the kernel directly is the cheapest; where sock_diag is not answered (some
    // containers), /proc always is.
    static const DefaultChoice choice = [] {
        QString error;
        if (NetlinkSource::isAvailable(&error))
            return DefaultChoice{QStringLiteral("netlink"), QString()};
        return DefaultChoice{QStringLiteral("proc"), error};
    }();
    return choice;
}

std::unique_ptr<SocketSource> SocketSource::create(QStringView name, QString *error)
{
    if (name.isEmpty() || name == QLatin1String("default"))
        return create(defaultName(), error);
    if (name == QLatin1String("netlink"))
        return std::make_unique<NetlinkSource>();
    if (name == QLatin1String("proc"))
        return std::make_unique<ProcSource>();
    if (name == QLatin1String("ss"))
        return std::make_unique<SsSource>();
    if (error)
        *error = QStringLiteral("unknown source '%1' (choose one of: %2)")
                     .arg(name.toString(), names().join(QStringLiteral(", ")));
    return nullptr;
}

static std::unique_ptr<SocketSource> createInside(QStringView name, LabNetwork *network, QString *error)
{
    if (name == QLatin1String("netlink")) {
        // The poller's thread asks for the socket; LabNetwork takes requests from any thread.
        return std::make_unique<NetlinkSource>(
            [network] { return network->createSocket(AF_NETLINK, SOCK_DGRAM, NETLINK_SOCK_DIAG); });
    }
    if (name == QLatin1String("proc"))
        return std::make_unique<ProcSource>(network->procNetDirectory());
    if (name == QLatin1String("ss")) {
        auto ss = std::make_unique<SsSource>();
        ss->setLauncher(network->ssLauncher());
        return ss;
    }
    return SocketSource::create(name, error); // the same message for a name that is none of them
}

std::unique_ptr<SocketSource> SocketSource::create(QStringView name, LabNetwork *network, QString *error)
{
    if (!network)
        return create(name, error);
    if (name.isEmpty() || name == QLatin1String("default"))
        return create(defaultName(), network, error);
    std::unique_ptr<SocketSource> inside = createInside(name, network, error);
    if (!inside)
        return nullptr;
    return std::make_unique<LabNetworkSource>(std::move(inside), nullptr);
}

std::unique_ptr<SocketSource> SocketSource::createWithHost(QStringView name, LabNetwork *network, QString *error)
{
    if (!network)
        return create(name, error);
    if (name.isEmpty() || name == QLatin1String("default"))
        return createWithHost(defaultName(), network, error);
    std::unique_ptr<SocketSource> inside = createInside(name, network, error);
    std::unique_ptr<SocketSource> host = inside ? create(name, error) : nullptr;
    if (!host)
        return nullptr;
    return std::make_unique<LabNetworkSource>(std::move(inside), std::move(host));
}

} // namespace sockscope

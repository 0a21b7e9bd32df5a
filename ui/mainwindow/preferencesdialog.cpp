// SPDX-License-Identifier: GPL-3.0-or-later
#include "preferencesdialog.h"

#include "core/sources/pollinterval.h"

#include <QComboBox>
#include <QDialogButtonBox>
#include <QFormLayout>
#include <QSettings>
#include <QSpinBox>

namespace sockscope {

Preferences Preferences::load()
{
    QSettings settings;
    Preferences p;
    const QString source = settings.value(QStringLiteral("source"), p.source).toString();
    if (SocketSource::names().contains(source))
        p.source = source;
    p.intervalMs = qBound(minIntervalMs, settings.value(QStringLiteral("intervalMs"), p.intervalMs).toInt(), maxIntervalMs);
    const int port = settings.value(QStringLiteral("defaultPort"), p.defaultPort).toInt();
    if (port >= 0 && port <= 65535)
        p.defaultPort = quint16(port);
    p.labNetwork = parseNetworkName(settings.value(QStringLiteral("labNetwork")).toString()).value_or(p.labNetwork);
    return p;
}

void Preferences::save() const
{
    QSettings settings;
    settings.setValue(QStringLiteral("source"), source);
    settings.setValue(QStringLiteral("intervalMs"), intervalMs);
    settings.setValue(QStringLiteral("defaultPort"), defaultPort);
    settings.setValue(QStringLiteral("labNetwork"), networkName(labNetwork));
}

PreferencesDialog::PreferencesDialog(const Preferences &current, QWidget *parent) : QDialog(parent)
{
    setObjectName(QStringLiteral("preferencesDialog"));
    setWindowTitle(tr("Preferences"));
    auto *form = new QFormLayout(this);
    m_source = new QComboBox(this);
    m_source->addItem(tr("netlink sock_diag (as ss asks)"), QStringLiteral("netlink"));
    m_source->addItem(tr("/proc/net/tcp"), QStringLiteral("proc"));
    m_source->addItem(tr("the ss program"), QStringLiteral("ss"));
    m_source->setCurrentIndex(qMax(0, m_source->findData(current.source)));
    m_interval = new QSpinBox(this);
    m_interval->setObjectName(QStringLiteral("preferencesInterval"));
    m_interval->setRange(minIntervalMs, maxIntervalMs);
    m_interval->setStepType(QAbstractSpinBox::AdaptiveDecimalStepType);
    m_interval->setSuffix(tr(" ms"));
    m_interval->setValue(current.intervalMs);
    m_port = new QSpinBox(this);
    m_port->setRange(0, 65535);
    m_port->setSpecialValueText(tr("any (kernel chooses)"));
    m_port->setValue(current.defaultPort);
    form->addRow(tr("Read the table from"), m_source);
    form->addRow(tr("Poll every"), m_interval);
    m_network = new QComboBox(this);
    m_network->setObjectName(QStringLiteral("preferencesNetwork"));
    m_network->addItem(tr("its own private network, with the wire captured"), int(Network::Private));
    m_network->addItem(tr("this machine's loopback"), int(Network::Host));
    m_network->setCurrentIndex(qMax(0, m_network->findData(int(current.labNetwork))));
    m_network->setToolTip(tr("In its private network the lab has a loopback of its own: port %1 is always free, the "
                             "rest of this machine sees none of it, and every segment is captured.")
                              .arg(current.defaultPort));
    form->addRow(tr("Lab server port"), m_port);
    form->addRow(tr("The lab runs in"), m_network);
    auto *buttons = new QDialogButtonBox(QDialogButtonBox::Ok | QDialogButtonBox::Cancel, this);
    connect(buttons, &QDialogButtonBox::accepted, this, &QDialog::accept);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    form->addRow(buttons);
}

Preferences PreferencesDialog::preferences() const
{
    Preferences p;
    p.source = m_source->currentData().toString();
    p.intervalMs = m_interval->value();
    p.defaultPort = quint16(m_port->value());
    p.labNetwork = Network(m_network->currentData().toInt());
    return p;
}

} // namespace sockscope

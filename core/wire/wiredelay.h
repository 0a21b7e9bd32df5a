// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QObject>
#include <QPointer>
#include <QString>

namespace sockscope {

class LabNetwork;

// A fixed delay on the lab's private loopback, so that a round trip takes visible time: the
// kernel's netem queueing discipline on the network's lo (`tc qdisc replace dev lo root netem
// delay N ms`), run inside the network like the wire rules (LabCommandLine), and nowhere else.
// Every segment leaves through lo once, so a round trip takes twice the delay.
//
// Only where the kernel has netem (sch_netem): where it does not, whyUnavailable() says so in
// tc's words, and nothing is emulated by hand. setDelay() waits for tc (some ms).
class WireDelay : public QObject
{
    Q_OBJECT

public:
    static constexpr int maxDelayMs = 2000;

    explicit WireDelay(LabNetwork *network, QObject *parent = nullptr);
    ~WireDelay() override;

    // Empty when a delay can be set, or why not: no private network, no tc program, or the
    // kernel has no netem (asked once: a 1 ms delay set and taken away, then remembered).
    QString whyUnavailable();

    // The delay each segment waits on lo, 0 for none (the qdisc is taken away). False with why,
    // the delay before still in force, when tc refuses or ms is out of range.
    bool setDelay(int ms, QString *error = nullptr);
    int delayMs() const { return m_delayMs; }

    // tc, or empty where it is not installed (Debian package iproute2).
    static QString tcProgram();

Q_SIGNALS:
    void delayChanged(int ms);

private:
    bool runTc(const QStringList &args, QString *error);

    QPointer<LabNetwork> m_network;
    int m_delayMs = 0;
    bool m_probed = false;
    QString m_refusal;
};

} // namespace sockscope

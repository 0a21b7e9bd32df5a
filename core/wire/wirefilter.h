// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "wirerule.h"

#include "core/capture/segment.h"

#include <QByteArray>
#include <QList>
#include <QMetaType>
#include <QObject>
#include <QPointer>
#include <QString>

class QSocketNotifier;

namespace sockscope {

class LabNetwork;

// What one rule did to one segment, as the kernel's packet log reported it.
struct WireRuleHit
{
    int rule = 0; // its number, from 1, in the list given to WireFilter::apply()
    WireRule::Action action = WireRule::Action::Drop;
    Segment segment;     // as the rule saw it, arriving (timestampNs on CLOCK_REALTIME)
    QByteArray packet;   // the IP packet itself
    qint64 steadyNs = 0; // the same moment on the steady clock (Snapshot::steadyNs, WireSegment::steadyNs)
};

// Applies wire rules on the lab's private loopback and reports each segment they take.
//
// The rules are an nftables table, `inet sockscope`, in the lab's network namespace and nowhere
// else: it goes when the namespace does, and the host's ruleset is never touched. They are
// handed to the `nft` program run inside the namespace with the launcher that runs `ss` there
// (LabNetwork::ssLauncher(), nsenter). Not libnftables: it acts on the network namespace of the
// process that calls it, and sockscope never enters one (a process with threads cannot; see
// LabNetwork). Each apply() replaces the whole table in one nft transaction.
//
// Each rule logs what it takes to an NFLOG group before its verdict. The log is read from a
// netlink socket made in the namespace (LabNetwork::createSocket): the kernel lets it configure
// the group because the socket's opener, the helper, is root of the namespace's user
// namespace, and so is this process as that namespace's owner (netlink_net_capable() checks
// both). A "drop next" rule is taken out of the table once its first hit is read.
//
// apply() and clear() wait for nft (some ms); call them from the thread that owns the object.
class WireFilter : public QObject
{
    Q_OBJECT

public:
    // Without a network (the lab on this machine's loopback) no rule can be applied:
    // whyUnavailable() says so.
    explicit WireFilter(LabNetwork *network, QObject *parent = nullptr);
    ~WireFilter() override;

    // Empty when rules can be applied, or why not: no private network, no nft program, or the
    // kernel's refusal in nft's own words (asked once, then remembered).
    QString whyUnavailable();

    // Replaces the rules; the server is whoever has `serverPort`. False with a reason, and the
    // earlier rules still in force, when nft refuses. An empty list clears.
    bool apply(const QList<WireRule> &rules, quint16 serverPort, QString *error = nullptr);
    bool clear(QString *error = nullptr);

    const QList<WireRule> &rules() const { return m_rules; }
    // Whether rule `number` (from 1) is a "drop next" that has acted.
    bool isSpent(int number) const;
    quint16 serverPort() const { return m_serverPort; }
    // The table as last given to nft, for the curious.
    QString nftText() const { return m_nftText; }
    // Empty while hits are reported, or why the rules' log could not be read (the rules apply
    // all the same, but a "drop next" is refused without it).
    QString whyNoHits() const { return m_whyNoHits; }
    // Hits the kernel could not hand over (the log socket's buffer overflowed).
    qint64 lostHits() const { return m_lostHits; }

    // Where nft is, or empty; it is often in /usr/sbin, outside an ordinary user's PATH.
    static QString nftProgram();

    // Reads what the log has queued now (the notifier does this as hits arrive).
    void readPending();

Q_SIGNALS:
    void segmentRuled(const sockscope::WireRuleHit &hit);
    // A "drop next" rule has acted and is no longer in the table.
    void ruleSpent(int number);
    // Something went wrong after apply() returned (taking a spent rule out).
    void failed(const QString &reason);

private:
    bool runNft(const QString &script, QString *error);
    bool openLog(QString *error);
    void closeLog();
    void handleMessage(const uchar *data, qsizetype length);

    QPointer<LabNetwork> m_network;
    QList<WireRule> m_rules;
    QList<bool> m_spent;
    quint16 m_serverPort = 0;
    QString m_nftText;
    QString m_refusal; // the probe's answer, once asked
    bool m_probed = false;
    QString m_whyNoHits;
    int m_log = -1;
    QSocketNotifier *m_notifier = nullptr;
    qint64 m_lostHits = 0;
};

} // namespace sockscope

Q_DECLARE_METATYPE(sockscope::WireRuleHit)

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/wire/wirefilter.h"

#include <QGroupBox>
#include <QList>
#include <QStringList>

class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QToolButton;

namespace sockscope {

class LiveSession;

// The lab's wire, for showing a class what a lost segment does: rules that drop or refuse
// chosen segments on the lab's private loopback (LiveSession::setWireRules()), built from three
// choices or typed in the rules' grammar (WireRule), listed as they are numbered on the wire
// with what each has taken so far, and a fixed delay on the same wire where the kernel has
// netem. Folded to one line until opened, so that the lab's calls above stay in reach.
//
// On this machine's network, or where nft refuses, the group offers nothing and says why.
class WireGroup : public QGroupBox
{
    Q_OBJECT

public:
    // One rule as the list shows it.
    struct Entry
    {
        int number = 0; // on the wire, from 1
        WireRule rule;
        bool scenario = false; // the scenario's own, numbered after the user's
        bool spent = false;    // a "drop next" that has acted and is off the wire
        int taken = 0;         // segments it has taken since it was put on the wire

        friend bool operator==(const Entry &a, const Entry &b)
        {
            return a.number == b.number && a.rule == b.rule && a.scenario == b.scenario && a.spent == b.spent
                && a.taken == b.taken;
        }
    };

    explicit WireGroup(LiveSession *live, QWidget *parent = nullptr);

    bool isOpen() const;
    void setOpen(bool open);

    // The rule the three choices make; parse errors are the grammar's (WireRule::parse()).
    WireRule chosenRule() const;
    const QList<Entry> &entries() const { return m_entries; }

    // The rules on the live session's wire now, numbered, nothing taken yet.
    static QList<Entry> entriesOf(const LiveSession &live);
    // What changed from `before` to `after`, a sentence each, for the event log: "rule 2 added:
    // drop next fin from server (drop the next FIN from the server)", "rule 1 removed: drop
    // synack", "rule 1 spent: drop next syn acted once and is off the wire".
    static QStringList changes(const QList<Entry> &before, const QList<Entry> &after);

public Q_SLOTS:
    void addChosenRule();
    void addTypedRules();
    void removeSelectedRule();
    void clearRules();
    void applyDelay();

protected:
    void changeEvent(QEvent *event) override;

private:
    void refreshAvailability();
    void refreshRules();
    void refreshList();
    void refreshSummary();
    void refreshButtons();
    void countHit(const WireRuleHit &hit);
    bool addRules(const QList<WireRule> &rules);
    void showRuleProblem(const QString &problem);
    void recolour();

    LiveSession *m_live;
    QList<Entry> m_entries;
    QString m_whyNoWire; // as last asked

    QToolButton *m_toggle = nullptr;
    QLabel *m_summary = nullptr;
    QLabel *m_why = nullptr;
    QWidget *m_body = nullptr;
    QComboBox *m_action = nullptr;
    QSpinBox *m_percent = nullptr;
    QComboBox *m_kind = nullptr;
    QComboBox *m_direction = nullptr;
    QPushButton *m_add = nullptr;
    QLineEdit *m_text = nullptr;
    QLabel *m_ruleProblem = nullptr;
    QListWidget *m_list = nullptr;
    QPushButton *m_remove = nullptr;
    QPushButton *m_clear = nullptr;
    QSpinBox *m_delay = nullptr;
    QPushButton *m_applyDelay = nullptr;
    QLabel *m_delayWhy = nullptr;
};

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#include "wiregroup.h"

#include "core/live/livesession.h"
#include "ui/text/plaintext.h"
#include "ui/theme/theme.h"

#include <QComboBox>
#include <QEvent>
#include <QGridLayout>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QListWidget>
#include <QPushButton>
#include <QSpinBox>
#include <QToolButton>
#include <QVBoxLayout>

namespace sockscope {

namespace {

using Action = WireRule::Action;
using Kind = WireRule::Kind;
using Direction = WireRule::Direction;

// The grammar's messages are written for `--wire`; here they stand beside the field.
QString withoutOption(QString message)
{
    const QLatin1String option("--wire: ");
    if (message.startsWith(option))
        message.remove(0, option.size());
    return message;
}

QString grammarHelp()
{
    return QObject::tr("A rule: an action, a kind of segment, and a direction if you want one.\n"
                       "  action:     drop | drop next | drop N% | reject\n"
                       "  kind:       syn | synack | ack | handshake-ack | fin | fin-ack | data | rst | any\n"
                       "  direction:  from client | from server\n"
                       "Several rules: separate them with ';'. For example:\n"
                       "  drop synack\n"
                       "  drop next fin from server\n"
                       "  drop 25% data from client\n"
                       "  reject syn\n"
                       "Press Enter to put them on the wire.");
}

} // namespace

WireGroup::WireGroup(LiveSession *live, QWidget *parent) : QGroupBox(tr("Wire"), parent), m_live(live)
{
    setObjectName(QStringLiteral("wireGroup"));
    auto *layout = new QVBoxLayout(this);

    // One line while folded: what is on the wire.
    auto *header = new QHBoxLayout;
    m_toggle = new QToolButton(this);
    m_toggle->setObjectName(QStringLiteral("wireToggle"));
    m_toggle->setText(tr("Rules and delay"));
    m_toggle->setCheckable(true);
    m_toggle->setAutoRaise(true);
    m_toggle->setToolButtonStyle(Qt::ToolButtonTextBesideIcon);
    m_toggle->setArrowType(Qt::RightArrow);
    m_toggle->setToolTip(tr("Lose or refuse chosen segments on the lab's private network, to see what TCP does then"));
    m_summary = new QLabel(this);
    m_summary->setObjectName(QStringLiteral("wireSummary"));
    m_summary->setTextFormat(Qt::PlainText);
    m_summary->setWordWrap(true);
    header->addWidget(m_toggle);
    header->addWidget(m_summary, 1);
    layout->addLayout(header);
    m_why = new QLabel(this);
    m_why->setObjectName(QStringLiteral("wireWhy"));
    m_why->setTextFormat(Qt::PlainText);
    m_why->setWordWrap(true);
    m_why->hide();
    layout->addWidget(m_why);

    m_body = new QWidget(this);
    m_body->setObjectName(QStringLiteral("wireBody"));
    auto *body = new QVBoxLayout(m_body);
    body->setContentsMargins(0, 0, 0, 0);

    // A rule from three choices.
    m_action = new QComboBox(m_body);
    m_action->setObjectName(QStringLiteral("wireActionBox"));
    m_action->addItem(tr("drop every"), int(Action::Drop));
    m_action->addItem(tr("drop the next"), int(Action::DropNext));
    m_action->addItem(tr("drop at random"), int(Action::DropPercent));
    m_action->addItem(tr("reject with RST"), int(Action::Reject));
    m_action->setItemData(0, tr("Every matching segment is lost on the way"), Qt::ToolTipRole);
    m_action->setItemData(1, tr("Only the next matching segment is lost; then the rule is spent"), Qt::ToolTipRole);
    m_action->setItemData(2, tr("Each matching segment is lost with the chance beside it"), Qt::ToolTipRole);
    m_action->setItemData(3, tr("Each matching segment is answered with a reset in its receiver's name instead of delivered"),
                          Qt::ToolTipRole);
    m_percent = new QSpinBox(m_body);
    m_percent->setObjectName(QStringLiteral("wirePercentBox"));
    m_percent->setRange(1, 99);
    m_percent->setValue(25);
    m_percent->setSuffix(tr(" %"));
    m_percent->setToolTip(tr("The chance that each matching segment is dropped"));
    m_kind = new QComboBox(m_body);
    m_kind->setObjectName(QStringLiteral("wireKindBox"));
    const struct
    {
        Kind kind;
        QString text;
        QString tip;
    } kinds[] = {
        {Kind::Syn, tr("SYN"), tr("A SYN without ACK: a client opening a connection")},
        {Kind::SynAck, tr("SYN,ACK"), tr("The server's answer to a SYN")},
        {Kind::HandshakeAck, tr("final ACK of the handshake"), tr("The client's ACK of the server's SYN,ACK")},
        {Kind::Fin, tr("FIN"), tr("Any segment with FIN: an end closing its side")},
        {Kind::FinAck, tr("ACK of a FIN"), tr("The first ACK the other side sends after a FIN has arrived")},
        {Kind::Data, tr("data"), tr("A segment that carries payload")},
        {Kind::Rst, tr("RST"), tr("Any reset")},
        {Kind::Ack, tr("any ACK without data"), tr("A pure ACK: ACK set, no SYN, FIN or RST, and no data")},
        {Kind::Any, tr("any segment"), tr("Every TCP segment")},
    };
    for (const auto &k : kinds) {
        m_kind->addItem(k.text, int(k.kind));
        m_kind->setItemData(m_kind->count() - 1, k.tip, Qt::ToolTipRole);
    }
    m_kind->setCurrentIndex(m_kind->findData(int(Kind::SynAck)));
    m_direction = new QComboBox(m_body);
    m_direction->setObjectName(QStringLiteral("wireDirectionBox"));
    m_direction->addItem(tr("either way"), int(Direction::Both));
    m_direction->addItem(tr("client → server"), int(Direction::FromClient));
    m_direction->addItem(tr("server → client"), int(Direction::FromServer));
    m_direction->setToolTip(tr("The server is the end on the listener's port, the client the other"));
    auto *form = new QGridLayout;
    form->addWidget(new QLabel(tr("Action"), m_body), 0, 0);
    form->addWidget(m_action, 0, 1);
    form->addWidget(m_percent, 0, 2);
    form->addWidget(new QLabel(tr("Segment"), m_body), 1, 0);
    form->addWidget(m_kind, 1, 1, 1, 2);
    form->addWidget(new QLabel(tr("Direction"), m_body), 2, 0);
    form->addWidget(m_direction, 2, 1, 1, 2);
    form->setColumnStretch(1, 1);
    body->addLayout(form);
    m_add = new QPushButton(tr("Add rule"), m_body);
    m_add->setObjectName(QStringLiteral("wireAddButton"));
    auto *addRow = new QHBoxLayout;
    addRow->addStretch(1);
    addRow->addWidget(m_add);
    body->addLayout(addRow);

    // Or typed in the grammar.
    m_text = new QLineEdit(m_body);
    m_text->setObjectName(QStringLiteral("wireRuleText"));
    m_text->setPlaceholderText(tr("or type: drop next fin from server; reject syn"));
    m_text->setToolTip(grammarHelp());
    m_text->setClearButtonEnabled(true);
    body->addWidget(m_text);
    m_ruleProblem = new QLabel(m_body);
    m_ruleProblem->setObjectName(QStringLiteral("wireRuleProblem"));
    m_ruleProblem->setTextFormat(Qt::PlainText);
    m_ruleProblem->setWordWrap(true);
    m_ruleProblem->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_ruleProblem->hide();
    body->addWidget(m_ruleProblem);

    // What is on the wire.
    m_list = new QListWidget(m_body);
    m_list->setObjectName(QStringLiteral("wireRuleList"));
    m_list->setWordWrap(true);
    // Room for three rules; more scroll. The lab's sockets above take what height there is.
    m_list->setMinimumHeight(fontMetrics().height() * 4 + 2 * m_list->frameWidth());
    m_list->setMaximumHeight(fontMetrics().height() * 7 + 2 * m_list->frameWidth());
    body->addWidget(m_list);
    m_remove = new QPushButton(tr("Remove"), m_body);
    m_remove->setObjectName(QStringLiteral("wireRemoveButton"));
    m_remove->setToolTip(tr("Take the selected rule off the wire"));
    m_clear = new QPushButton(tr("Clear"), m_body);
    m_clear->setObjectName(QStringLiteral("wireClearButton"));
    m_clear->setToolTip(tr("Take all your rules off the wire (a scenario's own rules stay until it ends)"));
    auto *listButtons = new QHBoxLayout;
    listButtons->addStretch(1);
    listButtons->addWidget(m_remove);
    listButtons->addWidget(m_clear);
    body->addLayout(listButtons);

    // A fixed delay, where the kernel has netem.
    m_delay = new QSpinBox(m_body);
    m_delay->setObjectName(QStringLiteral("wireDelayBox"));
    m_delay->setRange(0, WireDelay::maxDelayMs);
    m_delay->setSingleStep(10);
    m_delay->setSuffix(tr(" ms"));
    m_delay->setSpecialValueText(tr("none"));
    m_applyDelay = new QPushButton(tr("Set delay"), m_body);
    m_applyDelay->setObjectName(QStringLiteral("wireDelayButton"));
    auto *delayRow = new QHBoxLayout;
    delayRow->addWidget(new QLabel(tr("Delay"), m_body));
    delayRow->addWidget(m_delay, 1);
    delayRow->addWidget(m_applyDelay);
    body->addLayout(delayRow);
    m_delayWhy = new QLabel(m_body);
    m_delayWhy->setObjectName(QStringLiteral("wireDelayWhy"));
    m_delayWhy->setTextFormat(Qt::PlainText);
    m_delayWhy->setWordWrap(true);
    m_delayWhy->hide();
    body->addWidget(m_delayWhy);

    m_body->hide();
    layout->addWidget(m_body);

    connect(m_toggle, &QToolButton::toggled, this, &WireGroup::setOpen);
    connect(m_action, &QComboBox::currentIndexChanged, this, &WireGroup::refreshButtons);
    connect(m_kind, &QComboBox::currentIndexChanged, this, &WireGroup::refreshButtons);
    connect(m_direction, &QComboBox::currentIndexChanged, this, &WireGroup::refreshButtons);
    connect(m_percent, &QSpinBox::valueChanged, this, &WireGroup::refreshButtons);
    connect(m_add, &QPushButton::clicked, this, &WireGroup::addChosenRule);
    connect(m_text, &QLineEdit::returnPressed, this, &WireGroup::addTypedRules);
    connect(m_text, &QLineEdit::textEdited, m_ruleProblem, &QLabel::hide);
    connect(m_list, &QListWidget::currentRowChanged, this, &WireGroup::refreshButtons);
    connect(m_remove, &QPushButton::clicked, this, &WireGroup::removeSelectedRule);
    connect(m_clear, &QPushButton::clicked, this, &WireGroup::clearRules);
    connect(m_applyDelay, &QPushButton::clicked, this, &WireGroup::applyDelay);
    connect(m_live, &LiveSession::networkChanged, this, &WireGroup::refreshAvailability);
    connect(m_live, &LiveSession::wireRulesChanged, this, &WireGroup::refreshRules);
    connect(m_live, &LiveSession::wireRuleActed, this, &WireGroup::countHit);
    recolour();
    refreshAvailability();
}

void WireGroup::recolour()
{
    // A problem in the failure colour, a reason in the muted one: chosen for the palette in use.
    const Theme theme(palette());
    for (const auto &[label, color] : {std::pair{m_ruleProblem, theme.failure()}, std::pair{m_delayWhy, theme.muted()}}) {
        QPalette p = label->palette();
        p.setColor(QPalette::WindowText, color);
        label->setPalette(p);
    }
}

bool WireGroup::isOpen() const
{
    return m_toggle->isChecked();
}

void WireGroup::setOpen(bool open)
{
    const QSignalBlocker blocker(m_toggle);
    m_toggle->setChecked(open);
    m_toggle->setArrowType(open ? Qt::DownArrow : Qt::RightArrow);
    m_body->setVisible(open);
}

WireRule WireGroup::chosenRule() const
{
    WireRule rule;
    rule.action = Action(m_action->currentData().toInt());
    rule.percent = rule.action == Action::DropPercent ? m_percent->value() : 100;
    rule.kind = Kind(m_kind->currentData().toInt());
    rule.direction = Direction(m_direction->currentData().toInt());
    return rule;
}

QList<WireGroup::Entry> WireGroup::entriesOf(const LiveSession &live)
{
    const QList<WireRule> rules = live.activeWireRules();
    const qsizetype mine = live.wireRules().size();
    const WireFilter *wire = live.wire();
    QList<Entry> out;
    for (qsizetype i = 0; i < rules.size(); ++i) {
        Entry e;
        e.number = int(i) + 1;
        e.rule = rules[i];
        e.scenario = i >= mine;
        e.spent = wire && wire->isSpent(e.number);
        out.append(e);
    }
    return out;
}

QStringList WireGroup::changes(const QList<Entry> &before, const QList<Entry> &after)
{
    // The same rule of the same owner is the same rule, whatever its number now.
    QList<int> matched(after.size(), -1); // after -> before
    QList<bool> kept(before.size(), false);
    for (qsizetype a = 0; a < after.size(); ++a) {
        for (qsizetype b = 0; b < before.size(); ++b) {
            if (!kept[b] && before[b].rule == after[a].rule && before[b].scenario == after[a].scenario) {
                kept[b] = true;
                matched[a] = int(b);
                break;
            }
        }
    }
    const auto name = [](const Entry &e) {
        return e.scenario ? tr("the scenario's rule %1").arg(e.number) : tr("rule %1").arg(e.number);
    };
    QStringList out;
    for (qsizetype b = 0; b < before.size(); ++b) {
        if (!kept[b])
            out << tr("%1 removed: %2").arg(name(before[b]), before[b].rule.text());
    }
    for (qsizetype a = 0; a < after.size(); ++a) {
        const Entry &e = after[a];
        if (matched[a] < 0)
            out << tr("%1 added: %2 (%3)").arg(name(e), e.rule.text(), e.rule.describe());
        else if (e.spent && !before[matched[a]].spent)
            out << tr("%1 spent: %2 acted once and is off the wire").arg(name(e), e.rule.text());
    }
    return out;
}

void WireGroup::addChosenRule()
{
    // Through the grammar, so that a choice it refuses is refused in its words.
    QString error;
    const QList<WireRule> rules = WireRule::parse(chosenRule().text(), &error);
    if (rules.isEmpty()) {
        showRuleProblem(error);
        return;
    }
    addRules(rules);
}

void WireGroup::addTypedRules()
{
    QString error;
    const QList<WireRule> rules = WireRule::parse(m_text->text(), &error);
    if (rules.isEmpty()) {
        showRuleProblem(error); // what was typed stays, to be corrected
        return;
    }
    if (addRules(rules))
        m_text->clear();
}

bool WireGroup::addRules(const QList<WireRule> &rules)
{
    QString why;
    if (!m_live->setWireRules(m_live->wireRules() + rules, &why)) {
        showRuleProblem(why);
        return false;
    }
    m_ruleProblem->hide();
    return true;
}

void WireGroup::removeSelectedRule()
{
    const QListWidgetItem *item = m_list->currentItem();
    const int number = item ? item->data(Qt::UserRole).toInt() : 0;
    QList<WireRule> rules = m_live->wireRules();
    if (number < 1 || number > rules.size())
        return; // nothing, or the scenario's
    rules.removeAt(number - 1);
    QString why;
    if (!m_live->setWireRules(rules, &why))
        showRuleProblem(why);
}

void WireGroup::clearRules()
{
    QString why;
    if (!m_live->setWireRules({}, &why))
        showRuleProblem(why);
}

void WireGroup::applyDelay()
{
    WireDelay *delay = m_live->wireDelay();
    if (!delay)
        return;
    QString error;
    if (!delay->setDelay(m_delay->value(), &error)) {
        m_delayWhy->setText(error);
        m_delayWhy->show();
    }
    refreshSummary();
}

void WireGroup::showRuleProblem(const QString &problem)
{
    m_ruleProblem->setText(withoutOption(problem));
    m_ruleProblem->show();
}

void WireGroup::countHit(const WireRuleHit &hit)
{
    if (hit.rule < 1 || hit.rule > m_entries.size())
        return;
    ++m_entries[hit.rule - 1].taken;
    refreshList();
    refreshSummary();
}

void WireGroup::refreshAvailability()
{
    const QString why = m_live->whyNoWire();
    m_whyNoWire = why;
    // Nothing here acts anywhere but on the lab's own wire: say so, offer nothing.
    setEnabled(why.isEmpty());
    m_why->setText(why.isEmpty() ? QString() : tr("No wire rules here: %1.").arg(why));
    m_why->setVisible(!why.isEmpty());
    setToolTip(why.isEmpty() ? QString() : PlainText::toolTip(m_why->text()));

    WireDelay *delay = m_live->wireDelay();
    const QString delayWhy = !why.isEmpty() ? QString() : delay ? delay->whyUnavailable()
                                                                : tr("the delay acts on the lab's private network only");
    for (QWidget *w : {static_cast<QWidget *>(m_delay), static_cast<QWidget *>(m_applyDelay)}) {
        w->setEnabled(delayWhy.isEmpty());
        w->setToolTip(delayWhy.isEmpty() ? tr("Every segment waits this long on the lab's loopback (netem): a round trip "
                                              "takes twice as long")
                                         : PlainText::toolTip(tr("No delay here: %1").arg(delayWhy)));
    }
    m_delayWhy->setText(delayWhy.isEmpty() ? QString() : tr("No delay here: %1").arg(delayWhy));
    m_delayWhy->setVisible(!delayWhy.isEmpty());
    if (delay) {
        m_delay->setValue(delay->delayMs());
        connect(delay, &WireDelay::delayChanged, this, &WireGroup::refreshSummary, Qt::UniqueConnection);
    }
    refreshRules();
}

void WireGroup::refreshRules()
{
    QList<Entry> now = entriesOf(*m_live);
    // What each rule took so far stays with it as the others come and go.
    QList<bool> used(m_entries.size(), false);
    for (Entry &e : now) {
        for (qsizetype i = 0; i < m_entries.size(); ++i) {
            if (!used[i] && m_entries[i].rule == e.rule && m_entries[i].scenario == e.scenario) {
                used[i] = true;
                e.taken = m_entries[i].taken;
                break;
            }
        }
    }
    m_entries = now;
    refreshList();
    refreshSummary();
}

void WireGroup::refreshList()
{
    const int current = m_list->currentItem() ? m_list->currentItem()->data(Qt::UserRole).toInt() : 0;
    const QSignalBlocker blocker(m_list);
    m_list->clear();
    const Theme theme(palette());
    for (const Entry &e : std::as_const(m_entries)) {
        QStringList facts;
        if (e.scenario)
            facts << tr("the scenario's");
        facts << (e.taken == 1 ? tr("took 1 segment") : tr("took %1 segments").arg(e.taken));
        if (e.spent)
            facts << tr("spent");
        auto *item = new QListWidgetItem(QStringLiteral("%1. %2   (%3)\n     %4")
                                             .arg(e.number)
                                             .arg(e.rule.text(), facts.join(QStringLiteral(", ")), e.rule.describe()),
                                         m_list);
        item->setData(Qt::UserRole, e.number);
        item->setToolTip(e.scenario ? tr("Put on the wire by the scenario, after your rules; it goes when the scenario ends")
                                    : tr("Yours: Remove takes it off the wire"));
        if (e.spent)
            item->setForeground(theme.muted());
        if (e.number == current)
            m_list->setCurrentItem(item);
    }
    if (m_entries.isEmpty()) {
        auto *item = new QListWidgetItem(tr("No rules: every segment gets through."), m_list);
        item->setFlags(Qt::NoItemFlags);
    }
    if (const WireFilter *wire = m_live->wire(); wire && !wire->nftText().isEmpty() && !m_entries.isEmpty())
        m_list->setToolTip(PlainText::toolTip(tr("On the wire, as nft has it:\n") + wire->nftText()));
    else
        m_list->setToolTip(QString());
    refreshButtons();
}

void WireGroup::refreshSummary()
{
    QStringList parts;
    int taken = 0;
    for (const Entry &e : std::as_const(m_entries))
        taken += e.taken;
    if (m_entries.isEmpty())
        parts << tr("no rules");
    else
        parts << (m_entries.size() == 1 ? tr("1 rule") : tr("%1 rules").arg(m_entries.size()))
              << (taken == 1 ? tr("1 segment taken") : tr("%1 segments taken").arg(taken));
    if (const WireDelay *delay = m_live->wireDelay(); delay && delay->delayMs() > 0)
        parts << tr("delay %1 ms").arg(delay->delayMs());
    m_summary->setText(m_whyNoWire.isEmpty() ? parts.join(QStringLiteral(", ")) : QString());
}

void WireGroup::refreshButtons()
{
    m_percent->setEnabled(Action(m_action->currentData().toInt()) == Action::DropPercent);
    const QString text = chosenRule().text();
    m_add->setToolTip(tr("Put '%1' on the wire").arg(text));
    const QListWidgetItem *item = m_list->currentItem();
    const int number = item ? item->data(Qt::UserRole).toInt() : 0;
    const qsizetype mine = m_live->wireRules().size();
    m_remove->setEnabled(number >= 1 && number <= mine);
    m_clear->setEnabled(mine > 0);
}

void WireGroup::changeEvent(QEvent *event)
{
    QGroupBox::changeEvent(event);
    if (event->type() == QEvent::PaletteChange) {
        recolour();
        refreshList();
    }
}

} // namespace sockscope

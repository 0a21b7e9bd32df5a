// SPDX-License-Identifier: GPL-3.0-or-later
#include "replaycontroller.h"


#include "core/session/eventwording.h"
#include "core/session/session.h"
#include "ui/log/eventlogmodel.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QSlider>
#include <QStyle>
#include <QTimer>
#include <QToolBar>

#include <algorithm>
#include <cerrno>
#include <limits>

namespace sockscope {

ReplayController::ReplayController(std::shared_ptr<const Replay> replay, Session *session, EventLogModel *log,
                                   QWidget *window)
    : QObject(window), m_replay(std::move(replay)), m_session(session), m_log(log)
{
    buildBar(window);
    m_playTimer = new QTimer(this);
    m_playTimer->setInterval(40);
    connect(m_playTimer, &QTimer::timeout, this, &ReplayController::advance);
}

void ReplayController::buildBar(QWidget *window)
{
    m_bar = new QToolBar(tr("Replay"), window);
    m_bar->setObjectName(QStringLiteral("replayToolBar"));
    m_playAction = m_bar->addAction(m_bar->style()->standardIcon(QStyle::SP_MediaPlay), tr("Play"));
    m_playAction->setObjectName(QStringLiteral("replayPlayAction"));
    m_playAction->setCheckable(true);
    m_playAction->setShortcut(Qt::Key_Space);
    m_playAction->setToolTip(tr("Play or pause the recording (Space)"));
    connect(m_playAction, &QAction::toggled, this, &ReplayController::setPlaying);
    QAction *next = m_bar->addAction(m_bar->style()->standardIcon(QStyle::SP_MediaSeekForward), tr("Next change"));
    next->setObjectName(QStringLiteral("replayNextAction"));
    next->setShortcut(QKeySequence(Qt::CTRL | Qt::Key_Right));
    next->setToolTip(tr("Jump to the next moment the table changed (Ctrl+Right)"));
    connect(next, &QAction::triggered, this, &ReplayController::stepToNextChange);

    m_scrubber = new QSlider(Qt::Horizontal, m_bar);
    m_scrubber->setObjectName(QStringLiteral("replayScrubber"));
    m_scrubber->setRange(0, int(qMin<qint64>(m_replay->endNs() / 1000000, std::numeric_limits<int>::max())));
    m_scrubber->setMinimumWidth(360);
    m_bar->addWidget(m_scrubber);
    connect(m_scrubber, &QSlider::valueChanged, this, [this](int ms) {
        if (qint64(ms) != m_ns / 1000000)
            seek(qint64(ms) * 1000000);
    });
    m_time = new QLabel(m_bar);
    m_time->setObjectName(QStringLiteral("replayTime"));
    m_time->setTextFormat(Qt::PlainText);
    m_time->setMinimumWidth(m_time->fontMetrics().horizontalAdvance(QStringLiteral("  0000.000 s of 0000.000 s  ")));
    m_bar->addWidget(m_time);
    m_speed = new QComboBox(m_bar);
    m_speed->setObjectName(QStringLiteral("replaySpeed"));
    for (double factor : speeds())
        m_speed->addItem(QStringLiteral("%1×").arg(factor), factor);
    m_bar->addWidget(m_speed);
    setSpeed(1.0);
}

QList<double> ReplayController::speeds()
{
    return {0.25, 0.5, 1.0, 2.0, 5.0, 10.0};
}

double ReplayController::speed() const
{
    return m_speed->currentData().toDouble();
}

void ReplayController::setSpeed(double factor)
{
    const int index = m_speed->findData(factor);
    if (index >= 0)
        m_speed->setCurrentIndex(index);
}

bool ReplayController::isPlaying() const
{
    return m_playTimer->isActive();
}

void ReplayController::advance()
{
    const qint64 step = qint64(m_playTimer->interval() * 1000000.0 * speed());
    const qint64 next = qMin(m_ns + step, m_replay->endNs());
    seek(next);
    if (next >= m_replay->endNs())
        setPlaying(false);
}

void ReplayController::setPlaying(bool playing)
{
    const bool was = isPlaying();
    if (playing && m_ns >= m_replay->endNs())
        seek(0); // from the start again
    if (playing)
        m_playTimer->start();
    else
        m_playTimer->stop();
    const QSignalBlocker blocker(m_playAction);
    m_playAction->setChecked(playing);
    m_playAction->setText(playing ? tr("Pause") : tr("Play"));
    m_playAction->setIcon(m_bar->style()->standardIcon(playing ? QStyle::SP_MediaPause : QStyle::SP_MediaPlay));
    if (playing != was)
        Q_EMIT playingChanged(playing);
}

void ReplayController::showStart()
{
    // Play goes on from there.
    seek(m_replay->frames().isEmpty() ? 0 : m_replay->frames().first());
}

void ReplayController::stepToNextChange()
{
    if (const qint64 next = m_replay->nextFrame(m_ns); next >= 0)
        seek(next);
}

void ReplayController::seek(qint64 ns)
{
    ns = qBound<qint64>(0, ns, m_replay->endNs());
    // Only what changed between the two moments is applied, in either direction.
    const Replay::Step step = m_replay->step(m_ns, ns);
    m_ns = ns;
    if (step.toNs < step.fromNs) {
        m_log->removeAfter(ns);
        m_session->apply(step); // rewound() brings the table's rows back to that moment
    } else {
        m_session->apply(step);
        logStep(step);
    }
    showPosition();
    Q_EMIT moved(ns);
}

void ReplayController::logStep(const Replay::Step &step)
{
    // The recorded calls and the step's transitions, merged in time order; of a long jump only
    // what the log keeps is worded.
    const SessionDocument &d = m_replay->document();
    QList<EventLogModel::Entry> entries;
    qsizetype call = step.calls.size() - 1;
    qsizetype event = step.delta.events.size() - 1;
    while ((call >= 0 || event >= 0) && entries.size() < m_log->limit()) {
        const bool takeCall = event < 0 || (call >= 0 && d.calls[step.calls[call]].steadyNs > step.eventNs[event]);
        if (takeCall) {
            const LabCall &c = d.calls[step.calls[call--]];
            entries.append({c.wallTimeMs, EventLogModel::Kind::Call, c.socketLabel, EventWording::call(c),
                            c.failed() && c.error != EINPROGRESS && c.error != EAGAIN, c.steadyNs, c.steadyNs});
            continue;
        }
        const qint64 at = step.eventNs[event];
        const ConnectionEvent &e = step.delta.events[event--];
        const QString label = m_session->labelOf(e.id);
        if (label.isEmpty() && !m_logOthers)
            continue;
        entries.append({e.wallTimeMs, EventLogModel::Kind::Transition, label.isEmpty() ? e.key.local.toString() : label,
                        EventWording::transition(*m_session, e), false, at, -1, e.id, e.to ? int(*e.to) : -1});
    }
    std::reverse(entries.begin(), entries.end());
    // The recorded wire in (from, to], in among them by time.
    if (step.toNs > step.fromNs && !d.wire.isEmpty()) {
        auto w = std::upper_bound(d.wire.cbegin(), d.wire.cend(), step.fromNs,
                                  [](qint64 ns, const WireSegment &s) { return ns < s.steadyNs; });
        QList<EventLogModel::Entry> wire;
        for (; w != d.wire.cend() && w->steadyNs <= step.toNs; ++w) {
            wire.append({w->segment.timestampNs / 1000000, EventLogModel::Kind::Wire,
                         QStringLiteral("%1 → %2").arg(w->sender, w->receiver), w->line(),
                         w->wasStopped(), w->steadyNs, w->steadyNs});
        }
        if (!wire.isEmpty()) {
            entries.append(wire);
            std::stable_sort(entries.begin(), entries.end(),
                             [](const EventLogModel::Entry &a, const EventLogModel::Entry &b) { return a.atNs < b.atNs; });
            if (entries.size() > m_log->limit())
                entries.remove(0, entries.size() - m_log->limit());
        }
    }
    m_log->append(entries);
}

QString ReplayController::positionText() const
{
    return tr("%1 s of %2 s")
        .arg(double(qMax<qint64>(0, m_ns)) / 1e9, 0, 'f', 3)
        .arg(double(m_replay->endNs()) / 1e9, 0, 'f', 3);
}

void ReplayController::showPosition()
{
    const QSignalBlocker blocker(m_scrubber);
    m_scrubber->setValue(int(qMin<qint64>(m_ns / 1000000, std::numeric_limits<int>::max())));
    m_time->setText(QStringLiteral("  ") + positionText() + QStringLiteral("  "));
}

} // namespace sockscope

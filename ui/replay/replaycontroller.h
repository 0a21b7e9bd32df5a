// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/session/replay.h"

#include <QObject>

#include <memory>

class QAction;
class QComboBox;
class QLabel;
class QSlider;
class QTimer;
class QToolBar;
class QWidget;

namespace sockscope {

class EventLogModel;
class Session;

// Plays a saved session back: which moment of the recording is shown, and the bar that moves
// it — Play/Pause (Space), Next change (Ctrl+Right), a scrubber, the time shown and the speed.
// Each move applies only what changed between the two moments to the session (forward or
// back), logs what happened in between, and then says moved(): the window refreshes what
// depends on the moment (selection, diagram, timeline, status) from there.
class ReplayController : public QObject
{
    Q_OBJECT

public:
    // `session` must already replay `replay` (Session::setRecording()). The bar is a child of
    // `window`, which adds it where it likes (QMainWindow::addToolBar()).
    ReplayController(std::shared_ptr<const Replay> replay, Session *session, EventLogModel *log, QWidget *window);

    const Replay &replay() const { return *m_replay; }
    QToolBar *toolBar() const { return m_bar; }

    qint64 position() const { return m_ns; } // document clock, ns; -1 before the first seek
    bool isPlaying() const;
    double speed() const;                    // the document's seconds per second of playing
    static QList<double> speeds();           // what the speed box offers
    void setSpeed(double factor);            // one of speeds()
    QString positionText() const;            // what the bar shows: "0.120 s of 0.538 s"

    // Whether the log words transitions of connections that are not the lab's: only while the
    // user watches particular ports, as live; never the whole machine's churn.
    void setLogOtherConnections(bool log) { m_logOthers = log; }

public Q_SLOTS:
    void seek(qint64 ns);          // show the table as it was at `ns` (clamped to the recording)
    void showStart();              // the first moment something was seen (0 when nothing was)
    void stepToNextChange();       // the next moment the table changed, if any
    void setPlaying(bool playing); // from the start again when at the end

Q_SIGNALS:
    void moved(qint64 ns);
    void playingChanged(bool playing);

private:
    void buildBar(QWidget *window);
    void advance();
    void logStep(const Replay::Step &step);
    void showPosition();

    std::shared_ptr<const Replay> m_replay;
    Session *m_session;
    EventLogModel *m_log;
    qint64 m_ns = -1;
    bool m_logOthers = false;

    QToolBar *m_bar = nullptr;
    QAction *m_playAction = nullptr;
    QSlider *m_scrubber = nullptr;
    QLabel *m_time = nullptr;
    QComboBox *m_speed = nullptr;
    QTimer *m_playTimer = nullptr;
};

} // namespace sockscope

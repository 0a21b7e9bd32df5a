// SPDX-License-Identifier: GPL-3.0-or-later
// The replay transport on its own, without the window: a recorded handshake moved through
// by seeking, stepping, playing, the scrubber and the keyboard.
#include "core/session/session.h"
#include "core/session/sessionfile.h"
#include "ui/log/eventlogmodel.h"
#include "ui/replay/replaycontroller.h"

#include <QAction>
#include <QComboBox>
#include <QLabel>
#include <QMainWindow>
#include <QSignalSpy>
#include <QSlider>
#include <QTest>
#include <QToolBar>

#include <memory>

using namespace sockscope;

namespace {

std::shared_ptr<const Replay> loadReplay(const QString &name)
{
    const SessionFile::Loaded loaded = SessionFile::load(QStringLiteral(SOCKSCOPE_TEST_DATA "/sessions/") + name);
    if (!loaded.document) {
        qWarning("%s", qPrintable(loaded.error));
        return nullptr;
    }
    return std::make_shared<const Replay>(*loaded.document);
}

// A replay as the window sets one up: a session that plays the recording, a log, the bar in a
// main window.
struct Fixture
{
    std::shared_ptr<const Replay> replay = loadReplay(QStringLiteral("handshake.json"));
    Session session{nullptr};
    EventLogModel log;
    QMainWindow window; // owns the controller: gone before the session and the log
    ReplayController *controller = nullptr;

    Fixture()
    {
        if (!replay)
            return;
        session.setRecording(replay);
        controller = new ReplayController(replay, &session, &log, &window);
        window.addToolBar(controller->toolBar());
    }

    template <typename T>
    T *child(const char *name) const
    {
        return window.findChild<T *>(QLatin1String(name));
    }
    QAction *playAction() const { return child<QAction>("replayPlayAction"); }
    QSlider *scrubber() const { return child<QSlider>("replayScrubber"); }
    QLabel *time() const { return child<QLabel>("replayTime"); }
    QComboBox *speedBox() const { return child<QComboBox>("replaySpeed"); }

    // The connections the session holds at the moment shown.
    int liveRows() const { return int(session.connections().liveIds().size()); }
    int recordedRows(qint64 ns) const { return int(replay->snapshotAt(ns).records.size()); }
};

QString secondsOf(qint64 ns, qint64 endNs)
{
    return QStringLiteral("%1 s of %2 s").arg(double(ns) / 1e9, 0, 'f', 3).arg(double(endNs) / 1e9, 0, 'f', 3);
}

} // namespace

class TestReplayController : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void shouldOpenAtTheFirstChange();
    void shouldHoldWhatTheRecordingHeldAtEveryFrameForwardAndBack();
    void shouldLogTheRecordedCallsAndForgetThemWhenSteppingBack();
    void shouldKeepSeeksInsideTheRecording();
    void shouldStepFromChangeToChange();
    void shouldPlayAtTheChosenSpeedToTheEndAndStop();
    void shouldPlayFromTheStartAgainWhenAtTheEnd();
    void shouldSeekWhereTheScrubberIsDragged();
    void shouldAnswerTheKeyboard();
};

void TestReplayController::shouldOpenAtTheFirstChange()
{
    Fixture f;
    QVERIFY(f.controller);
    QVERIFY(!f.replay->frames().isEmpty());
    QCOMPARE(f.controller->position(), -1);
    QSignalSpy moved(f.controller, &ReplayController::moved);
    f.controller->showStart();
    const qint64 first = f.replay->frames().first();
    QCOMPARE(f.controller->position(), first);
    QCOMPARE(moved.size(), 1);
    QCOMPARE(moved.first().first().toLongLong(), first);
    QCOMPARE(f.liveRows(), f.recordedRows(first));
    QVERIFY(f.liveRows() > 0);
    // the bar: the whole recording on the scrubber, the moment in words, at 1×, paused
    QCOMPARE(f.scrubber()->maximum(), int(f.replay->endNs() / 1000000));
    QCOMPARE(f.scrubber()->value(), int(first / 1000000));
    QCOMPARE(f.controller->positionText(), secondsOf(first, f.replay->endNs()));
    QCOMPARE(f.time()->text().trimmed(), f.controller->positionText());
    QCOMPARE(f.time()->textFormat(), Qt::PlainText);
    QCOMPARE(f.controller->speed(), 1.0);
    QCOMPARE(f.speedBox()->count(), int(ReplayController::speeds().size()));
    QVERIFY(!f.controller->isPlaying());
    QVERIFY(!f.playAction()->isChecked());
    QCOMPARE(f.playAction()->text(), QStringLiteral("Play"));
}

void TestReplayController::shouldHoldWhatTheRecordingHeldAtEveryFrameForwardAndBack()
{
    Fixture f;
    QVERIFY(f.controller);
    const QList<qint64> frames = f.replay->frames();
    QVERIFY(frames.size() >= 3);
    QSignalSpy moved(f.controller, &ReplayController::moved);
    for (qint64 frame : frames) {
        f.controller->seek(frame);
        QCOMPARE(f.controller->position(), frame);
        QCOMPARE(moved.last().first().toLongLong(), frame);
        QCOMPARE(f.liveRows(), f.recordedRows(frame));
        QCOMPARE(f.scrubber()->value(), int(frame / 1000000));
        QCOMPARE(f.time()->text().trimmed(), secondsOf(frame, f.replay->endNs()));
    }
    // back, one frame at a time, then from the end straight to the first
    for (auto it = frames.crbegin(); it != frames.crend(); ++it) {
        f.controller->seek(*it);
        QCOMPARE(f.liveRows(), f.recordedRows(*it));
        QCOMPARE(f.scrubber()->value(), int(*it / 1000000));
    }
    f.controller->seek(f.replay->endNs());
    f.controller->seek(frames.first());
    QCOMPARE(f.liveRows(), f.recordedRows(frames.first()));
    // and between two frames the table is the earlier one's
    const qint64 between = (frames[1] + frames[2]) / 2;
    f.controller->seek(between);
    QCOMPARE(f.controller->position(), between);
    QCOMPARE(f.liveRows(), f.recordedRows(frames[1]));
    QCOMPARE(moved.size(), int(frames.size()) * 2 + 3);
}

void TestReplayController::shouldLogTheRecordedCallsAndForgetThemWhenSteppingBack()
{
    Fixture f;
    QVERIFY(f.controller);
    const SessionDocument &d = f.replay->document();
    QVERIFY(!d.calls.isEmpty());
    const auto calls = [&f] {
        int n = 0;
        for (const EventLogModel::Entry &e : f.log.entries())
            n += e.kind == EventLogModel::Kind::Call ? 1 : 0;
        return n;
    };
    f.controller->seek(f.replay->endNs());
    QCOMPARE(calls(), int(d.calls.size()));
    QVERIFY(f.log.entries().size() > d.calls.size()); // and the transitions of the lab's rows
    for (const EventLogModel::Entry &e : f.log.entries())
        QVERIFY2(e.kind == EventLogModel::Kind::Call || !e.who.isEmpty(), qPrintable(e.text));
    // in time order, each at its recorded moment
    for (qsizetype i = 1; i < f.log.entries().size(); ++i)
        QVERIFY(f.log.entries()[i - 1].atNs <= f.log.entries()[i].atNs);

    // Back to a moment: what happened after it leaves the log.
    const qint64 middle = f.log.entries()[f.log.entries().size() / 2].atNs;
    f.controller->seek(middle);
    QVERIFY(!f.log.entries().isEmpty());
    for (const EventLogModel::Entry &e : f.log.entries())
        QVERIFY(e.atNs <= middle);
    f.controller->seek(0);
    QVERIFY(f.log.entries().isEmpty() || f.log.entries().last().atNs <= 0);
}

void TestReplayController::shouldKeepSeeksInsideTheRecording()
{
    Fixture f;
    QVERIFY(f.controller);
    f.controller->seek(-5);
    QCOMPARE(f.controller->position(), 0);
    QCOMPARE(f.scrubber()->value(), 0);
    f.controller->seek(f.replay->endNs() + 1000000000);
    QCOMPARE(f.controller->position(), f.replay->endNs());
    QCOMPARE(f.scrubber()->value(), f.scrubber()->maximum());
    QCOMPARE(f.liveRows(), f.recordedRows(f.replay->endNs()));
}

void TestReplayController::shouldStepFromChangeToChange()
{
    Fixture f;
    QVERIFY(f.controller);
    f.controller->seek(0);
    QList<qint64> visited;
    for (int i = 0; i < f.replay->frames().size() + 2; ++i) {
        f.controller->stepToNextChange();
        if (visited.isEmpty() || visited.last() != f.controller->position())
            visited.append(f.controller->position());
    }
    // frames at 0 itself are where the replay already was
    QList<qint64> expected;
    for (qint64 frame : f.replay->frames()) {
        if (frame > 0)
            expected.append(frame);
    }
    QCOMPARE(visited, expected);
    QCOMPARE(f.liveRows(), f.recordedRows(expected.last()));
}

void TestReplayController::shouldPlayAtTheChosenSpeedToTheEndAndStop()
{
    Fixture f;
    QVERIFY(f.controller);
    f.controller->seek(0);
    f.controller->setSpeed(10.0);
    QCOMPARE(f.speedBox()->currentData().toDouble(), 10.0);
    QCOMPARE(f.controller->speed(), 10.0);
    f.controller->setSpeed(3.0); // not offered: stays
    QCOMPARE(f.controller->speed(), 10.0);

    QSignalSpy moved(f.controller, &ReplayController::moved);
    QSignalSpy playing(f.controller, &ReplayController::playingChanged);
    f.controller->setPlaying(true);
    QVERIFY(f.controller->isPlaying());
    QVERIFY(f.playAction()->isChecked());
    QCOMPARE(f.playAction()->text(), QStringLiteral("Pause"));
    QCOMPARE(playing.size(), 1);
    QCOMPARE(playing.first().first().toBool(), true);

    // Each tick of the 40 ms timer moves the recording's clock 40 ms × the speed.
    QVERIFY(moved.wait(2000));
    QCOMPARE(moved.first().first().toLongLong(), qMin<qint64>(400000000, f.replay->endNs()));

    QTRY_VERIFY_WITH_TIMEOUT(!f.controller->isPlaying(), 5000);
    QCOMPARE(f.controller->position(), f.replay->endNs());
    QCOMPARE(moved.last().first().toLongLong(), f.replay->endNs());
    QCOMPARE(f.liveRows(), f.recordedRows(f.replay->endNs()));
    QVERIFY(!f.playAction()->isChecked());
    QCOMPARE(f.playAction()->text(), QStringLiteral("Play"));
    QCOMPARE(playing.size(), 2);
    QCOMPARE(playing.last().first().toBool(), false);
    QCOMPARE(f.scrubber()->value(), f.scrubber()->maximum());
    QCOMPARE(f.time()->text().trimmed(), secondsOf(f.replay->endNs(), f.replay->endNs()));
    // positions only ever went forward while playing
    for (qsizetype i = 1; i < moved.size(); ++i)
        QVERIFY(moved[i - 1].first().toLongLong() <= moved[i].first().toLongLong());
}

void TestReplayController::shouldPlayFromTheStartAgainWhenAtTheEnd()
{
    Fixture f;
    QVERIFY(f.controller);
    f.controller->seek(f.replay->endNs());
    QSignalSpy moved(f.controller, &ReplayController::moved);
    f.playAction()->trigger(); // as a click does
    QVERIFY(f.controller->isPlaying());
    QCOMPARE(moved.size(), 1);
    QCOMPARE(moved.first().first().toLongLong(), 0);
    QCOMPARE(f.liveRows(), f.recordedRows(0));
    f.playAction()->trigger();
    QVERIFY(!f.controller->isPlaying());
    QVERIFY(f.controller->position() < f.replay->endNs());
}

void TestReplayController::shouldSeekWhereTheScrubberIsDragged()
{
    Fixture f;
    QVERIFY(f.controller);
    f.controller->showStart();
    QSignalSpy moved(f.controller, &ReplayController::moved);
    const qint64 last = f.replay->frames().last();
    const int ms = int(last / 1000000) + 1; // just after the last change
    f.scrubber()->setValue(ms);
    QCOMPARE(moved.size(), 1);
    QCOMPARE(f.controller->position(), qint64(ms) * 1000000);
    QCOMPARE(f.liveRows(), f.recordedRows(last));
    QCOMPARE(f.time()->text().trimmed(), secondsOf(qint64(ms) * 1000000, f.replay->endNs()));
    // the controller moving the scrubber is not the user dragging it
    f.controller->seek(0);
    QCOMPARE(moved.size(), 2);
    QCOMPARE(f.scrubber()->value(), 0);
}

void TestReplayController::shouldAnswerTheKeyboard()
{
    Fixture f;
    QVERIFY(f.controller);
    f.window.show();
    f.window.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&f.window));
    f.controller->seek(0);

    QTest::keyClick(&f.window, Qt::Key_Right, Qt::ControlModifier);
    QCOMPARE(f.controller->position(), f.replay->nextFrame(0));
    const qint64 second = f.replay->nextFrame(f.controller->position());
    QTest::keyClick(&f.window, Qt::Key_Right, Qt::ControlModifier);
    QCOMPARE(f.controller->position(), second);

    QTest::keyClick(&f.window, Qt::Key_Space);
    QVERIFY(f.controller->isPlaying());
    QTest::keyClick(&f.window, Qt::Key_Space);
    QVERIFY(!f.controller->isPlaying());
    // the tooltips say which keys
    QVERIFY(f.playAction()->toolTip().contains(QStringLiteral("Space")));
    QVERIFY(f.child<QAction>("replayNextAction")->toolTip().contains(QStringLiteral("Ctrl+Right")));
}

QTEST_MAIN(TestReplayController)
#include "tst_replaycontroller.moc"

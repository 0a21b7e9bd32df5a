// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "preferencesdialog.h"

#include "core/live/livesession.h"
#include "ui/lab/wiregroup.h"
#include "ui/log/eventlogmodel.h"
#include "ui/table/sockettableview.h"
#include "ui/sequence/sequencegeometry.h"

#include <QMainWindow>

#include <memory>

class QComboBox;
class QDockWidget;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QSpinBox;
class QTableView;
class QTimer;
class QTreeView;

namespace sockscope {

class EventLogModel;
class Exporter;
class LabPanel;
class ReplayController;
class ScenarioPanel;
class SequenceWidget;
class SocketTableModel;
class SocketTableProxy;
class SsListingView;
class StateDiagramWidget;
class TimelineWidget;

struct MainWindowOptions
{
    std::optional<QString> source;    // overrides the preference when set
    std::optional<int> intervalMs;
    std::optional<quint16> watchPort;
    std::optional<Network> labNetwork; // overrides the preference when set
    bool restoreLayout = true;        // tests start from the default layout
    // A saved session to replay instead of watching the kernel; `replayFile` names it.
    std::shared_ptr<const Replay> replay;
    QString replayFile;
};

// sockscope's window: the lab and the scenarios on the left, the 4-tuple table in the middle,
// the state diagram on the right, the timeline, event log and ss-style listing below. Panels
// can be moved and resized; the layout is remembered.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(const MainWindowOptions &options = MainWindowOptions(), QWidget *parent = nullptr);
    ~MainWindow() override;

    Lab *lab() { return &m_lab; }
    Session *session() { return &m_session; }
    ScenarioRunner *runner() { return &m_runner; }
    LiveSession *live() { return &m_live; }
    Poller *poller() const { return m_live.poller(); }
    SocketTableModel *socketModel() const { return m_model; }
    SocketTableProxy *socketProxy() const { return m_proxy; }
    QTableView *socketTable() const { return m_table; }
    TimelineWidget *timeline() const { return m_timeline; }
    StateDiagramWidget *diagram() const { return m_diagram; }
    SequenceWidget *sequence() const { return m_sequence; }
    EventLogModel *eventLog() const { return m_log; }
    LabPanel *labPanel() const { return m_labPanel; }
    ScenarioPanel *scenarioPanel() const { return m_scenarioPanel; }
    quint64 selectedConnection() const { return m_selected; }
    void selectConnection(quint64 id);

    bool isReplay() const { return m_replay != nullptr; }
    // A replay's transport (replayControl()); null when live.
    ReplayController *replayControl() const { return m_replayControl; }
    qint64 replayPosition() const; // document clock
    void seek(qint64 ns);          // replay: show the table as it was then
    void setPlaying(bool playing);

    // What File → Export writes (exporter()); each returns an empty string or what went wrong.
    Exporter *exporter() const { return m_exporter; }
    QString exportSession(const QString &path);
    QString exportTable(const QString &path); // .csv, or ss -tan text otherwise
    QString exportDiagram(const QString &path);
    QString exportTimeline(const QString &path);
    QString exportSequence(const QString &path); // .png or .svg
    SessionDocument sessionDocument() const;
    // File → Open without its dialog: the session in a window of its own, or why it cannot be.
    void openSessionFile(const QString &path);
    QString exportWire(const QString &path); // .pcapng

    // Moves the lab to its private network or to this machine's (Lab → Private network): its
    // sockets are closed, with RST, and the table starts over. Where this machine has no
    // private network the lab stays on its own, and the status bar says why. With `ask`, a
    // lab that has open sockets asks first. Returns whether the lab is where it was asked to be.
    bool moveLab(Network network, bool ask = false);

protected:
    void closeEvent(QCloseEvent *event) override;
    void showEvent(QShowEvent *event) override;
    void changeEvent(QEvent *event) override;
    bool eventFilter(QObject *watched, QEvent *event) override;

private:
    void buildTable();
    void buildDocks();
    void buildToolBar();
    void buildMenus();
    void startPolling();
    void applyPoll(const PollChanges &poll);
    void sessionUpdated(const TrackerDelta &delta);
    void logCall(const LabCall &call);
    void logSegment(const WireSegment &segment);
    void logWireRuleHit(const WireRuleHit &hit, const QString &text);
    void logWireRules();
    void updateNetworkColumn();
    void updateFilter();
    void updateStatus();
    void showSelection();
    void selectionFromTable();
    void selectionFromLab(int socketId);
    void showSequence(const QList<quint64> &ends);
    void sequenceClicked(const SequenceGeometry::Hit &item);
    void selectionFromLog();
    // The figure's item an event log entry is about, and the entry an item is (-1: none).
    SequenceGeometry::Hit sequenceItemOf(const EventLogModel::Entry &entry) const;
    int logRowOf(const SequenceGeometry::Hit &item) const;
    quint64 connectionOfLifeline(int lifeline) const;
    void editPreferences();
    void pollSoon();
    void replayMoved();
    void showWatchPortsProblem();
    void openSession();
    void resetLayout();
    void applyDefaultDockSizes();
    // The table's columns hidden until the user shows them, and the user's choice, kept.
    static QList<int> hiddenColumnsByDefault();
    void updateFirstSteps();
    void restoreHiddenColumns();
    void saveHiddenColumns();
    QDockWidget *addDock(QWidget *widget, const QString &title, const QString &name, Qt::DockWidgetArea area);

    Preferences m_preferences;
    // The source, its poller, the lab, the session and the scenario runner: the one live
    // pipeline. A replay window never gives it a source.
    LiveSession m_live;
    Lab &m_lab = *m_live.lab();
    Session &m_session = *m_live.session();
    ScenarioRunner &m_runner = *m_live.runner();
    QString m_sourceName;

    SocketTableModel *m_model = nullptr;
    SocketTableProxy *m_proxy = nullptr;
    SocketTableView *m_table = nullptr;
    QLineEdit *m_textFilter = nullptr;
    QComboBox *m_stateFilter = nullptr;
    QSpinBox *m_portFilter = nullptr;

    LabPanel *m_labPanel = nullptr;
    ScenarioPanel *m_scenarioPanel = nullptr;
    EventLogModel *m_log = nullptr;
    QTreeView *m_logView = nullptr;
    SsListingView *m_ssView = nullptr;
    QDockWidget *m_ssDock = nullptr;
    StateDiagramWidget *m_diagram = nullptr;
    TimelineWidget *m_timeline = nullptr;
    SequenceWidget *m_sequence = nullptr;
    QList<quint64> m_sequenceEnds; // the connection drawn: client end, then the server's
    qint64 m_stepStartNs = -1;     // the scenario step running (steady clock), -1 for none
    bool m_sequenceShown = false;  // its dock is on screen, not behind another tab
    bool m_sequenceStale = false;  // not drawn while hidden: drawn when shown
    QTimer *m_sequenceTimer = nullptr; // a redraw soon after calls and segments
    bool m_syncingSelection = false;
    QTimer *m_liveTimer = nullptr;
    QList<QDockWidget *> m_docks;
    QByteArray m_defaultState; // the layout before the user changed anything
    bool m_layoutRestored = false;

    QComboBox *m_sourceBox = nullptr;
    QSpinBox *m_intervalBox = nullptr;
    QLineEdit *m_watchPorts = nullptr;
    QString m_watchPortsHelp; // its tooltip while what it holds reads as ports
    QLabel *m_statusLabel = nullptr;
    QWidget *m_errorBox = nullptr;
    QLabel *m_errorLabel = nullptr;
    QLabel *m_sourceNotice = nullptr; // why the default source is not netlink here
    QAction *m_privateNetworkAction = nullptr;
    QString m_networkNotice; // why the lab is not in a private network, or its wire not captured
    QString m_lastError;
    int m_issueCount = 0;
    QStringList m_notes; // the last poll's Snapshot::notes: what its table lacks
    quint64 m_selected = 0;

    QList<ScenarioRunRecord> m_runs; // finished scenario runs, for the session file
    QList<WireGroup::Entry> m_wireRules; // the rules on the lab's wire, as last logged
    WireSegment m_lastStopped;           // the newest captured segment a wire rule stopped

    Exporter *m_exporter = nullptr;
    std::shared_ptr<const Replay> m_replay;
    bool m_rememberColumns = false; // the window keeps its layout in the settings
    QLabel *m_firstSteps = nullptr;
    bool m_firstStepsDone = false;
    ReplayController *m_replayControl = nullptr;
};

} // namespace sockscope

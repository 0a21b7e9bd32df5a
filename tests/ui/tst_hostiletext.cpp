// SPDX-License-Identifier: GPL-3.0-or-later
// People share session files, and any user can name a process: every string that comes from
// a file, the kernel or another process must show as the characters it holds. Qt takes text
// that looks like HTML for rich text wherever a widget is not told otherwise, and then an
// <img> reads any local file — /dev/zero until the program dies, a FIFO until it hangs.
#include "core/session/eventwording.h"
#include "core/session/sessionfile.h"
#include "ui/diagram/statediagramwidget.h"
#include "ui/log/eventlogmodel.h"
#include "ui/mainwindow/mainwindow.h"
#include "ui/models/sockettablemodel.h"
#include "ui/models/sockettableproxy.h"
#include "ui/timeline/timelineview.h"
#include "ui/timeline/timelinewidget.h"

#include "../core/loopbackpair.h"

#include <QAbstractItemView>
#include <QAction>
#include <QApplication>
#include <QComboBox>
#include <QDir>
#include <QGraphicsItem>
#include <QGraphicsScene>
#include <QGraphicsView>
#include <QHelpEvent>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QLabel>
#include <QMessageBox>
#include <QScopeGuard>
#include <QSpinBox>
#include <QStandardPaths>
#include <QTableView>
#include <QTemporaryDir>
#include <QTest>
#include <QTextDocument>
#include <QTextEdit>
#include <QTimer>
#include <QToolTip>
#include <QTreeView>
#include <QWindow>
#include <QXmlStreamReader>

#include <cerrno>
#include <sys/inotify.h>
#include <sys/prctl.h>
#include <unistd.h>

using namespace sockscope;
using namespace sockscope::test;

namespace {

// In every hostile string of a session file: as markup it makes Qt read /dev/zero until
// memory runs out.
const QLatin1String zeroImage("<img src=\"/dev/zero\">");

// A hostile string: how to recognise it in any form (`key` has no character markup escapes),
// and the markup a reader must see literally wherever it shows.
struct Hostile
{
    QLatin1String key;
    QLatin1String literal;
};
const Hostile fromFile{QLatin1String("dev/zero"), zeroImage};

// What a reader is shown of `text` in a place of `format`: the text itself, or what Qt renders.
QString shown(const QString &text, Qt::TextFormat format = Qt::AutoText)
{
    if (format == Qt::PlainText || (format == Qt::AutoText && !Qt::mightBeRichText(text)))
        return text;
    QTextDocument document;
    document.setHtml(text);
    return document.toPlainText();
}

// True when `text` carries no hostile string, or shows it as the characters it holds.
bool showsLiterally(const QString &text, Qt::TextFormat format = Qt::AutoText, const Hostile &hostile = fromFile)
{
    return !text.contains(hostile.key) || shown(text, format).contains(hostile.literal);
}

// Counts the times anything opened a file (inotify), without blocking.
class OpenCounter
{
public:
    explicit OpenCounter(const QString &path)
        : m_fd(inotify_init1(IN_NONBLOCK | IN_CLOEXEC))
    {
        if (m_fd >= 0)
            m_watch = inotify_add_watch(m_fd, QFile::encodeName(path).constData(), IN_OPEN);
    }
    ~OpenCounter()
    {
        if (m_fd >= 0)
            ::close(m_fd);
    }
    OpenCounter(const OpenCounter &) = delete;
    OpenCounter &operator=(const OpenCounter &) = delete;

    bool isWatching() const { return m_fd >= 0 && m_watch >= 0; }

    int opens()
    {
        alignas(inotify_event) char buffer[4096];
        ssize_t n;
        while ((n = ::read(m_fd, buffer, sizeof buffer)) > 0) {
            for (char *p = buffer; p < buffer + n;) {
                const auto *event = reinterpret_cast<const inotify_event *>(p);
                m_opens += (event->mask & IN_OPEN) ? 1 : 0;
                p += sizeof(inotify_event) + event->len;
            }
        }
        return m_opens;
    }

private:
    int m_fd = -1;
    int m_watch = -1;
    int m_opens = 0;
};

// A session file someone shared, with markup in every string it has.
struct HostileSession
{
    QTemporaryDir dir;
    QString probe;     // a file that an <img> in any string would read
    SessionDocument document;
    QString file;
    QString clientLabel;
    QString serverLabel;
    LabCall failedCall;

    // `name` in markup of every kind Qt interprets, within the reader's `limit` characters.
    QString markup(const QString &name, int limit = 4096) const
    {
        // With "%1" too, for anything that would put it through QString::arg() again.
        const QString full = QStringLiteral("<img src=\"") + probe + QStringLiteral("\"><font size=6 color=red>") + name
            + QStringLiteral("</font> <a href=\"file:///etc/passwd\">&amp; 'q' \"q\" [*] %1</a>") + zeroImage;
        if (full.size() <= limit)
            return full;
        const QString brief = QStringLiteral("<b>%1</b>%2").arg(name, zeroImage);
        if (brief.size() > limit)
            qFatal("hostile text for %s does not fit %d characters", qPrintable(name), limit);
        return brief;
    }

    SocketRecord record(const Endpoint &local, const Endpoint &remote, TcpState state, quint64 inode) const
    {
        SocketRecord r;
        r.family = AddressFamily::IPv4;
        r.local = local;
        r.remote = remote;
        r.state = state;
        r.uid = 1000;
        r.inode = inode;
        r.ownerStatus = OwnerStatus::Process;
        r.owners = {{4242, markup(QStringLiteral("program"), 256)}};
        r.details.insert(QStringLiteral("<b>detail</b>"), markup(QStringLiteral("detail value")));
        return r;
    }

    static StateSpan span(TcpState state, qint64 firstMs, qint64 lastMs)
    {
        StateSpan s;
        s.state = state;
        s.firstSeenNs = firstMs * 1000000;
        s.lastSeenNs = lastMs * 1000000;
        s.polls = int((lastMs - firstMs) / 100 + 1);
        return s;
    }

    LabCall call(qint64 atMs, int socket, const QString &label, LabCall::Kind kind, int error) const
    {
        LabCall c;
        c.steadyNs = atMs * 1000000;
        c.wallTimeMs = document.startedWallMs + atMs;
        c.socketId = socket;
        c.socketLabel = label;
        c.kind = kind;
        // A call is data now; the text in it is the peer's interface (an address's scope).
        c.endpoint.address = IpAddress::fromIPv4(0x7f000001);
        c.endpoint.port = 8000;
        c.endpoint.scope = markup(QStringLiteral("scope"), 64);
        c.result = error == 0 ? 3 : -1;
        c.error = error;
        c.detail = markup(QStringLiteral("detail"));
        return c;
    }

    HostileSession()
    {
        probe = dir.filePath(QStringLiteral("probe.png"));
        QFile f(probe);
        if (f.open(QIODevice::WriteOnly))
            f.write("not an image");

        SessionDocument &d = document;
        d.programVersion = markup(QStringLiteral("version"), 64);
        d.host.hostname = markup(QStringLiteral("hostname"), 256);
        d.host.kernel = markup(QStringLiteral("kernel"), 256);
        d.host.machine = markup(QStringLiteral("machine"), 64);
        d.host.os = markup(QStringLiteral("os"), 256);
        d.source = markup(QStringLiteral("source"));
        d.intervalMs = 100;
        d.startedWallMs = 1700000000000;
        d.durationNs = 3000000000LL;

        clientLabel = markup(QStringLiteral("client"), 256);
        // A control character has no place in XML at all: the SVG export must cope with it.
        serverLabel = markup(QStringLiteral("server"), 255) + QChar(0x01);

        Endpoint clientEnd;
        clientEnd.address = IpAddress::fromIPv4(0x7f000001);
        clientEnd.port = 40000;
        clientEnd.scope = markup(QStringLiteral("scope"), 64);
        Endpoint serverEnd;
        serverEnd.address = IpAddress::fromIPv4(0x7f000001);
        serverEnd.port = 8000;

        RecordedConnection client;
        client.label = clientLabel;
        client.clientSide = true;
        client.labSocket = 1;
        client.peer = 2;
        ConnectionHistory &c = client.history;
        c.id = 1;
        c.key = {AddressFamily::IPv4, clientEnd, serverEnd};
        c.spans = {span(TcpState::SynSent, 100, 100), span(TcpState::Established, 200, 1000),
                   span(TcpState::FinWait2, 1100, 1500), span(TcpState::TimeWait, 1600, 2900)};
        c.inodes = {1001};
        c.latest = record(clientEnd, serverEnd, TcpState::TimeWait, 0);
        c.samples = {{100000000, d.startedWallMs + 100, record(clientEnd, serverEnd, TcpState::SynSent, 1001)},
                     {1600000000, d.startedWallMs + 1600, c.latest}};

        RecordedConnection server;
        server.label = serverLabel;
        server.clientSide = false;
        server.labSocket = 2;
        server.peer = 1;
        ConnectionHistory &s = server.history;
        s.id = 2;
        s.key = {AddressFamily::IPv4, serverEnd, clientEnd};
        s.spans = {span(TcpState::Established, 200, 1000), span(TcpState::CloseWait, 1100, 1500)};
        s.inodes = {1002};
        s.alive = false;
        s.vanishedNs = 1600000000;
        s.latest = record(serverEnd, clientEnd, TcpState::CloseWait, 1002);
        s.samples = {{200000000, d.startedWallMs + 200, s.latest}};
        d.connections = {client, server};

        failedCall = call(1050, 1, clientLabel, LabCall::Kind::Connect, ECONNRESET);
        d.calls = {call(50, 1, clientLabel, LabCall::Kind::Socket, 0), call(60, 1, clientLabel, LabCall::Kind::Connect, EINPROGRESS),
                   call(150, 2, serverLabel, LabCall::Kind::Accept, 0), failedCall};

        ScenarioRunRecord run;
        run.name = markup(QStringLiteral("name"), 128);
        run.title = markup(QStringLiteral("title"), 512);
        run.status = markup(QStringLiteral("s"), 32);
        run.failure = markup(QStringLiteral("failure"));
        run.outcomes = {{markup(QStringLiteral("expectation"), 512), false, -1}};
        d.scenarioRuns = {run};
        d.table = {c.latest};

        file = dir.filePath(QStringLiteral("<h1>shared [*] &amp;.json")); // a file name cannot hold "/"
    }
};

MainWindowOptions replayOptions(const SessionDocument &document, const QString &file)
{
    MainWindowOptions options;
    options.restoreLayout = false;
    options.replay = std::make_shared<const Replay>(document);
    options.replayFile = file;
    return options;
}

// Every place a widget tree shows text that Qt might take for markup, checked in one sweep:
// labels, tooltips and What's This of widgets, actions, item views (cells and headers) and
// graphics items, and rich text documents (where an interpreted <img> is an embedded object).
void checkNothingIsMarkup(QWidget *root, const Hostile &hostile = fromFile)
{
    QList<QWidget *> widgets = root->findChildren<QWidget *>();
    widgets.prepend(root);
    for (QWidget *w : std::as_const(widgets)) {
        const QString where = QString::fromLatin1(w->metaObject()->className()) + QLatin1Char(' ') + w->objectName();
        QVERIFY2(showsLiterally(w->toolTip(), Qt::AutoText, hostile), qPrintable(where + QStringLiteral(" tooltip: ") + w->toolTip()));
        QVERIFY2(showsLiterally(w->whatsThis(), Qt::AutoText, hostile), qPrintable(where + QStringLiteral(" what's this")));
        if (auto *label = qobject_cast<QLabel *>(w))
            QVERIFY2(showsLiterally(label->text(), label->textFormat(), hostile), qPrintable(where + QStringLiteral(": ") + label->text()));
        if (auto *edit = qobject_cast<QTextEdit *>(w))
            QVERIFY2(!edit->toPlainText().contains(QChar::ObjectReplacementCharacter), qPrintable(where));
        if (auto *view = qobject_cast<QAbstractItemView *>(w); view && view->model()) {
            const QAbstractItemModel *model = view->model();
            for (int column = 0; column < model->columnCount(); ++column) {
                const QString tip = model->headerData(column, Qt::Horizontal, Qt::ToolTipRole).toString();
                QVERIFY2(showsLiterally(tip, Qt::AutoText, hostile), qPrintable(where + QStringLiteral(" header: ") + tip));
                for (int row = 0; row < model->rowCount(); ++row) {
                    for (int role : {int(Qt::ToolTipRole), int(Qt::WhatsThisRole)}) {
                        const QString text = model->index(row, column).data(role).toString();
                        QVERIFY2(showsLiterally(text, Qt::AutoText, hostile), qPrintable(where + QStringLiteral(" cell: ") + text));
                    }
                }
            }
        }
        if (auto *view = qobject_cast<QGraphicsView *>(w); view && view->scene()) {
            for (const QGraphicsItem *item : view->scene()->items())
                QVERIFY2(showsLiterally(item->toolTip(), Qt::AutoText, hostile), qPrintable(where + QStringLiteral(" item: ") + item->toolTip()));
        }
    }
    for (const QAction *action : root->findChildren<QAction *>())
        QVERIFY2(showsLiterally(action->toolTip(), Qt::AutoText, hostile), qPrintable(action->toolTip()));
}

// The tooltip a user gets when hovering `pos` of `widget`, "" for none.
QString hover(QWidget *widget, const QPoint &pos)
{
    QToolTip::hideText();
    QHelpEvent event(QEvent::ToolTip, pos, widget->mapToGlobal(pos));
    QApplication::sendEvent(widget, &event);
    const QString text = QToolTip::isVisible() ? QToolTip::text() : QString();
    QToolTip::hideText();
    return text;
}

QString hover(QAbstractItemView *view, const QModelIndex &index)
{
    view->scrollTo(index);
    return hover(view->viewport(), view->visualRect(index).center());
}

// The model row of the replayed connection labelled `label`, or -1.
int rowLabelled(const SocketTableModel *model, const QString &label)
{
    for (int row = 0; row < model->rowCount(); ++row) {
        if (model->labelAt(row) == label)
            return row;
    }
    return -1;
}

// The text an SVG file draws, element by element; `error` says where it is not well-formed XML.
QStringList svgText(const QByteArray &svg, QString *error, QStringList *elements)
{
    QStringList texts;
    QXmlStreamReader reader(svg);
    while (!reader.atEnd()) {
        reader.readNext();
        if (reader.isStartElement()) {
            elements->append(reader.name().toString());
            if (reader.name() == QLatin1String("text"))
                texts.append(reader.readElementText(QXmlStreamReader::IncludeChildElements));
        }
    }
    if (reader.hasError())
        *error = QStringLiteral("line %1: %2").arg(reader.lineNumber()).arg(reader.errorString());
    return texts;
}

} // namespace

class TestHostileText : public QObject
{
    Q_OBJECT

private Q_SLOTS:
    void initTestCase();
    void shouldShowEveryStringOfASharedSessionAsItIs();
    void shouldExportWellFormedSvgWithTheLiteralText();
    void shouldSayWhyAFileCannotBeOpenedInPlainText();
    void shouldShowTheNameOfAProcessHoldingThePortAsItIs();
};

void TestHostileText::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true);
}

void TestHostileText::shouldShowEveryStringOfASharedSessionAsItIs()
{
    HostileSession hostile;
    QVERIFY(hostile.dir.isValid());
    OpenCounter probeOpens(hostile.probe);
    QVERIFY(probeOpens.isWatching());
    QCOMPARE(SessionFile::save(hostile.document, hostile.file), QString());
    const SessionFile::Loaded loaded = SessionFile::load(hostile.file);
    QVERIFY2(loaded.document, qPrintable(loaded.error));
    QCOMPARE(loaded.document->connections.first().label, hostile.clientLabel);

    // Opened as `sockscope open FILE` opens it, played through, a connection selected.
    MainWindow window(replayOptions(*loaded.document, hostile.file));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    const auto replay = std::make_shared<const Replay>(*loaded.document);
    for (qint64 frame : replay->frames())
        window.seek(frame);
    window.seek(1200000000); // both ends alive: FIN_WAIT2 and CLOSE_WAIT
    SocketTableModel *model = window.socketModel();
    const int clientRow = rowLabelled(model, hostile.clientLabel);
    QVERIFY(clientRow >= 0);
    window.selectConnection(model->idAt(clientRow));
    QTRY_COMPARE(window.timeline()->laneCount(), 2);
    QTRY_VERIFY(!window.diagram()->isAnimating());

    // The window title names the file and the host as they are, "[*]" included.
    const QString title = window.windowHandle()->title();
    QVERIFY2(title.contains(QFileInfo(hostile.file).fileName()), qPrintable(title));
    QVERIFY2(title.contains(hostile.document.host.hostname), qPrintable(title));

    // The status bar names the source as the file has it.
    auto *status = window.findChild<QLabel *>(QStringLiteral("statusLabel"));
    QCOMPARE(status->textFormat(), Qt::PlainText);
    QVERIFY2(status->text().contains(hostile.document.source), qPrintable(status->text()));
    QCOMPARE(window.findChild<QLabel *>(QStringLiteral("errorLabel"))->textFormat(), Qt::PlainText);

    // The table: the label and the owner's name as text, the label's tooltip too.
    const QModelIndex role = model->index(clientRow, SocketTableModel::Role);
    QCOMPARE(role.data().toString(), hostile.clientLabel);
    QCOMPARE(shown(role.data(Qt::ToolTipRole).toString()), hostile.clientLabel);
    QVERIFY(model->index(clientRow, SocketTableModel::Process).data().toString().contains(
        hostile.document.connections.first().history.latest.owners.first().program));
    QTableView *table = window.socketTable();
    QCOMPARE(shown(hover(table, window.socketProxy()->mapFromSource(role))), hostile.clientLabel);

    // The event log: who made the call and what it was, and the tooltip of what it was.
    EventLogModel *log = window.eventLog();
    int callRow = -1;
    for (int row = 0; row < log->rowCount(); ++row) {
        if (log->entries()[row].text == EventWording::call(hostile.failedCall))
            callRow = row;
    }
    QVERIFY(callRow >= 0);
    QCOMPARE(log->index(callRow, EventLogModel::Who).data().toString(), hostile.clientLabel);
    const QModelIndex what = log->index(callRow, EventLogModel::What);
    QCOMPARE(shown(what.data(Qt::ToolTipRole).toString()), EventWording::call(hostile.failedCall));
    auto *logView = window.findChild<QTreeView *>(QStringLiteral("eventLog"));
    QCOMPARE(shown(hover(logView, what)), EventWording::call(hostile.failedCall));

    // The state diagram's explanation of both ends.
    const QString explanation = window.diagram()->explanationText();
    QVERIFY2(explanation.contains(hostile.clientLabel), qPrintable(explanation));
    QVERIFY2(explanation.contains(hostile.document.connections.first().history.key.local.scope), qPrintable(explanation));

    // The timeline's tooltips: a lane's name, a call marker, a state bar.
    TimelineView *timeline = window.timeline()->view();
    const TimelineLayout &layout = timeline->currentLayout();
    QCOMPARE(layout.lanes().size(), 2);
    const QString laneTip = hover(timeline->viewport(), layout.lanes().first().gutter.center().toPoint());
    QVERIFY2(shown(laneTip).startsWith(hostile.clientLabel), qPrintable(laneTip));
    QVERIFY(!layout.markers().isEmpty());
    QVERIFY(!layout.bars().isEmpty());
    bool sawCall = false;
    for (const TimelineLayout::Marker &m : layout.markers()) {
        const QString tip = hover(timeline->viewport(), m.tip.toPoint() + QPoint(0, m.pointsDown ? -3 : 3));
        QVERIFY2(showsLiterally(tip), qPrintable(tip));
        sawCall |= shown(tip).contains(hostile.failedCall.detail);
    }
    QVERIFY(sawCall);
    for (const TimelineLayout::Bar &b : layout.bars()) {
        const QString tip = hover(timeline->viewport(), b.rect.center().toPoint());
        QVERIFY2(showsLiterally(tip), qPrintable(tip));
        if (b.lane == 0)
            QVERIFY2(shown(tip).startsWith(hostile.clientLabel + QStringLiteral(": ")), qPrintable(tip));
    }

    // And everywhere else, whatever it is.
    checkNothingIsMarkup(&window);
    if (QTest::currentTestFailed())
        return;

    // Rendering everything made nothing read the file an <img> pointed at.
    const QImage shot = window.grab().toImage();
    QVERIFY(!shot.isNull());
    QDir().mkpath(QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR));
    shot.save(QStringLiteral(SOCKSCOPE_SCREENSHOT_DIR "/hostile-session.png"));
    QCOMPARE(probeOpens.opens(), 0);
}

void TestHostileText::shouldExportWellFormedSvgWithTheLiteralText()
{
    HostileSession hostile;
    MainWindow window(replayOptions(hostile.document, hostile.file));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.seek(1200000000);
    const int clientRow = rowLabelled(window.socketModel(), hostile.clientLabel);
    QVERIFY(clientRow >= 0);
    window.selectConnection(window.socketModel()->idAt(clientRow));
    QTRY_COMPARE(window.timeline()->laneCount(), 2);
    QTRY_VERIFY(!window.diagram()->isAnimating());

    const QString diagramFile = hostile.dir.filePath(QStringLiteral("diagram.svg"));
    const QString timelineFile = hostile.dir.filePath(QStringLiteral("timeline.svg"));
    QCOMPARE(window.exportDiagram(diagramFile), QString());
    QCOMPARE(window.exportTimeline(timelineFile), QString());
    for (const QString &path : {diagramFile, timelineFile}) {
        QFile svg(path);
        QVERIFY(svg.open(QIODevice::ReadOnly));
        QString error;
        QStringList elements;
        const QStringList texts = svgText(svg.readAll(), &error, &elements);
        QVERIFY2(error.isEmpty(), qPrintable(path + QStringLiteral(": ") + error));
        QVERIFY(!texts.isEmpty());
        for (const char *markup : {"img", "font", "a", "b"})
            QVERIFY2(!elements.contains(QLatin1String(markup)), markup);
        if (path == timelineFile) {
            // The lane names, each one text element, character for character; the control
            // character, which XML cannot hold, as the replacement character.
            QVERIFY2(texts.contains(hostile.clientLabel), qPrintable(texts.join(QLatin1Char('\n'))));
            QString server = hostile.serverLabel;
            server.replace(QChar(0x01), QChar::ReplacementCharacter);
            QVERIFY2(texts.contains(server), qPrintable(texts.join(QLatin1Char('\n'))));
        }
    }
}

void TestHostileText::shouldSayWhyAFileCannotBeOpenedInPlainText()
{
    // A file the reader refuses, with a value from the file in its reason.
    HostileSession hostile;
    QCOMPARE(SessionFile::save(hostile.document, hostile.file), QString());
    QFile file(hostile.file);
    QVERIFY(file.open(QIODevice::ReadOnly));
    QJsonObject root = QJsonDocument::fromJson(file.readAll()).object();
    file.close();
    QJsonArray connections = root.value(QStringLiteral("connections")).toArray();
    QJsonObject first = connections.first().toObject();
    const QString address = zeroImage + QStringLiteral("<b>x</b>");
    first.insert(QStringLiteral("local_address"), address);
    connections.replace(0, first);
    root.insert(QStringLiteral("connections"), connections);
    QVERIFY(file.open(QIODevice::WriteOnly | QIODevice::Truncate));
    file.write(QJsonDocument(root).toJson());
    file.close();
    const QString error = SessionFile::load(hostile.file).error;
    QVERIFY2(error.contains(QStringLiteral("'%1' is not an IP address").arg(address)), qPrintable(error));

    SessionDocument empty;
    MainWindow window(replayOptions(empty, hostile.dir.filePath(QStringLiteral("empty.json"))));
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));

    // Whether the box blocks or not, look at it as soon as it shows, then close it.
    QString text;
    Qt::TextFormat format = Qt::AutoText;
    Qt::TextFormat labelFormat = Qt::AutoText;
    bool seen = false;
    QTimer look;
    look.setInterval(10);
    connect(&look, &QTimer::timeout, this, [&] {
        for (QWidget *w : QApplication::topLevelWidgets()) {
            auto *box = qobject_cast<QMessageBox *>(w);
            if (!box || !box->isVisible())
                continue;
            seen = true;
            text = box->text();
            format = box->textFormat();
            if (auto *label = box->findChild<QLabel *>(QStringLiteral("qt_msgbox_label")))
                labelFormat = label->textFormat();
            box->close();
            look.stop();
        }
    });
    look.start();
    window.openSessionFile(hostile.file);
    QTRY_VERIFY(seen);
    QCOMPARE(text, error);
    QCOMPARE(format, Qt::PlainText);
    QCOMPARE(labelFormat, Qt::PlainText);
    int windows = 0;
    for (QWidget *w : QApplication::topLevelWidgets())
        windows += qobject_cast<MainWindow *>(w) ? 1 : 0;
    QCOMPARE(windows, 1); // nothing was opened
}

void TestHostileText::shouldShowTheNameOfAProcessHoldingThePortAsItIs()
{
    // Any user can give a process a name like this one (at most 15 bytes). This test names
    // itself so, holds a port, and has the lab and a scenario run into it.
    char original[16] = {};
    QCOMPARE(prctl(PR_GET_NAME, original), 0);
    const auto restore = qScopeGuard([&original] { prctl(PR_SET_NAME, original); });
    const QByteArray name = "<img src=p><b>";
    QCOMPARE(prctl(PR_SET_NAME, name.constData()), 0);
    QString error;
    const Fd holder = Loopback::listen(AddressFamily::IPv4, 1, &error);
    QVERIFY2(holder.isValid(), qPrintable(error));

    MainWindowOptions options;
    options.source = QStringLiteral("proc");
    options.intervalMs = 50;
    options.restoreLayout = false;
    options.labNetwork = Network::Host; // where this test holds the port
    MainWindow window(options);
    window.show();
    QVERIFY(QTest::qWaitForWindowExposed(&window));
    window.findChild<QSpinBox *>(QStringLiteral("serverPortBox"))->setValue(holder.localPort());

    // The lab's listen fails; it says who holds the port, once the lookup has found out.
    window.findChild<QAction *>(QStringLiteral("startServerAction"))->trigger();
    auto *problem = window.findChild<QLabel *>(QStringLiteral("labProblem"));
    QTRY_VERIFY(!problem->isHidden());
    QTRY_VERIFY_WITH_TIMEOUT(!window.lab()->lookingUp(), 10000);
    QTRY_VERIFY(shown(problem->text(), problem->textFormat()).contains(QStringLiteral("port %1").arg(holder.localPort())));
    if (!shown(problem->text(), problem->textFormat()).contains(QLatin1String(" is held by <")))
        QSKIP("this system does not show which process holds the port");
    QVERIFY2(shown(problem->text(), problem->textFormat()).contains(QLatin1String(name)), qPrintable(problem->text()));

    // A scenario on that port stops at its first step and says why.
    auto *picker = window.findChild<QComboBox *>(QStringLiteral("scenarioPicker"));
    picker->setCurrentIndex(picker->findData(QStringLiteral("handshake")));
    window.findChild<QAction *>(QStringLiteral("scenarioStepAction"))->trigger();
    QTRY_VERIFY(window.runner()->isDone());
    auto *status = window.findChild<QLabel *>(QStringLiteral("scenarioStatus"));
    QVERIFY2(shown(status->text(), status->textFormat()).contains(QLatin1String(name)), qPrintable(status->text()));

    // The event log's tooltips of the failed calls and the scenario's end.
    int withName = 0;
    for (int row = 0; row < window.eventLog()->rowCount(); ++row) {
        const QModelIndex what = window.eventLog()->index(row, EventLogModel::What);
        if (!what.data().toString().contains(QLatin1String(name)))
            continue;
        ++withName;
        QCOMPARE(shown(what.data(Qt::ToolTipRole).toString()), what.data().toString());
    }
    QVERIFY(withName >= 2);
    checkNothingIsMarkup(&window, {QLatin1String("src=p"), QLatin1String("<img src=p>")});
}

QTEST_MAIN(TestHostileText)
#include "tst_hostiletext.moc"

// SPDX-License-Identifier: GPL-3.0-or-later
#include "exporter.h"

#include "core/format/atomicfile.h"
#include "core/format/sockettable.h"
#include "core/session/sessionfile.h"
#include "ui/diagram/statediagramwidget.h"
#include "ui/export/imageexport.h"
#include "ui/models/sockettablemodel.h"
#include "ui/models/sockettableproxy.h"
#include "ui/text/plaintext.h"
#include "ui/sequence/sequencewidget.h"
#include "ui/timeline/timelinewidget.h"

#include <QAction>
#include <QCoreApplication>
#include <QDir>
#include <QFileDialog>
#include <QFileInfo>
#include <QRegularExpression>
#include <QWidget>

namespace sockscope {

namespace {

struct Kind
{
    Exporter::What what;
    const char *menuText;
    const char *dialogTitle;
    const char *filter;
};

// The menu's entries and their dialogs, in the menu's order.
const Kind kinds[] = {
    {Exporter::What::Session, QT_TRANSLATE_NOOP("sockscope::Exporter", "Session (JSON)…"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "Export session"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "sockscope session (*.json)")},
    {Exporter::What::Table, QT_TRANSLATE_NOOP("sockscope::Exporter", "Table as CSV or ss text…"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "Export table"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "CSV (*.csv);;ss -tan text (*.txt)")},
    {Exporter::What::Diagram, QT_TRANSLATE_NOOP("sockscope::Exporter", "State diagram as PNG or SVG…"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "Export state diagram"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "PNG image (*.png);;SVG drawing (*.svg)")},
    {Exporter::What::Timeline, QT_TRANSLATE_NOOP("sockscope::Exporter", "Timeline as PNG or SVG…"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "Export timeline"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "PNG image (*.png);;SVG drawing (*.svg)")},
    {Exporter::What::Sequence, QT_TRANSLATE_NOOP("sockscope::Exporter", "Sequence diagram as PNG or SVG…"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "Export sequence diagram"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "PNG image (*.png);;SVG drawing (*.svg)")},
    {Exporter::What::Wire, QT_TRANSLATE_NOOP("sockscope::Exporter", "Captured wire as pcapng…"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "Export the lab's captured segments"),
     QT_TRANSLATE_NOOP("sockscope::Exporter", "pcapng capture, for Wireshark (*.pcapng)")},
};

const Kind &kindOf(Exporter::What what)
{
    return kinds[int(what)];
}

} // namespace

Exporter::Exporter(Views views, QWidget *window) : QObject(window), m_views(std::move(views)), m_window(window)
{
    for (const Kind &kind : kinds) {
        auto *action = new QAction(tr(kind.menuText), this);
        connect(action, &QAction::triggered, this, [this, what = kind.what] { saveWithDialog(what); });
        m_actions.append(action);
    }
    QAction *session = m_actions[int(What::Session)];
    session->setShortcut(QKeySequence::Save);
    session->setObjectName(QStringLiteral("exportSessionAction"));
    m_actions[int(What::Table)]->setObjectName(QStringLiteral("exportTableAction"));
    m_actions[int(What::Diagram)]->setObjectName(QStringLiteral("exportDiagramAction"));
    m_actions[int(What::Timeline)]->setObjectName(QStringLiteral("exportTimelineAction"));
    m_actions[int(What::Sequence)]->setObjectName(QStringLiteral("exportSequenceAction"));
    m_actions[int(What::Wire)]->setObjectName(QStringLiteral("exportWireAction"));
}

QString Exporter::saveSession(const QString &path) const
{
    return SessionFile::save(m_views.document(), path);
}

QString Exporter::saveTable(const QString &path) const
{
    // What the table shows, filtered and sorted as shown; rows that already left the kernel's
    // table are not in it any more.
    QList<SocketRecord> records;
    const SocketTableProxy *proxy = m_views.table;
    for (int row = 0; row < proxy->rowCount(); ++row) {
        const int source = proxy->mapToSource(proxy->index(row, 0)).row();
        if (m_views.model->highlightAt(source) != SocketTableModel::Highlight::Vanishing)
            records.append(m_views.model->recordAt(source));
    }
    const QString text = path.endsWith(QLatin1String(".csv"), Qt::CaseInsensitive)
        ? SocketTable::csv(records)
        : SocketTable::format(records, SocketTable::Style::SsTan);
    return writeFileAtomically(path, text.toUtf8());
}

QString Exporter::saveDiagram(const QString &path) const
{
    return ImageExport::save(m_views.diagram->scene(), path, tr("sockscope: TCP state diagram"));
}

QString Exporter::saveTimeline(const QString &path) const
{
    return ImageExport::save(m_views.timeline, path, tr("sockscope: connection timeline"));
}

QString Exporter::saveSequence(const QString &path) const
{
    return m_views.sequence->savePicture(path);
}

QString Exporter::saveWire(const QString &path) const
{
    const SessionDocument document = m_views.document();
    if (document.wire.isEmpty()) {
        return tr("Nothing to write to %1: no segment was captured. The wire is captured while the lab is in "
                  "its private network (Lab → Private network).")
            .arg(QDir::toNativeSeparators(path));
    }
    return writeFileAtomically(path, pcapngOf(document.wire, QStringLiteral("sockscope %1").arg(QCoreApplication::applicationVersion())));
}

QString Exporter::save(What what, const QString &path) const
{
    switch (what) {
    case What::Session: return saveSession(path);
    case What::Table: return saveTable(path);
    case What::Diagram: return saveDiagram(path);
    case What::Timeline: return saveTimeline(path);
    case What::Sequence: return saveSequence(path);
    case What::Wire: return saveWire(path);
    }
    return QString();
}

QString Exporter::withExtension(const QString &path, const QString &selectedFilter)
{
    // Add the extension of the chosen filter when the name has none.
    const QRegularExpressionMatch ext = QRegularExpression(QStringLiteral("\\*(\\.[a-z]+)")).match(selectedFilter);
    if (QFileInfo(path).suffix().isEmpty() && ext.hasMatch())
        return path + ext.captured(1);
    return path;
}

void Exporter::saveWithDialog(What what)
{
    const Kind &kind = kindOf(what);
    QString selectedFilter;
    const QString path = QFileDialog::getSaveFileName(m_window, tr(kind.dialogTitle), QString(), tr(kind.filter),
                                                      &selectedFilter);
    if (!path.isEmpty())
        saveAndReport(what, path, selectedFilter);
}

bool Exporter::saveAndReport(What what, const QString &path, const QString &selectedFilter)
{
    const QString file = withExtension(path, selectedFilter);
    const QString error = save(what, file);
    if (error.isEmpty()) {
        Q_EMIT saved(file);
        return true;
    }
    QMessageBox *box = PlainText::messageBox(
        QMessageBox::Warning, tr("Export failed"),
        tr("%1\n\nNothing was lost: everything is still here. Choose another place to save it.").arg(error), m_window);
    box->setObjectName(QStringLiteral("exportError"));
    box->open();
    return false;
}

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/session/sessiondocument.h"

#include <QObject>

#include <functional>

class QAction;
class QWidget;

namespace sockscope {

class SocketTableModel;
class SocketTableProxy;
class SequenceWidget;
class StateDiagramWidget;
class TimelineWidget;

// What File → Export writes from the window: the session as a file sockscope opens again, the
// table as CSV or as ss -tan prints it, the state diagram, the timeline and the sequence
// diagram as PNG or SVG, the captured wire as pcapng.
// Each save returns an empty string or what went wrong, naming the file; the menu's entries
// ask for a file name first and report the outcome.
class Exporter : public QObject
{
    Q_OBJECT

public:
    enum class What { Session, Table, Diagram, Timeline, Sequence, Wire };

    // Where each export takes its content from.
    struct Views
    {
        std::function<SessionDocument()> document; // the session as it would be saved now
        const SocketTableModel *model = nullptr;
        const SocketTableProxy *table = nullptr;    // the rows shown, in the order shown
        StateDiagramWidget *diagram = nullptr;
        TimelineWidget *timeline = nullptr;
        SequenceWidget *sequence = nullptr;
    };

    // Dialogs open over `window`, which owns the exporter.
    Exporter(Views views, QWidget *window);

    QString saveSession(const QString &path) const;
    QString saveTable(const QString &path) const; // .csv, or ss -tan text otherwise
    QString saveDiagram(const QString &path) const;
    QString saveTimeline(const QString &path) const;
    // The selected connection's sequence diagram, on a light page with its key.
    QString saveSequence(const QString &path) const;
    // Every segment the session kept from the lab's private wire, each with the call that
    // caused it as its comment; an error when nothing was captured.
    QString saveWire(const QString &path) const;
    QString save(What what, const QString &path) const;

    // File → Export's entries, one per What, in that order; the session's is Save (Ctrl+S).
    QList<QAction *> actions() const { return m_actions; }

    // Asks where to save, then saveAndReport().
    void saveWithDialog(What what);
    // Saves to `path` — with the extension of `selectedFilter` ("PNG image (*.png)") added when
    // the name has none — and reports: saved() when it worked, otherwise a message box (object
    // name exportError) that says why and that nothing was lost. Returns whether it worked.
    bool saveAndReport(What what, const QString &path, const QString &selectedFilter = QString());
    static QString withExtension(const QString &path, const QString &selectedFilter);

Q_SIGNALS:
    void saved(const QString &path);

private:
    Views m_views;
    QWidget *m_window;
    QList<QAction *> m_actions;
};

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/sources/poller.h"
#include "core/tracking/connectiontracker.h"

#include <QMainWindow>

#include <memory>

class QComboBox;
class QLabel;
class QSortFilterProxyModel;
class QSpinBox;
class QTableView;

namespace sockscope {

class SocketTableModel;

struct MainWindowOptions
{
    QString source = QStringLiteral("proc");
    int intervalMs = 500;
    quint16 port = 0; // 0: every port
};

// sockscope's window: the kernel's TCP table, live.
class MainWindow : public QMainWindow
{
    Q_OBJECT

public:
    explicit MainWindow(const MainWindowOptions &options = MainWindowOptions(), QWidget *parent = nullptr);
    ~MainWindow() override;

    SocketTableModel *socketModel() const { return m_model; }
    Poller *poller() const { return m_poller.get(); }

private:
    void startPolling();
    void applySnapshot(const Snapshot &snapshot);
    void updateStatus();
    SocketFilter currentFilter() const;

    ConnectionTracker m_tracker;
    std::unique_ptr<Poller> m_poller;
    SocketTableModel *m_model = nullptr;
    QSortFilterProxyModel *m_proxy = nullptr;
    QTableView *m_table = nullptr;
    QComboBox *m_sourceBox = nullptr;
    QSpinBox *m_intervalBox = nullptr;
    QSpinBox *m_portBox = nullptr;
    QLabel *m_statusLabel = nullptr;
    QWidget *m_errorBox = nullptr;
    QLabel *m_errorLabel = nullptr;
    QString m_lastError;
    int m_issueCount = 0;
};

} // namespace sockscope

// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/sources/socketsource.h"

#include <QDialog>

class QComboBox;
class QSpinBox;

namespace sockscope {

// The preferences sockscope keeps between runs (QSettings): source, poll interval, and the
// port the lab's server starts on.
struct Preferences
{
    QString source = SocketSource::defaultName();
    int intervalMs = 500;
    quint16 defaultPort = 8000;
    // Where the lab makes its sockets: its own private network, whose wire is captured, or
    // this machine's.
    Network labNetwork = Network::Private;

    static Preferences load();
    void save() const;
};

class PreferencesDialog : public QDialog
{
    Q_OBJECT

public:
    explicit PreferencesDialog(const Preferences &current, QWidget *parent = nullptr);
    Preferences preferences() const;

private:
    QComboBox *m_source = nullptr;
    QSpinBox *m_interval = nullptr;
    QSpinBox *m_port = nullptr;
    QComboBox *m_network = nullptr;
};

} // namespace sockscope

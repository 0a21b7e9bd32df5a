// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/lab/scenariorunner.h"

#include <QWidget>

class QAction;
class QComboBox;
class QLabel;
class QListWidget;
class QTextBrowser;

namespace sockscope {

// Pick a scenario, read what it shows, and run it a step at a time or all at once. The runner
// does the work; the panel shows its steps, what each must produce, and what was seen.
class ScenarioPanel : public QWidget
{
    Q_OBJECT

public:
    explicit ScenarioPanel(ScenarioRunner *runner, QWidget *parent = nullptr);

    void setConfig(const ScenarioConfig &config) { m_config = config; }
    QString currentScenario() const;
    void selectScenario(const QString &name);

    QAction *stepAction() const { return m_step; }
    QAction *runAction() const { return m_run; }
    QAction *resetAction() const { return m_reset; }

Q_SIGNALS:
    // A scenario is about to be loaded: the lab will be reset.
    void loading();

protected:
    void changeEvent(QEvent *event) override;

public Q_SLOTS:
    void step();
    void runAll();
    void reset();

private:
    void ensureLoaded();
    void showScenario();
    void refresh();

    ScenarioRunner *m_runner;
    ScenarioConfig m_config;
    bool m_loaded = false;
    QComboBox *m_picker = nullptr;
    QTextBrowser *m_explanation = nullptr;
    QListWidget *m_steps = nullptr;
    QListWidget *m_expectations = nullptr;
    QLabel *m_status = nullptr;
    QAction *m_step = nullptr;
    QAction *m_run = nullptr;
    QAction *m_reset = nullptr;
    QList<int> m_stepResults; // per step: -1 not run, 0 timed out, 1 done
};

} // namespace sockscope

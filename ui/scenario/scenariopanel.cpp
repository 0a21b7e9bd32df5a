// SPDX-License-Identifier: GPL-3.0-or-later
#include "scenariopanel.h"

#include "core/lab/scenariocatalog.h"
#include "ui/theme/actionbutton.h"
#include "ui/theme/theme.h"

#include <QAction>
#include <QComboBox>
#include <QEvent>
#include <QHBoxLayout>
#include <QLabel>
#include <QListWidget>
#include <QStyle>
#include <QTextBrowser>
#include <QToolButton>
#include <QVBoxLayout>

namespace sockscope {

ScenarioPanel::ScenarioPanel(ScenarioRunner *runner, QWidget *parent) : QWidget(parent), m_runner(runner)
{
    setObjectName(QStringLiteral("scenarioPanel"));
    auto *layout = new QVBoxLayout(this);

    m_picker = new QComboBox(this);
    m_picker->setObjectName(QStringLiteral("scenarioPicker"));
    for (const Scenario &s : ScenarioCatalog::all())
        m_picker->addItem(s.title, s.name);
    // Titles are long; the panel shares a laptop screen's width with the table.
    m_picker->setSizeAdjustPolicy(QComboBox::AdjustToMinimumContentsLengthWithIcon);
    m_picker->setMinimumContentsLength(16);
    layout->addWidget(m_picker);

    m_explanation = new QTextBrowser(this);
    m_explanation->setObjectName(QStringLiteral("scenarioExplanation"));
    m_explanation->setOpenLinks(false);
    m_explanation->setMinimumHeight(110);
    layout->addWidget(m_explanation, 2);

    m_step = new QAction(style()->standardIcon(QStyle::SP_MediaSkipForward), tr("Step"), this);
    m_step->setObjectName(QStringLiteral("scenarioStepAction"));
    m_step->setShortcut(Qt::Key_F10);
    m_step->setToolTip(tr("Run the next step (F10)"));
    m_run = new QAction(style()->standardIcon(QStyle::SP_MediaPlay), tr("Run"), this);
    m_run->setObjectName(QStringLiteral("scenarioRunAction"));
    m_run->setShortcut(Qt::Key_F9);
    m_run->setToolTip(tr("Run every remaining step (F9)"));
    m_reset = new QAction(style()->standardIcon(QStyle::SP_MediaStop), tr("Reset"), this);
    m_reset->setObjectName(QStringLiteral("scenarioResetAction"));
    m_reset->setShortcut(QKeySequence(Qt::SHIFT | Qt::Key_F9));
    m_reset->setToolTip(tr("Stop, close every lab socket with RST, and start over (Shift+F9)"));
    for (QAction *a : {m_step, m_run, m_reset}) {
        a->setShortcutContext(Qt::WindowShortcut);
        addAction(a);
    }
    connect(m_step, &QAction::triggered, this, &ScenarioPanel::step);
    connect(m_run, &QAction::triggered, this, &ScenarioPanel::runAll);
    connect(m_reset, &QAction::triggered, this, &ScenarioPanel::reset);
    auto *buttons = new QHBoxLayout;
    buttons->addWidget(actionButton(m_step, this));
    buttons->addWidget(actionButton(m_run, this));
    buttons->addWidget(actionButton(m_reset, this));
    layout->addLayout(buttons);

    m_status = new QLabel(this);
    m_status->setObjectName(QStringLiteral("scenarioStatus"));
    m_status->setTextFormat(Qt::PlainText); // a failure names the process that holds a port
    m_status->setWordWrap(true);
    layout->addWidget(m_status);

    layout->addWidget(new QLabel(tr("Steps"), this));
    m_steps = new QListWidget(this);
    m_steps->setObjectName(QStringLiteral("scenarioSteps"));
    m_steps->setWordWrap(true);
    layout->addWidget(m_steps, 3);

    layout->addWidget(new QLabel(tr("What the kernel must show"), this));
    m_expectations = new QListWidget(this);
    m_expectations->setObjectName(QStringLiteral("scenarioExpectations"));
    layout->addWidget(m_expectations, 2);

    connect(m_picker, &QComboBox::currentIndexChanged, this, [this] {
        if (m_loaded)
            reset();
        showScenario();
    });
    connect(m_runner, &ScenarioRunner::stepStarted, this, &ScenarioPanel::refresh);
    connect(m_runner, &ScenarioRunner::stepFinished, this, [this](int index, bool met) {
        if (index >= 0 && index < m_stepResults.size())
            m_stepResults[index] = met ? 1 : 0;
        refresh();
    });
    connect(m_runner, &ScenarioRunner::expectationMet, this, &ScenarioPanel::refresh);
    connect(m_runner, &ScenarioRunner::finished, this, &ScenarioPanel::refresh);
    showScenario();
}

QString ScenarioPanel::currentScenario() const
{
    return m_picker->currentData().toString();
}

void ScenarioPanel::selectScenario(const QString &name)
{
    const int index = m_picker->findData(name);
    if (index >= 0)
        m_picker->setCurrentIndex(index);
}

void ScenarioPanel::showScenario()
{
    const Scenario *s = ScenarioCatalog::find(currentScenario());
    if (!s)
        return;
    m_explanation->setHtml(
        QStringLiteral("<p><b>%1</b></p><p>%2</p>").arg(s->title.toHtmlEscaped(), s->explanation.toHtmlEscaped())
        + (s->needsWire ? tr("<p><i>It loses or refuses segments on the lab's wire, which exists in the lab's private "
                             "network only (Lab → Private network).</i></p>")
                        : QString()));
    m_stepResults.clear();
    const QList<ScenarioStep> steps = s->steps(m_config);
    m_stepResults.fill(-1, steps.size());
    m_loaded = false;
    refresh();
}

void ScenarioPanel::ensureLoaded()
{
    if (m_loaded && !m_runner->isDone())
        return;
    const Scenario *s = ScenarioCatalog::find(currentScenario());
    if (!s)
        return;
    Q_EMIT loading();
    m_runner->load(*s, m_config);
    m_stepResults.fill(-1, m_runner->stepCount());
    m_loaded = true;
}

void ScenarioPanel::step()
{
    if (m_runner->status() == ScenarioRunner::Status::Waiting)
        return;
    ensureLoaded();
    m_runner->step();
    refresh();
}

void ScenarioPanel::runAll()
{
    ensureLoaded();
    m_runner->runAll(700);
    refresh();
}

void ScenarioPanel::reset()
{
    if (m_loaded)
        m_runner->stop();
    m_loaded = false;
    m_stepResults.fill(-1);
    refresh();
}

void ScenarioPanel::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange)
        refresh(); // item colours come from the palette
}

void ScenarioPanel::refresh()
{
    const Scenario *s = ScenarioCatalog::find(currentScenario());
    if (!s)
        return;
    const Theme theme(palette());
    const QList<ScenarioStep> steps = m_loaded ? QList<ScenarioStep>() : s->steps(m_config);
    const int count = m_loaded ? m_runner->stepCount() : int(steps.size());
    const bool running = m_loaded && m_runner->status() == ScenarioRunner::Status::Waiting;
    const int current = running ? m_runner->nextStep() - 1 : -1;

    m_steps->clear();
    for (int i = 0; i < count; ++i) {
        const QString description = m_loaded ? m_runner->stepAt(i).description : steps[i].description;
        QString mark = QStringLiteral("○");
        const int result = m_stepResults.value(i, -1);
        if (i == current)
            mark = QStringLiteral("▶");
        else if (result == 1)
            mark = QStringLiteral("✓");
        else if (result == 0)
            mark = QStringLiteral("✗");
        auto *item = new QListWidgetItem(QStringLiteral("%1  %2. %3").arg(mark).arg(i + 1).arg(description), m_steps);
        if (result == 0)
            item->setForeground(theme.failure());
        else if (result == 1)
            item->setForeground(theme.muted());
        if (i == current)
            m_steps->setCurrentItem(item);
    }

    m_expectations->clear();
    const QList<ScenarioRunner::Outcome> outcomes = m_loaded ? m_runner->outcomes() : QList<ScenarioRunner::Outcome>();
    const QList<Expectation> expected = m_loaded ? QList<Expectation>() : s->expectations(m_config);
    if (m_loaded) {
        for (const ScenarioRunner::Outcome &o : outcomes) {
            const bool never = o.expectation.kind == Expectation::Kind::NeverState;
            const bool done = m_runner->isDone();
            QString mark = o.met ? QStringLiteral("✓") : (done || never ? QStringLiteral("✗") : QStringLiteral("…"));
            if (never && !done)
                mark = o.met ? QStringLiteral("…") : QStringLiteral("✗");
            auto *item = new QListWidgetItem(mark + QStringLiteral("  ") + o.expectation.describe(), m_expectations);
            if (mark == QStringLiteral("✗"))
                item->setForeground(theme.failure());
        }
    } else {
        QStringList seen;
        for (const Expectation &e : expected) {
            if (seen.contains(e.describe()))
                continue;
            seen << e.describe();
            new QListWidgetItem(QStringLiteral("○  ") + e.describe(), m_expectations);
        }
    }

    QString status;
    if (!m_loaded) {
        status = tr("Ready: Step runs one call at a time, Run runs them all. Loading a scenario closes the lab's sockets.");
    } else {
        switch (m_runner->status()) {
        case ScenarioRunner::Status::Idle:
        case ScenarioRunner::Status::Ready:
            status = tr("Step %1 of %2 is next.").arg(m_runner->nextStep() + 1).arg(m_runner->stepCount());
            break;
        case ScenarioRunner::Status::Waiting:
            status = tr("Step %1: waiting for the kernel's table to show it.").arg(current + 1);
            break;
        case ScenarioRunner::Status::Finished:
            status = m_runner->missing().isEmpty() ? tr("Done: the kernel showed every expected state.")
                                                   : tr("Done, but not everything expected was seen (marked ✗).");
            break;
        case ScenarioRunner::Status::Failed:
            status = tr("Stopped: %1").arg(m_runner->failure());
            break;
        case ScenarioRunner::Status::Stopped:
            status = tr("Stopped; every lab socket was closed with RST.");
            break;
        }
    }
    m_status->setText(status);
    m_step->setEnabled(!running);
    m_run->setEnabled(!(m_loaded && m_runner->status() == ScenarioRunner::Status::Waiting));
    m_reset->setEnabled(m_loaded);
}

} // namespace sockscope

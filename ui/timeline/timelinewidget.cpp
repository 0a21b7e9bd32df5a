// SPDX-License-Identifier: GPL-3.0-or-later
#include "timelinewidget.h"

#include "timelinelegend.h"
#include "timelineview.h"

#include <QHBoxLayout>
#include <QToolButton>
#include <QVBoxLayout>

namespace sockscope {

namespace {

QToolButton *toolButton(QWidget *parent, const QString &objectName, const QString &text, const QString &toolTip)
{
    auto *button = new QToolButton(parent);
    button->setObjectName(objectName);
    button->setText(text);
    button->setToolTip(toolTip);
    button->setAutoRaise(true);
    button->setFocusPolicy(Qt::NoFocus); // keys belong to the view
    return button;
}

} // namespace

TimelineWidget::TimelineWidget(QWidget *parent)
    : QWidget(parent)
    , m_view(new TimelineView(this))
    , m_legend(new TimelineLegend(this))
{
    setObjectName(QStringLiteral("timeline"));
    m_view->setObjectName(QStringLiteral("timelineView"));

    auto *zoomOutButton = toolButton(this, QStringLiteral("timelineZoomOut"), QStringLiteral("−"), tr("Zoom out (−)"));
    auto *zoomInButton = toolButton(this, QStringLiteral("timelineZoomIn"), QStringLiteral("+"), tr("Zoom in (+, Ctrl+wheel)"));
    auto *fitButton = toolButton(this, QStringLiteral("timelineFit"), tr("Fit"), tr("Show the whole connection (0)"));
    m_followButton = toolButton(this, QStringLiteral("timelineFollowLive"), tr("Follow"),
                                tr("Keep the live edge in view (End)"));
    m_followButton->setCheckable(true);
    m_followButton->setChecked(m_view->followsLive());

    auto *header = new QHBoxLayout;
    header->setContentsMargins(4, 2, 4, 0);
    header->setSpacing(2);
    header->addWidget(m_legend, 1);
    header->addWidget(zoomOutButton);
    header->addWidget(zoomInButton);
    header->addWidget(fitButton);
    header->addWidget(m_followButton);

    auto *layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(0);
    layout->addLayout(header);
    layout->addWidget(m_view, 1);
    setFocusProxy(m_view);

    connect(zoomOutButton, &QToolButton::clicked, m_view, &TimelineView::zoomOut);
    connect(zoomInButton, &QToolButton::clicked, m_view, &TimelineView::zoomIn);
    connect(fitButton, &QToolButton::clicked, m_view, &TimelineView::zoomToFit);
    connect(m_followButton, &QToolButton::toggled, m_view, &TimelineView::setFollowLive);
    connect(m_view, &TimelineView::followLiveChanged, m_followButton, &QToolButton::setChecked);
    connect(m_view, &TimelineView::followLiveChanged, this, &TimelineWidget::followLiveChanged);
    connect(m_view, &TimelineView::zoomChanged, this, &TimelineWidget::zoomChanged);
    connect(m_view, &TimelineView::layoutChanged, this,
            [this] { m_legend->setSymbols(TimelineLegend::symbolsOf(m_view->currentLayout())); });
}

void TimelineWidget::setLanes(const QList<TimelineLane> &lanes, const QList<WireSegment> &wire)
{
    m_view->setLanes(lanes, wire);
}

void TimelineWidget::clear()
{
    m_view->clear();
}

void TimelineWidget::setNow(qint64 steadyNs)
{
    m_view->setNow(steadyNs);
}

void TimelineWidget::setFollowLive(bool follow)
{
    m_view->setFollowLive(follow);
}

bool TimelineWidget::followsLive() const
{
    return m_view->followsLive();
}

bool TimelineWidget::isLive() const
{
    return m_view->plan().isLive();
}

void TimelineWidget::zoomIn()
{
    m_view->zoomIn();
}

void TimelineWidget::zoomOut()
{
    m_view->zoomOut();
}

void TimelineWidget::zoomToFit()
{
    m_view->zoomToFit();
}

double TimelineWidget::pixelsPerSecond() const
{
    return m_view->pixelsPerSecond();
}

int TimelineWidget::laneCount() const
{
    return int(m_view->plan().lanes().size());
}

QList<TcpState> TimelineWidget::laneStates(int lane) const
{
    QList<TcpState> states;
    for (const TimelinePlan::Interval &in : m_view->plan().lanes().value(lane).intervals)
        states.append(in.state);
    return states;
}

int TimelineWidget::callMarkerCount(int lane) const
{
    return int(m_view->plan().lanes().value(lane).calls.size());
}

QStringList TimelineWidget::impliedSegments() const
{
    return m_view->plan().segmentTexts();
}

QStringList TimelineWidget::capturedSegments() const
{
    return m_view->plan().capturedTexts();
}

} // namespace sockscope

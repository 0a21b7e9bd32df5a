// SPDX-License-Identifier: GPL-3.0-or-later
#include "statediagramwidget.h"

#include "diagramlayout.h"
#include "diagramtheme.h"
#include "diagramview.h"
#include "legenditem.h"
#include "stateitem.h"
#include "tokenitem.h"
#include "transitionitem.h"
#include "transitionlabelitem.h"

#include "core/tcp/stateexplainer.h"
#include "ui/theme/theme.h"

#include <QEasingCurve>
#include <QEvent>
#include <QFontInfo>
#include <QGraphicsScene>
#include <QHBoxLayout>
#include <QSplitter>
#include <QTextBrowser>
#include <QVariantAnimation>

namespace sockscope {

namespace {

constexpr qreal minTravelMs = 450;
constexpr qreal maxTravelMs = 4000;
constexpr qreal sceneMargin = 10;

QString stateList(const QList<TcpState> &states, const QString &separator)
{
    QStringList names;
    for (TcpState s : states)
        names << kernelName(s);
    return names.join(separator);
}

} // namespace

StateDiagramWidget::StateDiagramWidget(QWidget *parent)
    : QWidget(parent)
    , m_theme(std::make_unique<DiagramTheme>(DiagramTheme::fromPalette(palette(), font())))
{
    setObjectName(QStringLiteral("stateDiagram"));

    m_scene = new QGraphicsScene(this);
    m_view = new DiagramView(m_scene, this);
    m_view->setObjectName(QStringLiteral("stateDiagramView"));

    m_explanation = new QTextBrowser(this);
    m_explanation->setObjectName(QStringLiteral("stateExplanation"));
    m_explanation->setOpenLinks(false);
    m_explanation->setMinimumWidth(120); // below the diagram in a narrow dock (sizePanel())
    m_explanation->setFrameShape(QFrame::NoFrame);
    scalePanelFont(1);

    m_splitter = new QSplitter(Qt::Horizontal, this);
    m_splitter->addWidget(m_view);
    m_splitter->addWidget(m_explanation);
    m_splitter->setStretchFactor(0, 1);
    m_splitter->setStretchFactor(1, 0);
    m_splitter->setChildrenCollapsible(false);
    auto *layout = new QHBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_splitter);
    connect(m_splitter, &QSplitter::splitterMoved, this, [this] { m_userSizedPanel = true; });
    connect(m_view, &DiagramView::scaleChanged, this, &StateDiagramWidget::scalePanelFont);

    m_animation = new QVariantAnimation(this);
    m_animation->setStartValue(0.0);
    m_animation->setEndValue(1.0);
    connect(m_animation, &QVariantAnimation::valueChanged, this, [this](const QVariant &value) {
        advanceTokens(value.toReal() * m_animation->duration());
    });
    connect(m_animation, &QVariantAnimation::finished, this, &StateDiagramWidget::finishAnimation);

    buildScene();
    applyTheme();
    refreshExplanation();
}

StateDiagramWidget::~StateDiagramWidget() = default;

void StateDiagramWidget::buildScene()
{
    for (int box = 0; box < DiagramLayout::boxCount; ++box) {
        auto *item = new StateItem(box, *m_theme);
        m_scene->addItem(item);
        m_stateItems.append(item);
    }
    for (int edge = 0; edge < DiagramLayout::edgeCount(); ++edge) {
        auto *arrow = new TransitionItem(edge, *m_theme);
        m_scene->addItem(arrow);
        m_transitionItems.append(arrow);
        auto *label = new TransitionLabelItem(edge, *m_theme);
        m_scene->addItem(label);
        m_labelItems.append(label);
    }
    m_legend = new LegendItem(*m_theme);
    m_scene->addItem(m_legend);
}

void StateDiagramWidget::applyTheme()
{
    m_applyingTheme = true;
    *m_theme = DiagramTheme::fromPalette(palette(), font());
    for (StateItem *item : std::as_const(m_stateItems))
        item->setTheme(*m_theme);
    for (TransitionItem *item : std::as_const(m_transitionItems))
        item->setTheme(*m_theme);
    for (TransitionLabelItem *item : std::as_const(m_labelItems))
        item->setTheme(*m_theme);
    for (const EndView &v : std::as_const(m_ends))
        v.token->setTheme(*m_theme);
    m_legend->setTheme(*m_theme);
    m_view->setBackgroundBrush(m_theme->background);
    // Its smallest labels never smaller than the application's small font: below that scale
    // the view scrolls, centred on the connection's state.
    m_view->setMinimumScale(qreal(Theme::smallFontPixels(font())) / m_theme->smallFont.pixelSize());

    // Tokens sit on box corners and labels may stick out of the boxes' area: fit all of it.
    QRectF bounds;
    for (QGraphicsItem *item : m_scene->items()) {
        if (item->type() != TokenItem::Type)
            bounds |= item->sceneBoundingRect();
    }
    const qreal r = TokenItem::radius + 3;
    m_scene->setSceneRect(bounds.adjusted(-sceneMargin - r, -sceneMargin - r, sceneMargin + r, sceneMargin));
    m_view->fitScene();
    refreshMarks();
    refreshExplanation();
    m_applyingTheme = false;
}

void StateDiagramWidget::changeEvent(QEvent *event)
{
    QWidget::changeEvent(event);
    if ((event->type() == QEvent::PaletteChange || event->type() == QEvent::FontChange) && m_scene && !m_applyingTheme)
        applyTheme();
}

void StateDiagramWidget::resizeEvent(QResizeEvent *event)
{
    QWidget::resizeEvent(event);
    sizePanel();
}

void StateDiagramWidget::sizePanel()
{
    if (m_userSizedPanel || width() <= 0)
        return;
    const QRectF scene = m_scene->sceneRect();
    // In a tall, narrow dock the explanation goes below the diagram, where it costs the diagram
    // nothing; in a wide one beside it.
    const qreal diagramHeight = width() * scene.height() / scene.width();
    // Too narrow for the whole diagram at a readable size beside the panel: the diagram
    // scrolls in any case, and takes the dock's whole width with the panel below it.
    const qreal readableWidth = scene.width() * m_view->minimumScale();
    if (width() < readableWidth + 240 && height() >= 360) {
        m_splitter->setOrientation(Qt::Vertical);
        const int panel = qMax(120, height() / 3);
        m_splitter->setSizes({height() - panel - m_splitter->handleWidth(), panel});
        return;
    }
    if (height() - diagramHeight >= 160) {
        m_splitter->setOrientation(Qt::Vertical);
        const int diagram = int(diagramHeight);
        m_splitter->setSizes({diagram, height() - diagram - m_splitter->handleWidth()});
        return;
    }
    m_splitter->setOrientation(Qt::Horizontal);
    // The diagram is limited by the height; the panel gets what the diagram cannot use, within
    // bounds that keep its lines readable.
    const qreal diagramWidth = height() * scene.width() / scene.height();
    const int upper = int(qMin(width() * 0.4, 560.0));
    const int lower = int(qMin(240.0, width() * 0.35));
    const int panel = qBound(lower, int(width() - diagramWidth), qMax(lower, upper));
    m_splitter->setSizes({width() - panel - m_splitter->handleWidth(), panel});
}

void StateDiagramWidget::scalePanelFont(qreal viewScale)
{
    // The panel's text grows with the diagram, so on a projector both read from the same
    // distance; never smaller than the desktop's own font.
    QFont f = font();
    const qreal desktop = QFontInfo(f).pixelSize() * 1.1;
    f.setPixelSize(int(qMax(desktop, m_theme->labelFont.pixelSize() * viewScale * 1.1)));
    if (f != m_explanation->font())
        m_explanation->setFont(f);
}

int StateDiagramWidget::restingBox(const StateWalk &walk) const
{
    const QList<TcpTransition> &all = TcpStateMachine::transitions();
    if (!walk.steps.isEmpty() && all[walk.steps.last().transition].to == walk.current)
        return DiagramLayout::toBox(walk.steps.last().transition);
    return DiagramLayout::boxOf(walk.current);
}

void StateDiagramWidget::showConnection(const QList<End> &ends)
{
    bool sameConnection = !ends.isEmpty() && ends.size() == m_ends.size();
    for (qsizetype i = 0; sameConnection && i < ends.size(); ++i)
        sameConnection = ends[i].history.id == m_ends[i].end.history.id
            && ends[i].clientSide == m_ends[i].end.clientSide;

    stopAnimation();
    if (!sameConnection) {
        for (const EndView &v : std::as_const(m_ends))
            delete v.token; // QGraphicsItem's destructor takes it out of the scene
        m_ends.clear();
    }

    qreal longest = 0;
    for (qsizetype i = 0; i < ends.size(); ++i) {
        const End &end = ends[i];
        QList<StateWalk::Change> proven;
        for (const PacketTransition &t : end.packets)
            proven.append({t.from, t.to});
        const StateWalk walk = StateWalk::ofHistory(end.history, end.clientSide, proven);
        const int box = restingBox(walk);
        if (!sameConnection) {
            EndView v;
            v.end = end;
            v.walk = walk;
            v.box = box;
            v.token = new TokenItem(end.clientSide, *m_theme);
            v.token->setPos(DiagramLayout::tokenPoint(box, end.clientSide));
            m_scene->addItem(v.token);
            m_ends.append(v);
            continue;
        }

        EndView &v = m_ends[i];
        // Usually the old walk is the beginning of the new one: the token goes on from there.
        QList<int> edges;
        const QList<StateWalk::Step> &oldSteps = v.walk.steps;
        if (walk.steps.mid(0, oldSteps.size()) == oldSteps) {
            for (qsizetype s = oldSteps.size(); s < walk.steps.size(); ++s)
                edges.append(walk.steps[s].transition);
        } else {
            for (const TcpTransition &t : TcpStateMachine::shortestPath(v.walk.current, walk.current))
                edges.append(int(TcpStateMachine::transitions().indexOf(t)));
        }
        const int fromBox = v.box;
        v.end = end;
        v.walk = walk;
        v.box = box;
        if (edges.isEmpty() && fromBox == box)
            continue;
        v.route = DiagramLayout::tokenRoute(fromBox, edges, end.clientSide);
        v.durationMs = qBound(minTravelMs, v.route.length() / m_tokenSpeed * 1000, maxTravelMs);
        v.arrived = false;
        longest = qMax(longest, v.durationMs);
    }

    refreshMarks();
    refreshExplanation();
    // Where the view cannot show all of the diagram, it keeps the ends' states in sight.
    QRectF focus;
    for (const EndView &v : std::as_const(m_ends))
        focus |= DiagramLayout::boxRect(v.box);
    m_view->setFocusRect(focus);
    if (longest > 0) {
        m_animation->setDuration(int(longest));
        m_animation->start();
    }
}

void StateDiagramWidget::clear()
{
    stopAnimation();
    for (const EndView &v : std::as_const(m_ends))
        delete v.token;
    m_ends.clear();
    refreshMarks();
    refreshExplanation();
}

void StateDiagramWidget::stopAnimation()
{
    if (m_animation->state() == QAbstractAnimation::Stopped)
        return;
    // Stopping does not emit finished(): the tokens jump to where they were going, silently.
    m_animation->stop();
    for (EndView &v : m_ends) {
        v.token->setPos(DiagramLayout::tokenPoint(v.box, v.end.clientSide));
        v.arrived = true;
        v.route = QPainterPath();
    }
}

void StateDiagramWidget::advanceTokens(qreal elapsedMs)
{
    static const QEasingCurve easing(QEasingCurve::InOutSine);
    for (EndView &v : m_ends) {
        if (v.arrived || v.route.isEmpty())
            continue;
        const qreal progress = qMin(1.0, elapsedMs / v.durationMs);
        v.token->setPos(v.route.pointAtPercent(easing.valueForProgress(progress)));
    }
}

void StateDiagramWidget::finishAnimation()
{
    for (EndView &v : m_ends) {
        v.token->setPos(DiagramLayout::tokenPoint(v.box, v.end.clientSide));
        v.arrived = true;
        v.route = QPainterPath();
    }
    refreshMarks();
    Q_EMIT animationFinished();
}

void StateDiagramWidget::refreshMarks()
{
    QList<QList<DiagramMark>> boxMarks(DiagramLayout::boxCount);
    QList<QList<DiagramMark>> edgeMarks(DiagramLayout::edgeCount());
    for (const EndView &v : std::as_const(m_ends)) {
        const QColor colour = m_theme->endColour(v.end.clientSide);
        QList<DiagramMark::Kind> kinds(DiagramLayout::boxCount, DiagramMark::Kind::Observed);
        QList<bool> touched(DiagramLayout::boxCount, false);
        const auto touch = [&](int box, DiagramMark::Kind kind) {
            // Observed wins over implied where a box is both (a walk can pass a box twice).
            if (!touched[box] || kind != DiagramMark::Kind::Implied)
                kinds[box] = kind;
            touched[box] = true;
        };
        const auto kindOf = [&](TcpState s) {
            if (v.walk.observed.contains(s))
                return DiagramMark::Kind::Observed;
            return v.walk.timedByPacket.contains(s) ? DiagramMark::Kind::ByPacket : DiagramMark::Kind::Implied;
        };
        touch(DiagramLayout::boxOf(v.walk.start), kindOf(v.walk.start));
        for (const StateWalk::Step &step : v.walk.steps) {
            const int to = DiagramLayout::toBox(step.transition);
            touch(to, kindOf(DiagramLayout::stateOfBox(to)));
            edgeMarks[step.transition].append(
                {colour, step.observed ? DiagramMark::Kind::Observed
                                       : step.byPacket ? DiagramMark::Kind::ByPacket : DiagramMark::Kind::Implied});
        }
        touch(v.box, kindOf(v.walk.current));
        if (v.arrived)
            kinds[v.box] = DiagramMark::Kind::Current;
        for (int box = 0; box < DiagramLayout::boxCount; ++box) {
            if (touched[box])
                boxMarks[box].append({colour, kinds[box]});
        }
    }
    for (int box = 0; box < DiagramLayout::boxCount; ++box)
        m_stateItems[box]->setMarks(boxMarks[box]);
    for (int edge = 0; edge < DiagramLayout::edgeCount(); ++edge)
        m_transitionItems[edge]->setMarks(edgeMarks[edge]);
}

QString StateDiagramWidget::endHtml(const EndView &v) const
{
    const ConnectionHistory &h = v.end.history;
    const QString muted = m_theme->mutedText.name();
    QString html = QStringLiteral("<p style='margin-top:6px; margin-bottom:0'><span style='color:%1; font-size:x-large'>"
                                  "&#9679;</span> <b>%2</b></p>")
                       .arg(m_theme->endColour(v.end.clientSide).name(), v.end.label.toHtmlEscaped());
    html += QStringLiteral("<p style='margin-top:0; color:%1'>%2 &#8594; %3</p>")
                .arg(muted, h.latest.local.toString().toHtmlEscaped(), h.latest.remote.toString().toHtmlEscaped());

    if (!h.alive) {
        html += QStringLiteral("<p style='font-size:x-large; margin-bottom:0'><b>CLOSED</b></p>"
                               "<p style='margin-top:0; color:%1'>gone from the kernel's table</p>")
                    .arg(muted);
        html += QStringLiteral("<p>The kernel no longer lists this connection: it has ended. It was last seen in "
                               "%1; the way from there to CLOSED is drawn as passed, not observed.</p>")
                    .arg(kernelName(h.state()));
    } else {
        const StateSpan &span = h.spans.last();
        const qint64 seenMs = (span.lastSeenNs - span.firstSeenNs) / 1000000;
        html += QStringLiteral("<p style='font-size:x-large; margin-bottom:0'><b>%1</b></p>"
                               "<p style='margin-top:0; color:%2'>seen by %3 poll%4 over %5</p>")
                    .arg(kernelName(h.state()), muted)
                    .arg(span.polls)
                    .arg(span.polls == 1 ? QString() : QStringLiteral("s"), StateExplainer::formatDuration(seenMs));
        html += QStringLiteral("<p>%1</p>").arg(StateExplainer::explain(h.latest).toHtmlEscaped());
    }

    QStringList seen;
    for (const StateSpan &s : h.spans)
        seen << kernelName(s.state);
    html += QStringLiteral("<p style='color:%1'>Seen by the polls: %2").arg(muted, seen.join(QStringLiteral(" &#8594; ")));
    if (!v.walk.timedByPacket.isEmpty()) {
        // How long each lasted, from the segment that moved the end into it to the one that
        // moved it on.
        QStringList timed;
        for (TcpState state : v.walk.timedByPacket) {
            QString text = kernelName(state);
            for (qsizetype i = 0; i < v.end.packets.size(); ++i) {
                if (v.end.packets[i].to != state)
                    continue;
                if (i + 1 < v.end.packets.size())
                    text += QStringLiteral(" %1").arg(StateExplainer::formatPreciseDuration(v.end.packets[i + 1].atNs - v.end.packets[i].atNs));
                break;
            }
            timed << text.toHtmlEscaped();
        }
        html += QStringLiteral("<br>Timed by packet: %1").arg(timed.join(QStringLiteral(", ")));
    }
    if (!v.walk.passedNotObserved.isEmpty())
        html += QStringLiteral("<br>Passed, not observed: %1").arg(stateList(v.walk.passedNotObserved, QStringLiteral(", ")));
    return html + QStringLiteral("</p>");
}

void StateDiagramWidget::refreshExplanation()
{
    if (m_ends.isEmpty()) {
        m_explanation->setHtml(
            QStringLiteral("<p style='color:%1'>Select a connection to follow its ends through the TCP states.</p>")
                .arg(m_theme->mutedText.name()));
        return;
    }
    QString html;
    for (const EndView &v : std::as_const(m_ends))
        html += endHtml(v);
    m_explanation->setHtml(html);
}

std::optional<TcpState> StateDiagramWidget::highlightedState(int endIndex) const
{
    if (endIndex < 0 || endIndex >= m_ends.size())
        return std::nullopt;
    return m_ends[endIndex].walk.current;
}

QList<TcpState> StateDiagramWidget::observedStates(int endIndex) const
{
    if (endIndex < 0 || endIndex >= m_ends.size())
        return {};
    return m_ends[endIndex].walk.observed;
}

QList<TcpState> StateDiagramWidget::timedByPacketStates(int endIndex) const
{
    if (endIndex < 0 || endIndex >= m_ends.size())
        return {};
    return m_ends[endIndex].walk.timedByPacket;
}

QList<TcpState> StateDiagramWidget::passedNotObservedStates(int endIndex) const
{
    if (endIndex < 0 || endIndex >= m_ends.size())
        return {};
    return m_ends[endIndex].walk.passedNotObserved;
}

bool StateDiagramWidget::isAnimating() const
{
    return m_animation->state() == QAbstractAnimation::Running;
}

QGraphicsScene *StateDiagramWidget::scene() const
{
    return m_scene;
}

StateItem *StateDiagramWidget::stateItem(TcpState state) const
{
    return m_stateItems.value(DiagramLayout::boxOf(state));
}

StateItem *StateDiagramWidget::currentItem(int endIndex) const
{
    if (endIndex < 0 || endIndex >= m_ends.size())
        return nullptr;
    return m_stateItems.value(m_ends[endIndex].box);
}

TransitionItem *StateDiagramWidget::transitionItem(int edge) const
{
    return m_transitionItems.value(edge);
}

QList<int> StateDiagramWidget::walkedEdges(int endIndex) const
{
    QList<int> out;
    if (endIndex < 0 || endIndex >= m_ends.size())
        return out;
    for (const StateWalk::Step &s : m_ends[endIndex].walk.steps)
        out.append(s.transition);
    return out;
}

QPointF StateDiagramWidget::tokenPosition(int endIndex) const
{
    if (endIndex < 0 || endIndex >= m_ends.size())
        return {};
    return m_ends[endIndex].token->pos();
}

QString StateDiagramWidget::explanationText() const
{
    return m_explanation->toPlainText();
}

void StateDiagramWidget::setTokenSpeed(qreal unitsPerSecond)
{
    m_tokenSpeed = qMax(1.0, unitsPerSecond);
}

} // namespace sockscope

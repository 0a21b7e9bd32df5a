// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include "core/capture/packetstates.h"

#include "core/tcp/statewalk.h"
#include "core/tracking/connectionhistory.h"

#include <QHash>
#include <QList>
#include <QPainterPath>
#include <QString>
#include <QWidget>

#include <memory>
#include <optional>

class QGraphicsScene;
class QSplitter;
class QTextBrowser;
class QVariantAnimation;

namespace sockscope {

class DiagramView;
class LegendItem;
class StateItem;
class TokenItem;
class TransitionItem;
class TransitionLabelItem;
struct DiagramTheme;

// The RFC 9293 state diagram with one connection on it, and beside it what its ends' states
// mean with the facts the kernel reports.
//
// Each end is a token in its own colour (client end, server end) resting on its current state.
// States some poll saw are drawn solid in the end's colour; states the end must have passed
// between two polls (or before the first, or after it vanished) are drawn dashed, as passed,
// not observed (see StateWalk), unless a captured segment proves them: those are hatched, as
// timed by packet, and the panel says how long each lasted. When a newer history of the same connection comes, each token
// travels along the RFC arrows from its old state to its new one.
class StateDiagramWidget : public QWidget
{
    Q_OBJECT

public:
    struct End
    {
        ConnectionHistory history; // a copy; the widget keeps no pointers into the tracker
        QString label;             // "client #1", "accepted #1", "127.0.0.1:8000"...
        bool clientSide = true;    // client end colour vs server end colour; also decides the
                                   // implied start (CLOSED for a client, LISTEN for a server end)
        // What captured segments prove of this end (Session::packetTransitionsOf()), on the
        // histories' clock: states no poll saw are drawn as timed by packet, with how long
        // they lasted. Empty without a capture.
        QList<PacketTransition> packets;
    };

    explicit StateDiagramWidget(QWidget *parent = nullptr);
    ~StateDiagramWidget() override;

    // Shows one connection (one or two ends). Called again with newer histories of the same
    // ends (same history.id), it animates each end's token from its previous state to the new
    // one along the RFC path (TcpStateMachine::shortestPath), through the states between.
    // Called with other ids, it switches without animation.
    void showConnection(const QList<End> &ends);
    void clear();

    // For tests and for integration:
    std::optional<TcpState> highlightedState(int endIndex) const; // the end's current state
    QList<TcpState> observedStates(int endIndex) const;           // states some poll saw
    QList<TcpState> passedNotObservedStates(int endIndex) const;  // implied by the path, never seen
    QList<TcpState> timedByPacketStates(int endIndex) const;      // never seen, proven by a segment
    bool isAnimating() const;
    QGraphicsScene *scene() const;

    int endCount() const { return int(m_ends.size()); }
    // The box of a state (the upper CLOSED box for Close); its data(0) is the kernel name.
    StateItem *stateItem(TcpState state) const;
    // The box an end's token rests on now or, while it travels, is travelling to.
    StateItem *currentItem(int endIndex) const;
    TransitionItem *transitionItem(int edge) const;
    // The arrows an end took, in order (indices into TcpStateMachine::transitions()).
    QList<int> walkedEdges(int endIndex) const;
    QPointF tokenPosition(int endIndex) const;
    QString explanationText() const; // the panel's plain text

    // How fast tokens travel, in scene units per second (the diagram is about 1000 wide).
    void setTokenSpeed(qreal unitsPerSecond);

Q_SIGNALS:
    void animationFinished();

protected:
    void changeEvent(QEvent *event) override;
    void resizeEvent(QResizeEvent *event) override;

private:
    struct EndView
    {
        End end;
        StateWalk walk;
        int box = 0;               // where the token rests or is going
        TokenItem *token = nullptr; // owned by the scene
        QPainterPath route;        // while travelling
        qreal durationMs = 0;
        bool arrived = true;
    };

    void buildScene();
    void sizePanel();
    void scalePanelFont(qreal viewScale);
    void applyTheme();
    void refreshMarks();
    void refreshExplanation();
    void stopAnimation();
    void advanceTokens(qreal elapsedMs);
    void finishAnimation();
    int restingBox(const StateWalk &walk) const;
    QString endHtml(const EndView &view) const;

    QGraphicsScene *m_scene = nullptr;
    DiagramView *m_view = nullptr;
    QTextBrowser *m_explanation = nullptr;
    QSplitter *m_splitter = nullptr;
    QVariantAnimation *m_animation = nullptr;
    LegendItem *m_legend = nullptr;
    QList<StateItem *> m_stateItems;            // by box
    QList<TransitionItem *> m_transitionItems;  // by edge
    QList<TransitionLabelItem *> m_labelItems;  // by edge
    QList<EndView> m_ends;
    std::unique_ptr<DiagramTheme> m_theme;
    qreal m_tokenSpeed = 520;
    bool m_applyingTheme = false;
    bool m_userSizedPanel = false; // after the user drags the splitter, the widget leaves it be
};

} // namespace sockscope

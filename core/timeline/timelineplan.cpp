// SPDX-License-Identifier: GPL-3.0-or-later
#include "timelineplan.h"

#include "core/capture/packetstates.h"
#include "core/capture/segmenttext.h"

#include <QQueue>

#include <array>
#include <algorithm>
#include <limits>

namespace sockscope {

namespace {

struct Step
{
    TcpTransition transition;
    TimelinePlan::Change change;
};

QQueue<Step> stepsOf(const QList<TimelinePlan::Change> &changes)
{
    QQueue<Step> steps;
    for (const TimelinePlan::Change &c : changes) {
        for (const TcpTransition &t : c.path)
            steps.enqueue({t, c});
    }
    return steps;
}

// The lane whose end has `key`: a segment's keys are those of the private network's rows, and
// a dual-stack socket's row names an IPv4 peer ::ffff:a.b.c.d where the frame carries IPv4.
int laneOfKey(const QList<TimelineLane> &lanes, const ConnectionKey &key)
{
    for (int i = 0; i < lanes.size(); ++i) {
        const ConnectionKey &k = lanes[i].history.key;
        if (k.network == key.network && k.local.unmapped() == key.local.unmapped()
            && k.remote.unmapped() == key.remote.unmapped())
            return i;
    }
    return -1;
}

// True when `a` certainly happened before `b`: a's window closed before b's opened.
bool surelyBefore(const Step &a, const Step &b)
{
    return a.change.windowEndNs <= b.change.windowStartNs && b.change.windowEndNs > a.change.windowStartNs;
}

} // namespace

bool TimelinePlan::isLive() const
{
    return std::any_of(m_lanes.cbegin(), m_lanes.cend(), [](const Lane &l) { return l.alive; });
}

QStringList TimelinePlan::segmentTexts() const
{
    QStringList out;
    for (const Segment &s : m_segments) {
        out.append(m_lanes.value(s.fromLane).label + QStringLiteral(" -> ") + m_lanes.value(s.toLane).label
                   + QStringLiteral(": ") + tcpFlagsText(s.flags));
    }
    return out;
}

QStringList TimelinePlan::capturedTexts() const
{
    QStringList out;
    for (const Captured &c : m_captured) {
        out.append(m_lanes.value(c.fromLane).label + QStringLiteral(" -> ") + m_lanes.value(c.toLane).label
                   + QStringLiteral(": ") + capturedLabel(c.wire));
    }
    return out;
}

QString TimelinePlan::capturedLabel(const WireSegment &wire)
{
    return capturedLabels(wire).first();
}

QStringList TimelinePlan::capturedLabels(const WireSegment &wire)
{
    const sockscope::Segment &s = wire.segment; // the wire's, not the implied kind
    const QString flags = s.flagsText();
    const QString length = s.payloadLength > 0 ? QStringLiteral(" len=") + QString::number(s.payloadLength) : QString();
    const QString repeat = wire.repeat.isRepeat() ? QStringLiteral(" (") + wire.repeat.shortText() + QLatin1Char(')') : QString();
    QStringList out = {SegmentText::label(s, wire.bases) + repeat};
    if (!repeat.isEmpty())
        out << SegmentText::label(s, wire.bases); // the repeat's words go first when room is short
    if (!length.isEmpty())
        out << flags + length << length.mid(1); // what was sent matters more than its flags
    if (out.first() != flags)
        out.append(flags);
    return out;
}

QList<TimelinePlan::Interval> TimelinePlan::intervalsOf(const ConnectionHistory &history, qint64 nowNs)
{
    QList<Interval> out;
    const QList<StateSpan> &spans = history.spans;
    for (qsizetype i = 0; i < spans.size(); ++i) {
        const StateSpan &s = spans[i];
        Interval in;
        in.state = s.state;
        in.startNs = s.firstSeenNs;
        in.enteredAfterNs = i > 0 ? spans[i - 1].lastSeenNs : s.firstSeenNs;
        in.polls = s.polls;
        in.firstSeenWallMs = s.firstSeenWallMs;
        in.lastSeenWallMs = s.lastSeenWallMs;
        if (i + 1 < spans.size()) {
            in.endNs = spans[i + 1].firstSeenNs;
        } else if (history.alive) {
            in.live = true;
            in.endNs = std::max(nowNs, s.lastSeenNs);
        } else {
            in.endNs = history.vanishedNs > 0 ? std::max(history.vanishedNs, s.lastSeenNs) : s.lastSeenNs;
        }
        out.append(in);
    }
    return out;
}

qint64 TimelinePlan::estimatePollIntervalNs(const QList<ConnectionHistory> &histories)
{
    QList<qint64> gaps;
    for (const ConnectionHistory &h : histories) {
        for (qsizetype i = 0; i < h.spans.size(); ++i) {
            const StateSpan &s = h.spans[i];
            if (s.polls >= 2)
                gaps.append((s.lastSeenNs - s.firstSeenNs) / (s.polls - 1));
            if (i > 0)
                gaps.append(s.firstSeenNs - h.spans[i - 1].lastSeenNs);
        }
        if (!h.alive && h.vanishedNs > 0 && !h.spans.isEmpty())
            gaps.append(h.vanishedNs - h.spans.last().lastSeenNs);
    }
    gaps.removeIf([](qint64 g) { return g <= 0; });
    if (gaps.isEmpty())
        return 0;
    // The median: one slow poll (a busy machine) must not widen every window.
    std::nth_element(gaps.begin(), gaps.begin() + gaps.size() / 2, gaps.end());
    return gaps[gaps.size() / 2];
}

QList<TimelinePlan::Change> TimelinePlan::changesOf(const TimelineLane &lane, int laneIndex, qint64 pollIntervalNs)
{
    QList<Change> out;
    const QList<StateSpan> &spans = lane.history.spans;
    if (spans.isEmpty())
        return out;

    const StateWalk walk = StateWalk::ofHistory(lane.history, lane.clientSide);
    for (const StateWalk::Leg &leg : walk.legs) {
        Change c;
        c.lane = laneIndex;
        c.from = leg.from;
        c.to = leg.to;
        c.path = walk.transitionsOf(leg);
        switch (leg.kind) {
        case StateWalk::Leg::Kind::ImpliedStart: {
            // The poll before the first sighting is not recorded, so its window is one typical
            // poll interval long; the end's own connect() bounds it too, since nothing happens
            // before that.
            const StateSpan &first = spans.first();
            c.windowEndNs = first.firstSeenNs;
            c.windowStartNs = first.firstSeenNs - pollIntervalNs;
            for (const LabCall &call : lane.calls) {
                if (call.kind == LabCall::Kind::Connect && !call.asynchronous && call.steadyNs <= first.firstSeenNs)
                    c.windowStartNs = std::max(c.windowStartNs, call.steadyNs);
            }
            c.impliedStart = true;
            break;
        }
        case StateWalk::Leg::Kind::Observed:
            c.windowStartNs = spans[leg.fromIndex].lastSeenNs;
            c.windowEndNs = spans[leg.toIndex].firstSeenNs;
            break;
        case StateWalk::Leg::Kind::ImpliedEnd:
            c.windowStartNs = spans.last().lastSeenNs;
            c.windowEndNs = std::max(lane.history.vanishedNs, spans.last().lastSeenNs);
            c.impliedEnd = true;
            break;
        }
        out.append(c);
    }
    return out;
}

QList<TimelinePlan::Segment> TimelinePlan::impliedSegments(const QList<Change> &first, const QList<Change> &second)
{
    std::array<QQueue<Step>, 2> steps = {stepsOf(first), stepsOf(second)};
    std::array<int, 2> inFlight = {0, 0}; // segments sent to each end and not yet received
    QList<Segment> out;

    const auto ready = [&](int lane) {
        return !steps[lane].head().transition.isReceive() || inFlight[lane] > 0;
    };
    const auto choose = [&]() -> int {
        if (steps[0].isEmpty())
            return 1;
        if (steps[1].isEmpty())
            return 0;
        const Step &a = steps[0].head();
        const Step &b = steps[1].head();
        if (surelyBefore(a, b))
            return 0;
        if (surelyBefore(b, a))
            return 1;
        if (ready(0) != ready(1))
            return ready(0) ? 0 : 1;
        if (ready(0)) {
            // Both can go: let the receiving step consume what is in flight first, so that a
            // reply is drawn after the segment it answers.
            if (a.transition.isReceive() != b.transition.isReceive())
                return a.transition.isReceive() ? 0 : 1;
            return b.change.windowStartNs < a.change.windowStartNs ? 1 : 0;
        }
        // Neither can go: a segment we cannot see (the other end's history starts too late).
        return b.change.windowEndNs < a.change.windowEndNs ? 1 : 0;
    };

    while (!steps[0].isEmpty() || !steps[1].isEmpty()) {
        const int lane = choose();
        const Step step = steps[lane].dequeue();
        if (step.transition.isReceive() && inFlight[lane] > 0)
            --inFlight[lane];
        if (!step.transition.sends())
            continue;
        Segment s;
        s.fromLane = lane;
        s.toLane = 1 - lane;
        s.flags = step.transition.sent;
        s.transition = step.transition;
        s.change = step.change;
        out.append(s);
        ++inFlight[1 - lane];
    }
    return out;
}

TimelinePlan TimelinePlan::build(const QList<TimelineLane> &lanes, qint64 nowNs, const QList<WireSegment> &wire)
{
    TimelinePlan plan;
    QList<ConnectionHistory> histories;
    for (const TimelineLane &l : lanes)
        histories.append(l.history);
    plan.m_pollIntervalNs = estimatePollIntervalNs(histories);

    qint64 origin = std::numeric_limits<qint64>::max();
    qint64 end = std::numeric_limits<qint64>::min();
    QList<QList<Change>> changes;
    for (int i = 0; i < lanes.size(); ++i) {
        const TimelineLane &in = lanes[i];
        Lane lane;
        lane.label = in.label;
        lane.clientSide = in.clientSide;
        lane.endpoints = in.history.latest.local.toString() + QStringLiteral(" → ")
            + in.history.latest.remote.toString();
        lane.intervals = intervalsOf(in.history, nowNs);
        lane.calls = in.calls;
        std::stable_sort(lane.calls.begin(), lane.calls.end(),
                         [](const LabCall &a, const LabCall &b) { return a.steadyNs < b.steadyNs; });
        lane.alive = in.history.alive && !in.history.spans.isEmpty();
        lane.vanishedNs = in.history.alive ? 0 : in.history.vanishedNs;
        for (const Interval &iv : std::as_const(lane.intervals)) {
            origin = std::min(origin, iv.startNs);
            end = std::max(end, iv.endNs);
        }
        for (const LabCall &c : std::as_const(lane.calls)) {
            origin = std::min(origin, c.steadyNs);
            end = std::max(end, c.steadyNs);
        }
        plan.m_lanes.append(lane);
        changes.append(changesOf(in, i, plan.m_pollIntervalNs));
        plan.m_changes += changes.last();
    }
    // A server end's handshake answers the client's SYN, so it cannot have started before the
    // client's own window did (its window is only a poll-interval guess).
    if (changes.size() >= 2) {
        for (int i = 0; i < 2; ++i) {
            const int other = 1 - i;
            if (lanes[i].clientSide || !lanes[other].clientSide || changes[i].isEmpty() || changes[other].isEmpty())
                continue;
            Change &mine = changes[i].first();
            const Change &theirs = changes[other].first();
            if (mine.impliedStart && theirs.impliedStart)
                mine.windowStartNs = std::min(std::max(mine.windowStartNs, theirs.windowStartNs), mine.windowEndNs);
        }
        plan.m_changes.clear();
        for (const QList<Change> &c : std::as_const(changes))
            plan.m_changes += c;
    }
    // The first state began unseen, somewhere in its implied start's window.
    for (const Change &c : std::as_const(plan.m_changes)) {
        if (!c.impliedStart)
            continue;
        Interval &first = plan.m_lanes[c.lane].intervals.first();
        if (c.windowStartNs < first.startNs)
            first.enteredAfterNs = c.windowStartNs;
        origin = std::min(origin, c.windowStartNs);
    }
    // Only the segments between two ends on screen: with one lane there is no ladder.
    for (const WireSegment &w : wire) {
        const int from = laneOfKey(lanes, w.senderKey());
        const int to = laneOfKey(lanes, w.receiverKey());
        if (from < 0 || to < 0 || from == to)
            continue;
        plan.m_captured.append({from, to, w});
        origin = std::min(origin, w.steadyNs);
        end = std::max(end, w.steadyNs);
    }
    std::stable_sort(plan.m_captured.begin(), plan.m_captured.end(),
                     [](const Captured &a, const Captured &b) { return a.steadyNs() < b.steadyNs(); });
    // What the captured segments prove of each end that no poll saw: timed by packet.
    for (int i = 0; i < lanes.size() && !plan.m_captured.isEmpty(); ++i) {
        Lane &lane = plan.m_lanes[i];
        QList<sockscope::Segment> segments;
        QList<const WireSegment *> sources;
        QList<bool> stopped;
        for (const Captured &c : std::as_const(plan.m_captured)) {
            if (c.fromLane != i && c.toLane != i)
                continue;
            segments.append(c.wire.segment);
            segments.last().timestampNs = c.wire.steadyNs;
            sources.append(&c.wire);
            stopped.append(c.wire.wasStopped());
        }
        const QList<PacketTransition> proven =
            PacketStates::of(segments, lanes[i].history.key.local, StateWalk::impliedStart(lanes[i].clientSide), stopped);
        const auto seen = [&lane](TcpState state) {
            return std::any_of(lane.intervals.cbegin(), lane.intervals.cend(),
                               [state](const Interval &iv) { return iv.state == state; });
        };
        const auto why = [&sources](const PacketTransition &t) {
            const WireSegment &w = *sources[t.segment];
            const QString line = SegmentText::line(w.segment, w.bases);
            return t.sent ? QStringLiteral("it sent %1").arg(line) : QStringLiteral("%1 from %2").arg(line, w.sender);
        };
        for (qsizetype k = 0; k + 1 < proven.size(); ++k) {
            const TcpState state = proven[k].to;
            if (seen(state) || state == TcpState::Close)
                continue;
            lane.packetSpans.append({state, proven[k].atNs, proven[k + 1].atNs, why(proven[k]), why(proven[k + 1])});
        }
    }
    if (origin > end) {
        origin = end = nowNs;
    }
    plan.m_originNs = origin;
    plan.m_endNs = end;

    if (lanes.size() >= 2) {
        plan.m_segments = impliedSegments(changes[0], changes[1]);
        // What the wire shows is not guessed at: with the SYN that opened the connection
        // captured, nothing is implied. A capture that began later (or lost its oldest
        // segments to its bound) leaves implied only the changes that were over before its
        // first segment. Not those the first segment's poll saw: a poll's time is when it
        // began, and the kernel may have answered it after the segment went.
        if (!plan.m_captured.isEmpty()) {
            const bool opened = std::any_of(plan.m_captured.cbegin(), plan.m_captured.cend(), [](const Captured &c) {
                return c.wire.segment.has(SegmentFlag::Syn) && !c.wire.segment.has(SegmentFlag::Ack);
            });
            const qint64 firstCaptured = plan.m_captured.first().steadyNs();
            plan.m_segments.removeIf([opened, firstCaptured](const Segment &s) {
                return opened || s.change.windowEndNs >= firstCaptured;
            });
        }
    }

    for (int i = 0; i < plan.m_segments.size(); ++i) {
        Segment &s = plan.m_segments[i];
        if (plan.m_exchanges.isEmpty() || s.change.windowStartNs > plan.m_exchanges.last().windowEndNs) {
            Exchange e;
            e.windowStartNs = s.change.windowStartNs;
            e.windowEndNs = s.change.windowEndNs;
            e.firstSegment = i;
            plan.m_exchanges.append(e);
        }
        Exchange &e = plan.m_exchanges.last();
        e.windowStartNs = std::min(e.windowStartNs, s.change.windowStartNs);
        e.windowEndNs = std::max(e.windowEndNs, s.change.windowEndNs);
        s.exchange = int(plan.m_exchanges.size()) - 1;
        s.indexInExchange = e.segmentCount++;
    }
    return plan;
}

} // namespace sockscope

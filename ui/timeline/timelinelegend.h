// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QList>
#include <QStringList>
#include <QWidget>

namespace sockscope {

class TimelineLayout;

// The key to the timeline's symbols, above it, for what is on screen: above all whether a
// segment was captured on the wire (solid) or is implied by observed states (dashed).
class TimelineLegend : public QWidget
{
    Q_OBJECT

public:
    enum class Symbol { Captured, Implied, Lost, Uncertain, TimedByPacket, Call, FailedCall, LiveEdge };

    explicit TimelineLegend(QWidget *parent = nullptr);

    // The symbols a layout draws, in the order the legend lists them.
    static QList<Symbol> symbolsOf(const TimelineLayout &layout);

    void setSymbols(const QList<Symbol> &symbols);
    QList<Symbol> symbols() const { return m_symbols; }
    QStringList texts() const; // what each shown symbol is called, for tests

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    static QString textOf(Symbol symbol);

    QList<Symbol> m_symbols;
};

} // namespace sockscope

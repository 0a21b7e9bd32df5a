// SPDX-License-Identifier: GPL-3.0-or-later
#pragma once

#include <QWidget>

namespace sockscope {

// The key to the timeline's symbols, above it: above all that a dashed arrow is implied by
// observed states and is no captured packet.
class TimelineLegend : public QWidget
{
    Q_OBJECT

public:
    explicit TimelineLegend(QWidget *parent = nullptr);

    QSize sizeHint() const override;
    QSize minimumSizeHint() const override;

protected:
    void paintEvent(QPaintEvent *event) override;

private:
    struct Entry
    {
        enum class Symbol { Implied, Uncertain, Call, FailedCall, LiveEdge };
        Symbol symbol;
        QString text;
    };
    QList<Entry> entries() const;
};

} // namespace sockscope

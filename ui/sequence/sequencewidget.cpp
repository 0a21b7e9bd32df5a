// SPDX-License-Identifier: GPL-3.0-or-later
#include "sequencewidget.h"

#include "ui/export/imageexport.h"

#include <QHBoxLayout>
#include <QLabel>
#include <QPainter>
#include <QStackedLayout>
#include <QToolButton>
#include <QVBoxLayout>

namespace sockscope {

// The key under the figure: what its marks mean, for what the figure uses.
class SequenceLegend : public QWidget
{
public:
    explicit SequenceLegend(QWidget *parent)
        : QWidget(parent)
    {
        setSizePolicy(QSizePolicy::Preferred, QSizePolicy::Fixed);
    }

    void setLayout(const SequenceLayout &layout)
    {
        m_layout = layout;
        updateGeometry();
        update();
    }

    QSize sizeHint() const override
    {
        return QSize(200, int(SequencePainter::legendHeight(m_layout, font(), std::max(width(), 200) - 12)));
    }
    bool hasHeightForWidth() const override { return true; }
    int heightForWidth(int w) const override
    {
        return int(SequencePainter::legendHeight(m_layout, font(), std::max(w, 200) - 12));
    }

protected:
    void paintEvent(QPaintEvent *) override
    {
        QPainter p(this);
        p.setRenderHint(QPainter::Antialiasing);
        SequencePainter::paintLegend(p, QRectF(6, 0, width() - 12, height()), m_layout,
                                     TimelineTheme::fromPalette(palette()), font());
    }
    void resizeEvent(QResizeEvent *event) override
    {
        QWidget::resizeEvent(event);
        setMinimumHeight(heightForWidth(width()));
    }

private:
    SequenceLayout m_layout;
};

SequenceWidget::SequenceWidget(QWidget *parent)
    : QWidget(parent)
{
    m_view = new SequenceView(this);
    m_view->setObjectName(QStringLiteral("sequenceView"));
    m_legend = new SequenceLegend(this);
    m_placeholder = new QLabel(this);
    m_placeholder->setObjectName(QStringLiteral("sequencePlaceholder"));
    m_placeholder->setAlignment(Qt::AlignCenter);
    m_placeholder->setWordWrap(true);
    m_placeholder->setForegroundRole(QPalette::PlaceholderText);
    m_placeholder->setMargin(12);

    const auto button = [this](const QString &text, const QString &tip) {
        auto *b = new QToolButton(this);
        b->setText(text);
        b->setToolTip(tip);
        b->setAutoRaise(true);
        return b;
    };
    QToolButton *zoomOut = button(QStringLiteral("−"), tr("Zoom out (−)"));
    QToolButton *zoomIn = button(QStringLiteral("+"), tr("Zoom in (+)"));
    QToolButton *actual = button(QStringLiteral("1:1"), tr("Actual size (0)"));
    QToolButton *fit = button(tr("Fit width"), tr("The whole width in view"));
    m_followButton = button(tr("Follow"), tr("Keep the newest row in view (End)"));
    m_followButton->setCheckable(true);
    m_followButton->setChecked(m_view->followsNewest());
    connect(zoomOut, &QToolButton::clicked, m_view, &SequenceView::zoomOut);
    connect(zoomIn, &QToolButton::clicked, m_view, &SequenceView::zoomIn);
    connect(actual, &QToolButton::clicked, m_view, [this] { m_view->setZoom(1.0); });
    connect(fit, &QToolButton::clicked, m_view, &SequenceView::fitWidth);
    connect(m_followButton, &QToolButton::toggled, m_view, &SequenceView::setFollowNewest);
    connect(m_view, &SequenceView::followNewestChanged, m_followButton, &QToolButton::setChecked);
    connect(m_view, &SequenceView::clicked, this, &SequenceWidget::clicked);

    // Above the figure: what it is of, and the buttons; under it the key, the whole width.
    m_title = new QLabel(this);
    m_title->setTextFormat(Qt::PlainText);
    m_title->setObjectName(QStringLiteral("sequenceTitle"));
    auto *bar = new QHBoxLayout;
    bar->setContentsMargins(6, 0, 4, 0);
    bar->addWidget(m_title, 1);
    for (QToolButton *b : {zoomOut, zoomIn, actual, fit, m_followButton})
        bar->addWidget(b);

    auto *figure = new QWidget(this);
    auto *figureLayout = new QVBoxLayout(figure);
    figureLayout->setContentsMargins(0, 0, 0, 0);
    figureLayout->setSpacing(2);
    figureLayout->addLayout(bar);
    figureLayout->addWidget(m_view, 1);
    figureLayout->addWidget(m_legend);

    m_stack = new QStackedLayout(this);
    m_stack->addWidget(m_placeholder);
    m_stack->addWidget(figure);
    clear();
}

void SequenceWidget::setFigure(const SequenceFigure &figure)
{
    if (figure.lifelines.isEmpty()) {
        clear();
        return;
    }
    m_view->setFigure(figure);
    m_legend->setLayout(m_view->layout());
    m_title->setText(tr("%1's connection").arg(figure.lifelines.first().label));
    m_stack->setCurrentIndex(1);
}

void SequenceWidget::clear(const QString &why)
{
    m_view->clear();
    m_legend->setLayout(SequenceLayout());
    m_placeholder->setText(why.isEmpty() ? tr("Select a lab client's connection in the table, or start a scenario: its "
                                              "calls, segments and states are drawn here as a sequence diagram.")
                                         : why);
    m_stack->setCurrentIndex(0);
}

bool SequenceWidget::isEmpty() const
{
    return m_view->layout().lifelines().isEmpty();
}

QString SequenceWidget::savePicture(const QString &path) const
{
    if (isEmpty())
        return tr("Nothing to draw: select a lab client's connection first.");
    return savePicture(m_view->layout(), path, font());
}

QString SequenceWidget::savePicture(const SequenceLayout &layout, const QString &path, const QFont &font)
{
    // A light page whatever the desktop's palette: pictures go on slides and paper.
    QPalette light;
    light.setColor(QPalette::Base, Qt::white);
    light.setColor(QPalette::Text, QColor(0x1d, 0x1f, 0x22));
    light.setColor(QPalette::Highlight, QColor(0x2a, 0x7a, 0xd6));
    const TimelineTheme theme = TimelineTheme::fromPalette(light);
    const SequenceGeometry geometry = SequenceGeometry::of(layout, font);
    const QSizeF size = SequencePainter::pictureSize(layout, geometry, font);
    return ImageExport::save(size.toSize(), path, QStringLiteral("sockscope: sequence diagram"), [&](QPainter &p) {
        p.setRenderHint(QPainter::Antialiasing);
        SequencePainter::paintPicture(p, layout, geometry, theme, font);
    });
}

} // namespace sockscope

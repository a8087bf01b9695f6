/*
 * Charts of the HTML report (docs/report-html.md#charts), drawn as inline
 * SVG into an nmx__sb.
 *
 * Every chart is one <figure class="chart" data-chart="KIND"> holding an
 * <svg role="img"> with a <title> and a <desc> (its text alternative, named
 * by aria-labelledby and aria-describedby), a <figcaption>, and a
 * <details class="chartdata"> with a table of the numbers drawn. All text
 * that reaches the page goes through nmx__html_text; numbers are formatted
 * here. Only presentation attributes are used (never a style attribute):
 * the page's Content-Security-Policy forbids inline styles.
 */
#ifndef NMX_EVENT_SVGCHART_H
#define NMX_EVENT_SVGCHART_H

#include <stddef.h>

#include "event/sink_internal.h"

/* Appends str as HTML text (also valid inside an attribute value in double
 * quotes): & < > " ' as entities; bytes that are not valid UTF-8 and control
 * characters other than tab and newline (C0, DEL, C1) as U+FFFD. */
void nmx__html_text(nmx__sb *b, const char *str);

/* A number as a chart shows it: whole numbers in full, others with two
 * decimals (three significant digits below 1); "" for NaN and infinities. */
void nmx__chart_num(double v, char *buf, size_t len);

typedef struct nmx__chart {
    const char *kind;    /* data-chart: bars, tree, histogram, timeline, range */
    const char *title;   /* the <title>: what is drawn                          */
    const char *desc;    /* the <desc>: how to read it, in a sentence or two     */
    const char *label_head; /* the data table's first heading (the labels')    */
    const char *unit;    /* the values' axis (e.g. "bytes")                     */
    unsigned id;         /* unique in the page, for the aria ids                */
} nmx__chart;

/* Horizontal bars, one per label; with nseries > 1 each bar stacks its
 * series (values row-major: v[i * nseries + k]), with a legend. With levels
 * (not NULL), labels are indented by level (1 = no indent): a tree drawn as
 * an indented bar list; pct (not NULL) adds "(P%)" after each value. */
void nmx__chart_bars(nmx__sb *b, const nmx__chart *c, size_t n, const char *const *labels,
                     const double *v, size_t nseries, const char *const *series,
                     const unsigned *levels, const double *pct);

/* A mark drawn over a column chart: a vertical line at x (in the axis's
 * units) with a short label above it. */
typedef struct nmx__chart_mark {
    double x;
    const char *label;
} nmx__chart_mark;

/* Vertical columns over an axis from x0 to x1 cut into nbins equal bins
 * (a histogram or counts over time), each stacking its series (values
 * row-major: v[i * nseries + k]). bin_text[i] names bin i in the data
 * table; tick_text(x, buf, len) writes the axis labels at x0, x1 and three
 * points between. Marks (may be 0) are drawn over the columns. */
void nmx__chart_columns(nmx__sb *b, const nmx__chart *c, size_t nbins, double x0, double x1,
                        const double *v, size_t nseries, const char *const *series,
                        const char *const *bin_text,
                        void (*tick_text)(double x, void *ud, char *buf, size_t len), void *ud,
                        const nmx__chart_mark *marks, size_t nmarks);

/* One row per label: a line from min to max on a common axis, the mean
 * marked on it, the three numbers written beside it. */
void nmx__chart_range(nmx__sb *b, const nmx__chart *c, size_t n, const char *const *labels,
                      const double *min, const double *mean, const double *max);

#endif

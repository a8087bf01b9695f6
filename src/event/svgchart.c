/*
 * Inline SVG charts of the HTML report (svgchart.h, docs/report-html.md).
 *
 * Geometry is computed here in whole pixels; the SVG carries a viewBox so
 * that the browser scales a chart down to a narrow window or a printed page.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "event/svgchart.h"

#define WIDTH 720u
#define LABEL_CHARS 30u

static const char *const palette[] = {"#3b6ea5", "#d08c1f", "#b00020", "#7a5195",
                                      "#2a9d8f", "#6c757d"};
#define NPALETTE (sizeof palette / sizeof palette[0])

void nmx__html_text(nmx__sb *b, const char *str)
{
    const unsigned char *s = (const unsigned char *)(str ? str : "");
    size_t n = strlen((const char *)s);
    for (size_t i = 0; i < n;) {
        size_t adv;
        long cp = nmx__utf8_next(s + i, n - i, &adv);
        if (cp < 0 || (cp < 0x20 && cp != '\t' && cp != '\n') || cp == 0x7F ||
            (cp >= 0x80 && cp < 0xA0))
            nmx__sb_puts(b, "\xEF\xBF\xBD");
        else if (cp == '&')
            nmx__sb_puts(b, "&amp;");
        else if (cp == '<')
            nmx__sb_puts(b, "&lt;");
        else if (cp == '>')
            nmx__sb_puts(b, "&gt;");
        else if (cp == '"')
            nmx__sb_puts(b, "&quot;");
        else if (cp == '\'')
            nmx__sb_puts(b, "&#39;");
        else
            nmx__sb_putn(b, (const char *)s + i, adv);
        i += adv;
    }
}

/* At most max characters of s (whole UTF-8 sequences; an invalid byte
 * counts as one), then "…" when s was longer. */
static void short_text(nmx__sb *b, const char *s, size_t max)
{
    const unsigned char *u = (const unsigned char *)(s ? s : "");
    size_t n = strlen((const char *)u), i = 0, chars = 0;
    while (i < n && chars < max) {
        size_t adv;
        nmx__utf8_next(u + i, n - i, &adv);
        i += adv;
        chars++;
    }
    nmx__sb scratch = {0};
    nmx__sb_putn(&scratch, (const char *)u, i);
    nmx__sb_putc(&scratch, 0);
    if (!scratch.oom)
        nmx__html_text(b, scratch.p);
    nmx__sb_free(&scratch);
    if (i < n)
        nmx__sb_puts(b, "\xE2\x80\xA6");
}

void nmx__chart_num(double v, char *buf, size_t len)
{
    if (!isfinite(v))
        snprintf(buf, len, "%s", "");
    else if (fabs(v) < 1e15 && v == floor(v))
        snprintf(buf, len, "%.0f", v);
    else if (fabs(v) >= 1e15)
        snprintf(buf, len, "%.3e", v);
    else if (fabs(v) >= 1)
        snprintf(buf, len, "%.2f", v);
    else
        snprintf(buf, len, "%.3g", v);
}

static void put_num(nmx__sb *b, double v)
{
    char t[64];
    nmx__chart_num(v, t, sizeof t);
    nmx__sb_puts(b, t);
}

static double fin(double v)
{
    return isfinite(v) ? v : 0;
}

/* <figure ...><svg ...><title/><desc/> */
static void open_figure(nmx__sb *b, const nmx__chart *c, unsigned h)
{
    nmx__sb_printf(b, "<figure class=\"chart\" data-chart=\"%s\"><svg xmlns=\"http://www.w3.org/"
                      "2000/svg\" role=\"img\" width=\"%u\" height=\"%u\" viewBox=\"0 0 %u %u\" "
                      "aria-labelledby=\"chart%u-t\" aria-describedby=\"chart%u-d\">"
                      "<title id=\"chart%u-t\">",
                   c->kind, WIDTH, h, WIDTH, h, c->id, c->id, c->id);
    nmx__html_text(b, c->title);
    nmx__sb_printf(b, "</title><desc id=\"chart%u-d\">", c->id);
    nmx__html_text(b, c->desc);
    nmx__sb_puts(b, "</desc>");
}

/* </svg><figcaption/> then the data table's opening, up to its body */
static void close_svg(nmx__sb *b, const nmx__chart *c)
{
    nmx__sb_puts(b, "</svg><figcaption>");
    nmx__html_text(b, c->title);
    nmx__sb_puts(b, ". ");
    nmx__html_text(b, c->desc);
    nmx__sb_puts(b, "</figcaption><details class=\"chartdata\"><summary>The chart&#39;s "
                    "numbers</summary><table class=\"chartdata\"><thead><tr><th>");
    nmx__html_text(b, c->label_head);
    nmx__sb_puts(b, "</th>");
}

static void th(nmx__sb *b, const char *s)
{
    nmx__sb_puts(b, "<th>");
    nmx__html_text(b, s);
    nmx__sb_puts(b, "</th>");
}

static void td_num(nmx__sb *b, double v)
{
    nmx__sb_puts(b, "<td class=\"n\">");
    put_num(b, v);
    nmx__sb_puts(b, "</td>");
}

static void close_figure(nmx__sb *b)
{
    nmx__sb_puts(b, "</tbody></table></details></figure>\n");
}

/* A legend: one swatch and name per series, from x at y. */
static void legend(nmx__sb *b, unsigned x, unsigned y, size_t nseries, const char *const *series)
{
    nmx__sb_printf(b, "<g class=\"legend\" font-size=\"12\">");
    for (size_t k = 0; k < nseries; k++) {
        nmx__sb_printf(b, "<rect x=\"%u\" y=\"%u\" width=\"10\" height=\"10\" fill=\"%s\">"
                          "</rect><text x=\"%u\" y=\"%u\">",
                       x, y, palette[k % NPALETTE], x + 14, y + 9);
        short_text(b, series[k], 24);
        nmx__sb_puts(b, "</text>");
        x += 28 + 7 * (unsigned)(strlen(series[k]) < 24 ? strlen(series[k]) : 24);
    }
    nmx__sb_puts(b, "</g>");
}

void nmx__chart_bars(nmx__sb *b, const nmx__chart *c, size_t n, const char *const *labels,
                     const double *v, size_t nseries, const char *const *series,
                     const unsigned *levels, const double *pct)
{
    if (nseries == 0)
        return;
    double max = 0;
    for (size_t i = 0; i < n; i++) {
        double sum = 0;
        for (size_t k = 0; k < nseries; k++)
            sum += fmax(0, fin(v[i * nseries + k]));
        max = fmax(max, sum);
    }
    const unsigned rowh = 20, left = 232, right = 120, top = nseries > 1 ? 24 : 4;
    const unsigned barw = WIDTH - left - right;
    unsigned h = top + (unsigned)n * rowh + 24;
    open_figure(b, c, h);
    if (nseries > 1)
        legend(b, left, 6, nseries, series);
    for (size_t i = 0; i < n; i++) {
        unsigned y = top + (unsigned)i * rowh;
        if (levels) {
            unsigned lv = levels[i] > 0 ? levels[i] - 1 : 0;
            unsigned indent = 12 * (lv < 12 ? lv : 12);
            nmx__sb_printf(b, "<text x=\"%u\" y=\"%u\" font-size=\"12\">", 4 + indent, y + 13);
            short_text(b, labels[i], LABEL_CHARS - (lv < 12 ? lv : 12));
        } else {
            nmx__sb_printf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\" font-size=\"12\">",
                           left - 6, y + 13);
            short_text(b, labels[i], LABEL_CHARS);
        }
        nmx__sb_puts(b, "</text>");
        double x = left, total = 0;
        for (size_t k = 0; k < nseries; k++) {
            double val = fmax(0, fin(v[i * nseries + k]));
            total += val;
            double w = max > 0 ? val / max * barw : 0;
            if (w <= 0 && !(nseries == 1))
                continue;
            unsigned wi = w < 1 ? 1 : (unsigned)(w + 0.5);
            nmx__sb_printf(b, "<rect x=\"%.1f\" y=\"%u\" width=\"%u\" height=\"%u\" fill=\"%s\">"
                              "<title>",
                           x, y + 2, wi, rowh - 5, palette[k % NPALETTE]);
            nmx__html_text(b, labels[i]);
            if (nseries > 1) {
                nmx__sb_puts(b, ", ");
                nmx__html_text(b, series[k]);
            }
            nmx__sb_puts(b, ": ");
            put_num(b, val);
            nmx__sb_puts(b, "</title></rect>");
            x += w;
        }
        nmx__sb_printf(b, "<text x=\"%.1f\" y=\"%u\" font-size=\"12\">", x + 4, y + 13);
        put_num(b, total);
        if (pct && isfinite(pct[i])) {
            char t[64];
            nmx__chart_num(pct[i], t, sizeof t);
            nmx__sb_printf(b, " (%s%%)", t);
        }
        nmx__sb_puts(b, "</text>");
    }
    nmx__sb_printf(b, "<text x=\"%u\" y=\"%u\" font-size=\"12\" fill=\"#555\">", left, h - 6);
    nmx__html_text(b, c->unit);
    nmx__sb_puts(b, "</text>");
    close_svg(b, c);
    if (levels)
        th(b, "Level");
    for (size_t k = 0; k < nseries; k++)
        th(b, nseries > 1 ? series[k] : c->unit);
    if (pct)
        th(b, "%");
    nmx__sb_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        nmx__sb_puts(b, "<tr><td>");
        nmx__html_text(b, labels[i]);
        nmx__sb_puts(b, "</td>");
        if (levels)
            nmx__sb_printf(b, "<td class=\"n\">%u</td>", levels[i]);
        for (size_t k = 0; k < nseries; k++)
            td_num(b, v[i * nseries + k]);
        if (pct)
            td_num(b, pct[i]);
        nmx__sb_puts(b, "</tr>");
    }
    close_figure(b);
}

void nmx__chart_columns(nmx__sb *b, const nmx__chart *c, size_t nbins, double x0, double x1,
                        const double *v, size_t nseries, const char *const *series,
                        const char *const *bin_text,
                        void (*tick_text)(double x, void *ud, char *buf, size_t len), void *ud,
                        const nmx__chart_mark *marks, size_t nmarks)
{
    if (nbins == 0 || nseries == 0)
        return;
    double max = 0;
    for (size_t i = 0; i < nbins; i++) {
        double sum = 0;
        for (size_t k = 0; k < nseries; k++)
            sum += fmax(0, fin(v[i * nseries + k]));
        max = fmax(max, sum);
    }
    const unsigned left = 64, right = 24, top = 44, ploth = 170;
    const unsigned plotw = WIDTH - left - right, h = top + ploth + 50;
    double span = x1 > x0 ? x1 - x0 : 1;
    open_figure(b, c, h);
    if (nseries > 1)
        legend(b, left, 6, nseries, series);
    /* axes: the value axis from 0 to max, the x axis with five ticks */
    nmx__sb_printf(b, "<g font-size=\"11\" fill=\"#555\"><line x1=\"%u\" y1=\"%u\" x2=\"%u\" "
                      "y2=\"%u\" stroke=\"#999\"></line><line x1=\"%u\" y1=\"%u\" x2=\"%u\" "
                      "y2=\"%u\" stroke=\"#999\"></line>",
                   left, top + ploth, left + plotw, top + ploth, left, top, left, top + ploth);
    nmx__sb_printf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\">", left - 4, top + 4);
    put_num(b, max);
    nmx__sb_printf(b, "</text><text x=\"%u\" y=\"%u\" text-anchor=\"end\">0</text>", left - 4,
                   top + ploth);
    for (unsigned t = 0; t <= 4; t++) {
        double x = x0 + span * t / 4.0;
        unsigned px = left + plotw * t / 4;
        char buf[96];
        tick_text(x, ud, buf, sizeof buf);
        nmx__sb_printf(b, "<line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#999\">"
                          "</line><text x=\"%u\" y=\"%u\" text-anchor=\"%s\">",
                       px, top + ploth, px, top + ploth + 4, px, top + ploth + 16,
                       t == 0 ? "start" : t == 4 ? "end" : "middle");
        nmx__html_text(b, buf);
        nmx__sb_puts(b, "</text>");
    }
    nmx__sb_printf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"middle\">", left + plotw / 2,
                   h - 6);
    nmx__html_text(b, c->unit);
    nmx__sb_puts(b, "</text></g>");
    double colw = (double)plotw / (double)nbins;
    for (size_t i = 0; i < nbins; i++) {
        double y = top + ploth;
        for (size_t k = 0; k < nseries; k++) {
            double val = fmax(0, fin(v[i * nseries + k]));
            if (val <= 0)
                continue;
            double hh = max > 0 ? val / max * ploth : 0;
            if (hh < 1)
                hh = 1;
            y -= hh;
            nmx__sb_printf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" "
                              "fill=\"%s\"><title>",
                           left + colw * (double)i + (colw > 3 ? 0.5 : 0), y,
                           colw > 3 ? colw - 1 : colw, hh, palette[k % NPALETTE]);
            nmx__html_text(b, bin_text[i]);
            nmx__sb_puts(b, ": ");
            put_num(b, val);
            if (nseries > 1) {
                nmx__sb_puts(b, " ");
                nmx__html_text(b, series[k]);
            }
            nmx__sb_puts(b, "</title></rect>");
        }
    }
    for (size_t m = 0; m < nmarks; m++) {
        double f = (fin(marks[m].x) - x0) / span;
        f = f < 0 ? 0 : f > 1 ? 1 : f;
        double px = left + f * plotw;
        /* labels of close marks go on separate lines */
        unsigned ly = top - 4 - 11 * (unsigned)(m % 3);
        nmx__sb_printf(b, "<line class=\"mark\" x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\" "
                          "stroke=\"#222\" stroke-dasharray=\"3 2\"></line><text x=\"%.1f\" "
                          "y=\"%u\" font-size=\"11\" text-anchor=\"%s\">",
                       px, ly + 2, px, top + ploth, px, ly,
                       f < 0.15 ? "start" : f > 0.85 ? "end" : "middle");
        nmx__html_text(b, marks[m].label);
        nmx__sb_puts(b, " ");
        put_num(b, marks[m].x);
        nmx__sb_puts(b, "</text>");
    }
    close_svg(b, c);
    for (size_t k = 0; k < nseries; k++)
        th(b, nseries > 1 ? series[k] : "Count");
    nmx__sb_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < nbins; i++) {
        nmx__sb_puts(b, "<tr><td>");
        nmx__html_text(b, bin_text[i]);
        nmx__sb_puts(b, "</td>");
        for (size_t k = 0; k < nseries; k++)
            td_num(b, v[i * nseries + k]);
        nmx__sb_puts(b, "</tr>");
    }
    for (size_t m = 0; m < nmarks; m++) {
        nmx__sb_puts(b, "<tr><td>");
        nmx__html_text(b, marks[m].label);
        nmx__sb_puts(b, "</td>");
        td_num(b, marks[m].x);
        for (size_t k = 1; k < nseries; k++)
            nmx__sb_puts(b, "<td></td>");
        nmx__sb_puts(b, "</tr>");
    }
    close_figure(b);
}

void nmx__chart_range(nmx__sb *b, const nmx__chart *c, size_t n, const char *const *labels,
                      const double *min, const double *mean, const double *max)
{
    if (n == 0)
        return;
    double lo = (double)INFINITY, hi = -(double)INFINITY;
    for (size_t i = 0; i < n; i++) {
        lo = fmin(lo, fin(min[i]));
        hi = fmax(hi, fin(max[i]));
    }
    lo = fmin(lo, 0); /* the axis starts at zero for the usual counts and sizes */
    double span = hi > lo ? hi - lo : 1;
    const unsigned rowh = 28, left = 210, right = 210, top = 8;
    const unsigned plotw = WIDTH - left - right, h = top + (unsigned)n * rowh + 26;
    open_figure(b, c, h);
    for (size_t i = 0; i < n; i++) {
        unsigned y = top + (unsigned)i * rowh + 14;
        double x1 = left + (fin(min[i]) - lo) / span * plotw;
        double x2 = left + (fin(max[i]) - lo) / span * plotw;
        double xm = left + (fin(mean[i]) - lo) / span * plotw;
        nmx__sb_printf(b, "<text x=\"%u\" y=\"%u\" text-anchor=\"end\" font-size=\"12\">",
                       left - 8, y + 4);
        short_text(b, labels[i], LABEL_CHARS);
        nmx__sb_printf(b, "</text><line x1=\"%u\" y1=\"%u\" x2=\"%u\" y2=\"%u\" stroke=\"#ddd\">"
                          "</line><line x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\" "
                          "stroke=\"%s\" stroke-width=\"4\"></line>",
                       left, y, left + plotw, y, x1, y, x2 > x1 + 1 ? x2 : x1 + 1, y, palette[0]);
        nmx__sb_printf(b, "<line class=\"min\" x1=\"%.1f\" y1=\"%u\" x2=\"%.1f\" y2=\"%u\" "
                          "stroke=\"#222\"></line><line class=\"max\" x1=\"%.1f\" y1=\"%u\" "
                          "x2=\"%.1f\" y2=\"%u\" stroke=\"#222\"></line><polygon class=\"mean\" "
                          "points=\"%.1f,%u %.1f,%u %.1f,%u %.1f,%u\" fill=\"%s\"><title>mean ",
                       x1, y - 7, x1, y + 7, x2, y - 7, x2, y + 7, xm, y - 7, xm + 6, y, xm,
                       y + 7, xm - 6, y, palette[1]);
        put_num(b, mean[i]);
        nmx__sb_printf(b, "</title></polygon><text x=\"%u\" y=\"%u\" font-size=\"12\">min ",
                       left + plotw + 8, y + 4);
        put_num(b, min[i]);
        nmx__sb_puts(b, ", mean ");
        put_num(b, mean[i]);
        nmx__sb_puts(b, ", max ");
        put_num(b, max[i]);
        nmx__sb_puts(b, "</text>");
    }
    nmx__sb_printf(b, "<g font-size=\"11\" fill=\"#555\"><text x=\"%u\" y=\"%u\">", left, h - 6);
    put_num(b, lo);
    nmx__sb_printf(b, "</text><text x=\"%u\" y=\"%u\" text-anchor=\"middle\">", left + plotw / 2,
                   h - 6);
    nmx__html_text(b, c->unit);
    nmx__sb_printf(b, "</text><text x=\"%u\" y=\"%u\" text-anchor=\"end\">", left + plotw, h - 6);
    put_num(b, hi);
    nmx__sb_puts(b, "</text></g>");
    close_svg(b, c);
    th(b, "Min");
    th(b, "Mean");
    th(b, "Max");
    nmx__sb_puts(b, "</tr></thead><tbody>");
    for (size_t i = 0; i < n; i++) {
        nmx__sb_puts(b, "<tr><td>");
        nmx__html_text(b, labels[i]);
        nmx__sb_puts(b, "</td>");
        td_num(b, min[i]);
        td_num(b, mean[i]);
        td_num(b, max[i]);
        nmx__sb_puts(b, "</tr>");
    }
    close_figure(b);
}

// The one SVG writer of nais's tools (nais-sweep's front, nais-bundle's Pareto set, nais-map's
// Gantt chart, nais-fit's and the fidelity report's scatter plots): a canvas of primitives in
// pixel coordinates, and a chart that maps data to pixels on linear or logarithmic axes and
// draws them with their ticks. Text is escaped; numbers are written with two decimals.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

namespace nais_svg {

/// Text safe inside an SVG element or attribute.
inline std::string escape(const std::string& s) {
    std::string out;
    for (char c : s) {
        switch (c) {
        case '<': out += "&lt;"; break;
        case '>': out += "&gt;"; break;
        case '&': out += "&amp;"; break;
        case '"': out += "&quot;"; break;
        default: out += static_cast<unsigned char>(c) < 0x20 ? '?' : c;
        }
    }
    return out;
}

/// A number as SVG wants it (two decimals, no exponent for the canvas's sizes).
inline std::string num(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.2f", v);
    return buf;
}

/// A compact label of a tick value (%.4g).
inline std::string tick_label(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.4g", v);
    return buf;
}

/// Primitives in pixel coordinates; str() closes the document.
class canvas {
public:
    canvas(double width, double height, int font_size = 11) : w_(width), h_(height) {
        o_ << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << num(w_) << "\" height=\"" << num(h_) << "\" viewBox=\"0 0 "
           << num(w_) << ' ' << num(h_) << "\" font-family=\"sans-serif\" font-size=\"" << font_size << "\">\n";
        o_ << "<rect width=\"" << num(w_) << "\" height=\"" << num(h_) << "\" fill=\"white\"/>\n";
    }
    double width() const noexcept { return w_; }
    double height() const noexcept { return h_; }

    /// anchor: "start", "middle" or "end"; extra: further attributes (e.g. a rotation).
    void text(double x, double y, const std::string& s, const char* anchor = "start", const std::string& extra = "") {
        o_ << "<text x=\"" << num(x) << "\" y=\"" << num(y) << "\" text-anchor=\"" << anchor << '"' << (extra.empty() ? "" : " ")
           << extra << '>' << escape(s) << "</text>\n";
    }
    void line(double x1, double y1, double x2, double y2, const std::string& stroke = "black", const std::string& extra = "") {
        o_ << "<line x1=\"" << num(x1) << "\" y1=\"" << num(y1) << "\" x2=\"" << num(x2) << "\" y2=\"" << num(y2) << "\" stroke=\""
           << stroke << '"' << (extra.empty() ? "" : " ") << extra << "/>\n";
    }
    /// A rectangle; `tooltip` becomes its <title>.
    void rect(double x, double y, double w, double h, const std::string& fill, const std::string& extra = "",
              const std::string& tooltip = "") {
        o_ << "<rect x=\"" << num(x) << "\" y=\"" << num(y) << "\" width=\"" << num(w) << "\" height=\"" << num(h) << "\" fill=\"" << fill
           << '"' << (extra.empty() ? "" : " ") << extra;
        close(tooltip, "rect");
    }
    void circle(double x, double y, double r, const std::string& fill, const std::string& extra = "", const std::string& tooltip = "") {
        o_ << "<circle cx=\"" << num(x) << "\" cy=\"" << num(y) << "\" r=\"" << num(r) << "\" fill=\"" << fill << '"'
           << (extra.empty() ? "" : " ") << extra;
        close(tooltip, "circle");
    }
    /// A path from SVG path data (M, L, H, V...).
    void path(const std::string& d, const std::string& stroke, const std::string& extra = "") {
        o_ << "<path d=\"" << d << "\" fill=\"none\" stroke=\"" << stroke << '"' << (extra.empty() ? "" : " ") << extra << "/>\n";
    }
    std::string str() const { return o_.str() + "</svg>\n"; }

private:
    void close(const std::string& tooltip, const char* element) {
        if (tooltip.empty())
            o_ << "/>\n";
        else
            o_ << "><title>" << escape(tooltip) << "</title></" << element << ">\n";
    }
    double w_, h_;
    std::ostringstream o_;
};

/// An axis: the data range, a scale and a label.
struct axis {
    double lo = 0, hi = 1;
    bool log = false;  ///< log10 scale, ticks 1-2-5 per decade (lo must be > 0)
    std::string label;

    /// The range of `values` widened by `pad` of its span (linear) or a factor (log); a
    /// degenerate range becomes one unit (or one decade) wide.
    static axis fit(const std::vector<double>& values, bool log, std::string label, double pad = 0.05, bool from_zero = false) {
        axis a;
        a.log = log;
        a.label = std::move(label);
        double lo = 1e300, hi = -1e300;
        for (double v : values)
            if (std::isfinite(v) && (!log || v > 0)) {
                lo = std::min(lo, v);
                hi = std::max(hi, v);
            }
        if (lo > hi)
            lo = log ? 1 : 0, hi = log ? 10 : 1;
        if (log) {
            if (hi <= lo * 1.5)
                hi = lo * 1.5;
            a.lo = lo / (1 + 3 * pad), a.hi = hi * (1 + 3 * pad);
        } else {
            if (hi <= lo)
                hi = lo + 1;
            const double p = (hi - lo) * pad;
            a.lo = from_zero ? std::max(0.0, lo - p) : lo - p, a.hi = hi + p;
        }
        return a;
    }
    /// The fraction of the way from lo to hi (log or linear).
    double fraction(double v) const {
        return log ? (std::log10(v) - std::log10(lo)) / (std::log10(hi) - std::log10(lo)) : (v - lo) / (hi - lo);
    }
    /// Tick values: five evenly spaced (linear), or 1-2-5 per decade (log).
    std::vector<double> ticks() const {
        std::vector<double> t;
        if (!log) {
            for (int k = 0; k <= 4; ++k)
                t.push_back(lo + (hi - lo) * k / 4);
            return t;
        }
        for (double decade = std::floor(std::log10(lo)); decade <= std::log10(hi); decade += 1)
            for (double m : {1.0, 2.0, 5.0}) {
                const double v = m * std::pow(10.0, decade);
                if (v >= lo && v <= hi)
                    t.push_back(v);
            }
        return t;
    }
};

/// A chart: a canvas with a plot area (margins left, right, top, bottom), a title, and axes.
class chart {
public:
    chart(double width, double height, axis x, axis y, const std::string& title, const std::string& subtitle = "",
          double left = 80, double right = 30, double top = 50, double bottom = 60)
        : c_(width, height), x_(std::move(x)), y_(std::move(y)), l_(left), r_(right), t_(top), b_(bottom) {
        c_.text(width / 2, 22, title, "middle", "font-size=\"14\"");
        if (!subtitle.empty())
            c_.text(width / 2, 38, subtitle, "middle");
        c_.path("M" + num(l_) + ' ' + num(t_) + " V" + num(height - b_) + " H" + num(width - r_), "black");
        for (double v : x_.ticks()) {
            c_.line(sx(v), height - b_, sx(v), height - b_ + 5);
            c_.text(sx(v), height - b_ + 18, tick_label(v), "middle");
        }
        for (double v : y_.ticks()) {
            c_.line(l_ - 5, sy(v), l_, sy(v));
            c_.text(l_ - 8, sy(v) + 4, tick_label(v), "end");
        }
        c_.text((l_ + width - r_) / 2, height - 15, x_.label, "middle");
        const std::string mid = num((t_ + height - b_) / 2);
        c_.text(18, (t_ + height - b_) / 2, y_.label, "middle", "transform=\"rotate(-90 18 " + mid + ")\"");
    }
    /// Data to pixels.
    double sx(double v) const { return l_ + x_.fraction(v) * (c_.width() - l_ - r_); }
    double sy(double v) const { return c_.height() - b_ - y_.fraction(v) * (c_.height() - t_ - b_); }
    bool inside_y(double v) const { return v >= y_.lo && v <= y_.hi; }
    double left() const noexcept { return l_; }
    double right() const noexcept { return c_.width() - r_; }
    double top() const noexcept { return t_; }
    /// A point in data coordinates.
    void point(double x, double y, double r, const std::string& fill, const std::string& extra = "", const std::string& tooltip = "") {
        c_.circle(sx(x), sy(y), r, fill, extra, tooltip);
    }
    /// A horizontal line across the plot at data y (e.g. a budget).
    void hline(double y, const std::string& stroke, const std::string& extra = "") {
        if (inside_y(y))
            c_.line(l_, sy(y), right(), sy(y), stroke, extra);
    }
    /// The line y = x across the plot (for predicted against measured).
    void diagonal(const std::string& stroke = "#999") {
        const double lo = std::max(x_.lo, y_.lo), hi = std::min(x_.hi, y_.hi);
        if (lo < hi)
            c_.line(sx(lo), sy(lo), sx(hi), sy(hi), stroke, "stroke-dasharray=\"4 3\"");
    }
    /// A staircase through points sorted by x (a Pareto front: right, then down).
    void staircase(const std::vector<std::pair<double, double>>& pts, const std::string& stroke) {
        if (pts.empty())
            return;
        std::string d;
        for (std::size_t k = 0; k < pts.size(); ++k)
            d += k == 0 ? "M" + num(sx(pts[k].first)) + ' ' + num(sy(pts[k].second))
                        : " H" + num(sx(pts[k].first)) + " V" + num(sy(pts[k].second));
        c_.path(d, stroke);
    }
    canvas& raw() noexcept { return c_; }
    std::string str() const { return c_.str(); }

private:
    canvas c_;
    axis x_, y_;
    double l_, r_, t_, b_;
};

}  // namespace nais_svg

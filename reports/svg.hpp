// Inline SVG charts for the HTML reports: line/point plots with shaded bands and marked
// points, and histograms with limit lines. Output is a self-contained <svg> element (no
// scripts, fonts or external references), sized by its viewBox so it scales with the page.
// Callers pass values already in display units (mV, s, A).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace rig::reports::svg {

struct Series {
    std::string label;
    std::string colour{"#1f77b4"};
    std::vector<std::pair<double, double>> points;  // (x, y)
    bool line{true};
    bool markers{false};
};

struct Band {  // a horizontal stripe y_low..y_high, e.g. the ±3 mV acceptance band
    double y_low{0}, y_high{0};
    std::string label;
    std::string colour{"#2ca02c"};
};

struct Rule {  // a dashed line across the plot at x (vertical) or y (horizontal)
    double at{0};
    std::string label;
    std::string colour{"#d62728"};
};

struct Marker {  // a labelled point
    double x{0}, y{0};
    std::string label;
    std::string colour{"#d62728"};
};

struct Bar {  // histogram bin
    double x0{0}, x1{0}, height{0};
};

struct Chart {
    std::string title, x_label, y_label;
    int width{760}, height{320};
    std::vector<Series> series;
    std::vector<Band> bands;
    std::vector<Rule> x_rules, y_rules;
    std::vector<Marker> markers;
    std::vector<Bar> bars;
    std::string bar_colour{"#7f9fbf"};
    std::optional<double> x_min, x_max, y_min, y_max;  // fixed axis ends, else from data
};

std::string render(const Chart& chart);

// Text for SVG/HTML element content and attribute values.
std::string escape(std::string_view text);
// Locale-independent short number text for coordinates and tick labels.
std::string num(double v, int decimals = 2);

}  // namespace rig::reports::svg

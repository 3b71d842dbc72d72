#pragma once
/// \file buildout/charts.hpp
/// Charts of a result, as gnuplot scripts and the data they plot: from the JSON documents
/// `fabrisk run`, `sensitivity`, `compare` and `sweep` write, so a chart can be drawn again from
/// a saved result. Nothing here draws: gnuplot does (`gnuplot NAME.gp` writes NAME.svg and
/// NAME.png; `-e "svg='x.svg'; png='x.png'"` names them otherwise). The CLI's `--plot DIR`
/// writes the files and runs gnuplot on each script.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace fabrisk::buildout {

/// One chart: NAME.gp draws NAME.svg and NAME.png from NAME.dat.
struct chart {
    std::string name;
    std::string script;  ///< gnuplot commands
    std::string data;    ///< whitespace-separated columns, `#` comments
};

namespace detail {
inline std::string number(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", x);
    return buffer;
}
/// x as a short percentage: 31.9%, or two significant digits below 1% (0.042%).
inline std::string percent(double x) {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, x != 0 && std::fabs(x) < 0.01 ? "%.2g%%" : "%.1f%%", 100 * x);
    return buffer;
}
/// A count with thousands separators: 1,000,000.
inline std::string grouped(double count) {
    std::string digits = std::to_string(static_cast<unsigned long long>(count)), out;
    for (std::size_t i = 0; i < digits.size(); ++i) out += (i && (digits.size() - i) % 3 == 0 ? "," : "") + digits.substr(i, 1);
    return out;
}
/// A gnuplot string literal, in double quotes so that a line break ("\n") is one.
inline std::string quoted(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '\n' ? std::string("\\n") : c == '"' || c == '\\' ? std::string("\\") + c : std::string(1, c);
    return out + "\"";
}
/// A data-file token (a label read with `ytic(n)` or `xtic(n)`): quoted, with no double quote.
inline std::string label_token(const std::string& s) {
    std::string out = "\"";
    for (char c : s) out += c == '"' ? '\'' : c;
    return out + "\"";
}
/// A left margin (in characters) wide enough for the longest of the labels.
template <class Names>
std::string left_margin_for(const Names& names) {
    std::size_t longest = 10;
    for (const auto& name : names) longest = std::max(longest, std::string(name).size());
    return "set lmargin " + std::to_string(longest + 3) + "\n";
}

/// The lines every script starts and ends with: the two terminals, and the output names, which
/// the caller may set beforehand (`gnuplot -e "svg='a.svg'" NAME.gp`).
inline std::string script_head(const std::string& name, const std::string& title) {
    return "# Draws " + name + ".svg and " + name + ".png from " + name + ".dat: gnuplot " + name + ".gp\n" +
           "if (!exists('svg')) svg = '" + name + ".svg'\n" + "if (!exists('png')) png = '" + name + ".png'\n" +
           "set terminal svg size 960,600 dynamic enhanced font 'Sans,13' background rgb 'white'\n" +
           "set output svg\n" + "set title " + quoted(title) + " noenhanced\n" +
           "set grid lc rgb '#dddddd'\nset border 3\nset tics nomirror\n" + "set key noenhanced\n";
}
inline std::string script_tail() {
    return "set terminal pngcairo size 1200,750 enhanced font 'Sans,13' background rgb 'white'\n"
           "set output png\nreplot\nunset output\n";
}
inline std::string log_axis(char axis) {
    return std::string("set logscale ") + axis + " 10\nset format " + axis + " '10^{%L}'\n";
}
inline std::string target_line(double target) {
    return "set arrow from " + number(target) + ", graph 0 to " + number(target) +
           ", graph 1 nohead lw 2 dt 2 lc rgb '#c00000' front\n" + "set label 'target' at " + number(target) +
           ", graph 0.97 offset 0.6,0 tc rgb '#c00000' front\n";
}

/// The axes of an exceedance curve: x log-scaled with the target marked, y a probability.
inline std::string exceedance_axes(double target) {
    return log_axis('x') + target_line(target) +
           "set xlabel 'installed compute x (FLOP/s, log scale)' noenhanced\nset ylabel 'P(installed compute >= x)' noenhanced\n"
           "set yrange [0:1]\nset ytics 0.1\n";
}

/// A histogram's bins as (left, right, share of trials, density) rows; the density is the share
/// per decade on a log scale, per unit otherwise, so bins of different widths compare.
inline std::string histogram_rows(const nlohmann::ordered_json& histogram, double trials) {
    const auto& edges = histogram.at("edges");
    const auto& counts = histogram.at("counts");
    const bool log = histogram.value("scale", "linear") == "log";
    std::string rows = "# left right share density\n";
    for (std::size_t b = 0; b < counts.size(); ++b) {
        const double left = edges[b], right = edges[b + 1], share = counts[b].get<double>() / trials;
        const double width = log ? std::log10(right / left) : right - left;
        rows += number(left) + " " + number(right) + " " + number(share) + " " + number(width > 0 ? share / width : 0) + "\n";
    }
    return rows;
}

inline std::string deadline_title(const nlohmann::ordered_json& result) {
    const auto& ci = result.at("probability_ci95");
    return "P(target met) = " + percent(result.at("probability_target_met")) + " (95% interval " +
           percent(ci[0]) + " to " + percent(ci[1]) + ")";
}
}  // namespace detail

/// The charts of a `fabrisk run` result: the distribution of installed compute at the deadline,
/// its exceedance curve, the share of trials that reached the target by each year, and, when the
/// result has them (`--drivers`), the tornado.
inline std::vector<chart> run_charts(const nlohmann::ordered_json& result) {
    using detail::number;
    std::vector<chart> charts;
    const double trials = result.at("trials"), target = result.at("target").at("installed_flops");
    const int deadline = result.at("target").at("deadline_year");
    const std::string scenario = result.value("scenario", "");
    const auto& installed = result.at("outputs").at("installed_flops");
    const auto& histogram = installed.at("histogram");
    const bool log = histogram.value("scale", "linear") == "log";

    {
        chart c{"installed_compute", "", detail::histogram_rows(histogram, trials)};
        std::string title = "Installed AI compute at the end of " + std::to_string(deadline) + " (" + scenario + ")\n" +
                            detail::deadline_title(result);
        const double nothing = histogram.value("nonpositive", 0.0) / trials;
        if (nothing > 0) title += "\n" + detail::percent(nothing) + " of trials install none (not shown)";
        // The axis spans the bins that hold the central 99.9% of trials (the data keep every
        // bin): a few extreme trials would otherwise squeeze the bulk into a corner.
        const auto& edges = histogram.at("edges");
        const auto& counts = histogram.at("counts");
        std::size_t first = 0, last = counts.empty() ? 0 : counts.size() - 1;
        double below = histogram.value("nonpositive", 0.0);
        while (first < last && below + counts[first].get<double>() <= 0.0005 * trials) below += counts[first++].get<double>();
        double above = 0;
        while (last > first && above + counts[last].get<double>() <= 0.0005 * trials) above += counts[last--].get<double>();
        const bool clipped = first > 0 || last + 1 < counts.size();
        const std::string range = clipped ? "set xrange [" + number(edges[first]) + ":" + number(edges[last + 1]) + "]\n" : "";
        c.script = detail::script_head(c.name, title) + (log ? detail::log_axis('x') : "") + range + detail::target_line(target) +
                   "set xlabel 'installed compute at the deadline (FLOP/s" + (log ? ", log scale" : "") +
                   (clipped ? "; the axis spans the central 99.9% of trials" : "") + ")' noenhanced\n" +
                   "set ylabel 'share of trials' noenhanced\nset yrange [0:*]\nset format y '%g'\nset style fill solid 0.75 border rgb '#1f4e79'\n" +
                   "plot '" + c.name + ".dat' using (" + (log ? "sqrt($1*$2)" : "($1+$2)/2") +
                   "):($3/2):1:2:(0):3 with boxxyerror lc rgb '#5b9bd5' title '" + detail::grouped(trials) + " trials'\n" +
                   detail::script_tail();
        charts.push_back(std::move(c));
    }
    {
        chart c{"exceedance", "", "# installed_flops probability_at_least\n"};
        const auto& curve = result.at("exceedance");
        for (std::size_t i = 0; i < curve.at("installed_flops").size(); ++i)
            c.data += number(curve["installed_flops"][i]) + " " + number(curve["probability"][i]) + "\n";
        c.script = detail::script_head(c.name, "Chance of installing at least x by the end of " + std::to_string(deadline) +
                                                   " (" + scenario + ")\n" + detail::deadline_title(result)) +
                   detail::exceedance_axes(target) +
                   "plot '" + c.name + ".dat' using 1:2 with linespoints pt 7 ps 0.6 lw 2 lc rgb '#1f4e79' title 'exceedance'\n" +
                   detail::script_tail();
        charts.push_back(std::move(c));
    }
    {
        chart c{"reached_by_year", "", "# year share_reached_by_its_end\n"};
        int first_year = deadline, last_year = deadline;
        for (const auto& [year, share] : result.at("reached_by_year").items()) {
            c.data += year + " " + number(share) + "\n";
            first_year = std::min(first_year, std::stoi(year));
            last_year = std::max(last_year, std::stoi(year));
        }
        const double never = result.at("outputs").at("target_year").value("never", 0.0);
        c.script = detail::script_head(c.name, "Share of trials that reached the target by the end of each year (" + scenario +
                                                   ")\nnever within the horizon: " + detail::percent(never)) +
                   "set arrow from " + std::to_string(deadline) + ", graph 0 to " + std::to_string(deadline) +
                   ", graph 1 nohead lw 2 dt 2 lc rgb '#c00000' front\n" + "set label 'deadline' at " +
                   std::to_string(deadline) + ", graph 0.97 offset 0.6,0 tc rgb '#c00000' front\n" +
                   "set xlabel 'year (target reached by its end)' noenhanced\nset ylabel 'share of trials' noenhanced\nset yrange [0:1]\n"
                   "set ytics 0.1\nset xtics 1\nset boxwidth 0.7\nset style fill solid 0.75 border rgb '#1f4e79'\n"
                   "set key top left\nset xrange [" + std::to_string(first_year) + "-0.6:" + std::to_string(last_year) + "+0.6]\n" +
                   "plot '" + c.name + ".dat' using 1:2 with boxes lc rgb '#5b9bd5' title 'reached by the end of the year'\n" +
                   detail::script_tail();
        charts.push_back(std::move(c));
    }
    if (result.contains("tornado")) {
        // The largest swing on top.
        chart c{"tornado", "", "# row group p_at_p10 p_at_p90\n"};
        const auto& bars = result.at("tornado");
        for (std::size_t i = 0; i < bars.size(); ++i) {
            const auto& bar = bars[i];
            c.data += std::to_string(bars.size() - 1 - i) + " " + detail::label_token(bar.at("group")) + " " +
                      number(bar.at("low").at("probability_target_met")) + " " +
                      number(bar.at("high").at("probability_target_met")) + "\n";
        }
        const double p = result.at("probability_target_met");
        std::vector<std::string> groups;
        for (const auto& bar : bars) groups.push_back(bar.at("group"));
        c.script = detail::script_head(c.name, "What moves P(target met): each group of inputs held at its p10, at its p90\n(" +
                                                   scenario + "; dashed: the run's P(target met), " +
                                                   detail::percent(p) + ")") +
                   detail::left_margin_for(groups) +
                   "set arrow from " + number(p) + ", graph 0 to " + number(p) +
                   ", graph 1 nohead lw 2 dt 2 lc rgb '#404040' front\n"
                   "set xlabel 'P(target met)' noenhanced\nset xrange [0:1]\nset xtics 0.1\nset ytics noenhanced\n"
                   "set key bottom right\nset style fill solid 0.8 noborder\n"
                   "plot '" + c.name + ".dat' using (" + number(p) + "):1:(" + number(p) +
                   "):3:($1-0.35):($1+0.35):ytic(2) with boxxyerror lc rgb '#5b9bd5' title 'group at its p10', \\\n"
                   "     '' using (" + number(p) + "):1:(" + number(p) +
                   "):4:($1-0.35):($1+0.35) with boxxyerror lc rgb '#ed7d31' title 'group at its p90'\n" +
                   detail::script_tail();
        charts.push_back(std::move(c));
    }
    return charts;
}

/// The chart of a `fabrisk sensitivity` result: each group's first-order and total Sobol
/// indices with their 95% intervals, the largest total on top.
inline std::vector<chart> sensitivity_charts(const nlohmann::ordered_json& sensitivity) {
    using detail::number;
    chart c{"sobol", "", "# row group first first_lo first_hi total total_lo total_hi\n"};
    const auto& groups = sensitivity.at("sobol");
    std::size_t row = groups.size();
    for (const auto& [group, s] : groups.items()) {
        --row;
        c.data += std::to_string(row) + " " + detail::label_token(group) + " " + number(s.at("first")) + " " +
                  number(s.at("first_ci95")[0]) + " " + number(s.at("first_ci95")[1]) + " " + number(s.at("total")) + " " +
                  number(s.at("total_ci95")[0]) + " " + number(s.at("total_ci95")[1]) + "\n";
    }
    const std::string output = sensitivity.value("output", "");
    std::vector<std::string> names;
    for (const auto& [group, s] : groups.items()) names.push_back(group);
    c.script = detail::script_head(c.name, "What decides " + output + ": Sobol indices with 95% intervals (" +
                                               sensitivity.value("scenario", "") + ", " +
                                               std::to_string(sensitivity.value("base_trials", 0)) + " base trials)") +
               detail::left_margin_for(names) +
               "set xlabel 'share of the variance of " + output + "' noenhanced\nset xrange [-0.05:1.05]\nset xtics 0.1\n"
               "set ytics noenhanced\nset key bottom right\nset style fill solid 0.8 noborder\n"
               "plot '" + c.name + ".dat' using (0):1:(0):6:($1-0.38):($1):ytic(2) with boxxyerror lc rgb '#ed7d31' title 'total', \\\n"
               "     '' using 6:($1-0.19):7:8 with xerrorbars pt -1 lc rgb '#404040' notitle, \\\n"
               "     '' using (0):1:(0):3:($1):($1+0.38) with boxxyerror lc rgb '#5b9bd5' title 'first order', \\\n"
               "     '' using 3:($1+0.19):4:5 with xerrorbars pt -1 lc rgb '#404040' title '95% interval'\n" +
               detail::script_tail();
    return {c};
}

/// The charts of a `fabrisk compare` result: the two distributions of installed compute at the
/// deadline overlaid (as densities, so bins of different widths compare), and their exceedance
/// curves.
inline std::vector<chart> comparison_charts(const nlohmann::ordered_json& comparison) {
    using detail::number;
    const auto& a = comparison.at("a");
    const auto& b = comparison.at("b");
    const double target = a.at("target").at("installed_flops");
    const int deadline = a.at("target").at("deadline_year");
    const auto& d = comparison.at("difference");
    const std::string title_p = "A: " + detail::percent(a.at("probability_target_met")) +
                                ", B: " + detail::percent(b.at("probability_target_met")) +
                                ", B - A: " + detail::percent(d.at("probability_target_met")) + " (95% interval " +
                                detail::percent(d.at("ci95")[0]) + " to " + detail::percent(d.at("ci95")[1]) + ")";
    const auto& ha = a.at("outputs").at("installed_flops").at("histogram");
    const auto& hb = b.at("outputs").at("installed_flops").at("histogram");
    const bool log = ha.value("scale", "linear") == "log" && hb.value("scale", "linear") == "log";
    std::vector<chart> charts;
    {
        // Steps: each bin's density from its left edge, and once more at the last right edge.
        auto steps = [&](const nlohmann::ordered_json& h, double trials) {
            std::string rows;
            const auto& edges = h.at("edges");
            const auto& counts = h.at("counts");
            double density = 0;
            for (std::size_t i = 0; i < counts.size(); ++i) {
                const double left = edges[i], right = edges[i + 1];
                const double width = log ? std::log10(right / left) : right - left;
                density = width > 0 ? counts[i].get<double>() / trials / width : 0;
                rows += number(left) + " " + number(density) + "\n";
            }
            return rows + number(edges.back()) + " " + number(density) + "\n";
        };
        chart c{"comparison", "",
                "# A: left_edge density (share of trials per " + std::string(log ? "decade" : "unit") + ")\n" +
                    steps(ha, a.at("trials")) + "\n\n# B\n" + steps(hb, b.at("trials"))};
        c.script = detail::script_head(c.name, "Installed AI compute at the end of " + std::to_string(deadline) +
                                                   ": A (" + a.value("scenario", "") + ") and B (" +
                                                   b.value("scenario", "") + ") on the same trials\n" + title_p) +
                   (log ? detail::log_axis('x') : "") + detail::target_line(target) +
                   "set xlabel 'installed compute at the deadline (FLOP/s" + (log ? ", log scale" : "") + ")' noenhanced\n" +
                   "set ylabel 'share of trials per " + (log ? "decade" : "FLOP/s") + "' noenhanced\nset yrange [0:*]\nset format y '%g'\n" +
                   "plot '" + c.name + ".dat' index 0 using 1:2 with steps lw 2 lc rgb '#1f4e79' title 'A', \\\n"
                   "     '' index 1 using 1:2 with steps lw 2 lc rgb '#ed7d31' title 'B'\n" +
                   detail::script_tail();
        charts.push_back(std::move(c));
    }
    {
        chart c{"comparison_exceedance", "", "# installed_flops P_A P_B\n"};
        const auto& ea = a.at("exceedance");
        const auto& eb = b.at("exceedance");
        for (std::size_t i = 0; i < ea.at("installed_flops").size() && i < eb.at("installed_flops").size(); ++i)
            c.data += number(ea["installed_flops"][i]) + " " + number(ea["probability"][i]) + " " +
                      number(eb["probability"][i]) + "\n";
        c.script = detail::script_head(c.name, "Chance of installing at least x by the end of " + std::to_string(deadline) +
                                                   ", A and B\n" + title_p) +
                   detail::exceedance_axes(target) +
                   "plot '" + c.name + ".dat' using 1:2 with linespoints pt 7 ps 0.5 lw 2 lc rgb '#1f4e79' title 'A', \\\n"
                   "     '' using 1:3 with linespoints pt 5 ps 0.5 lw 2 lc rgb '#ed7d31' title 'B'\n" +
                   detail::script_tail();
        charts.push_back(std::move(c));
    }
    return charts;
}

/// The chart of a `fabrisk sweep` result: P(target met) at each value of the first path, with
/// its 95% interval as a band; one curve per value of the second path, if any. Values that are
/// not numbers are placed one per step and labelled.
inline std::vector<chart> sweep_charts(const nlohmann::ordered_json& sweep) {
    using detail::number;
    const auto& paths = sweep.at("paths");
    const auto& points = sweep.at("points");
    bool numeric = true, positive = true;
    double lo = INFINITY, hi = -INFINITY;
    for (const auto& p : points) {
        const auto& v = p.at("values")[0];
        numeric = numeric && v.is_number();
        if (v.is_number()) {
            lo = std::min(lo, v.get<double>());
            hi = std::max(hi, v.get<double>());
            positive = positive && v.get<double>() > 0;
        }
    }
    const bool log = numeric && positive && hi > 20 * lo;
    // One data block per value of the second path, in the order the points come.
    std::vector<std::string> curves, blocks;
    for (std::size_t i = 0; i < points.size(); ++i) {
        const auto& p = points[i];
        const std::string curve = paths.size() > 1 ? p.at("values")[1].dump() : std::string();
        auto at = std::find(curves.begin(), curves.end(), curve);
        if (at == curves.end()) {
            curves.push_back(curve);
            blocks.emplace_back();
            at = curves.end() - 1;
        }
        std::string& rows = blocks[static_cast<std::size_t>(at - curves.begin())];
        const auto& v = p.at("values")[0];
        const auto& ci = p.at("probability_ci95");
        const std::string x = numeric ? number(v) : std::to_string(i);
        rows += x + " " + number(p.at("probability_target_met")) + " " + number(ci[0]) + " " + number(ci[1]) + " " +
                detail::label_token(v.is_string() ? v.get<std::string>() : v.dump()) + "\n";
    }
    chart c{"sweep", "", ""};
    const std::string first = paths[0];
    for (std::size_t k = 0; k < blocks.size(); ++k)
        c.data += (k ? "\n\n" : "") + std::string("# ") + (paths.size() > 1 ? std::string(paths[1]) + " = " + curves[k] : first) +
                  ": value P ci_lo ci_hi label\n" + blocks[k];
    static const char* colours[] = {"#1f4e79", "#ed7d31", "#548235", "#7030a0", "#c00000", "#2e75b6", "#bf9000", "#404040"};
    std::string plot = "plot ";
    for (std::size_t k = 0; k < blocks.size(); ++k) {
        const std::string colour = colours[k % 8];
        const std::string name = paths.size() > 1 ? std::string(paths[1]) + " = " + curves[k] : "P(target met)";
        plot += std::string(k ? ", \\\n     " : "") + "'" + c.name + ".dat' index " + std::to_string(k) +
                " using 1:3:4 with filledcurves lc rgb '" + colour + "' fs transparent solid 0.2 notitle, \\\n     '' index " +
                std::to_string(k) + " using 1:2" + (numeric ? "" : ":xtic(5)") + " with linespoints pt 7 lw 2 lc rgb '" +
                colour + "' title " + detail::quoted(name);
    }
    c.script = detail::script_head(c.name, "P(target met) as " + first + " varies (" +
                                               std::to_string(sweep.value("trials", 0ULL)) +
                                               " trials a point, the same trials at every point)\nband: 95% interval") +
               (log ? detail::log_axis('x') : "") + "set xlabel " + detail::quoted(first) + " noenhanced\n" +
               "set ylabel 'P(target met)' noenhanced\nset yrange [0:1]\nset ytics 0.1\nset key top left\n" + plot + "\n" +
               detail::script_tail();
    return {c};
}

}  // namespace fabrisk::buildout

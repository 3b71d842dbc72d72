#pragma once
// The one-line progress display on a terminal's stderr: trials done of the total, trials a
// second, time left and the current P(target met) with its 95% interval. Redrawn at most ten
// times a second; nothing at all when stderr is not a terminal or with --quiet. Under MPI,
// where mpirun forwards rank 0's stderr through a pipe (to a terminal or a batch job's log),
// the `lines` style prints the same as a line of its own every ten seconds instead.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fabrisk/buildout/simulation.hpp"

namespace fabrisk_cli {

/// 1234567 as "1,234,567".
inline std::string grouped(std::uint64_t n) {
    std::string s = std::to_string(n);
    for (int i = static_cast<int>(s.size()) - 3; i > 0; i -= 3) s.insert(static_cast<std::size_t>(i), ",");
    return s;
}

class progress_display {
public:
    using clock = std::chrono::steady_clock;
    static constexpr auto interval = std::chrono::milliseconds(100);
    static constexpr auto line_interval = std::chrono::seconds(10);

    enum class style { redrawn, lines };
    explicit progress_display(bool enabled, style how = style::redrawn)
        : enabled_(enabled), lines_(how == style::lines), start_(clock::now()), last_(start_) {}
    bool enabled() const noexcept { return enabled_; }

    /// Called after every merged chunk; draws only if `interval` has passed since the last draw.
    void update(const fabrisk::buildout::run_progress& p) {
        if (!enabled_) return;
        const auto now = clock::now();
        if (now - last_ < (lines_ ? line_interval : interval)) return;
        last_ = now;
        const double seconds = std::chrono::duration<double>(now - start_).count();
        const double rate = seconds > 0 ? double(p.trials_done) / seconds : 0;
        const auto met = p.target_met();
        const auto [lo, hi] = met.wilson();
        char line[256];
        const double left = rate > 0 && p.trials_planned > p.trials_done ? double(p.trials_planned - p.trials_done) / rate : 0;
        std::snprintf(line, sizeof line, "  %.2f M trials/s  %s left  P(target met) %.4f [%.4f, %.4f]", rate / 1e6,
                      duration(left).c_str(), met.estimate(), lo, hi);
        if (lines_) {
            std::fprintf(stderr, "fabrisk: %s / %s trials%s\n", grouped(p.trials_done).c_str(), grouped(p.trials_planned).c_str(),
                         line);
        } else {
            std::fprintf(stderr, "\r%s / %s trials%s\033[K", grouped(p.trials_done).c_str(), grouped(p.trials_planned).c_str(),
                         line);
            drawn_ = true;
        }
        std::fflush(stderr);
    }
    /// Erases the line, so what follows starts on a clean one.
    void finish() {
        if (!drawn_) return;
        std::fprintf(stderr, "\r\033[K");
        std::fflush(stderr);
        drawn_ = false;
    }

private:
    static std::string duration(double seconds) {
        char text[32];
        if (seconds < 100) std::snprintf(text, sizeof text, "%.0f s", seconds);
        else if (seconds < 6000) std::snprintf(text, sizeof text, "%.0f min", seconds / 60);
        else std::snprintf(text, sizeof text, "%.1f h", seconds / 3600);
        return text;
    }

    bool enabled_, lines_, drawn_ = false;
    clock::time_point start_, last_;
};

}  // namespace fabrisk_cli

#pragma once
// SIGINT, SIGTERM and SIGHUP for the command line. A run that can stop early (`run`) stops at
// its next chunk boundary on the first SIGINT or SIGTERM and still writes what it has; a
// second signal, SIGHUP, or any signal to a command that cannot stop early ends the process at
// once, after removing its temporary output files: earlier files stay as they were.
//
// A handler may only call async-signal-safe functions (write, unlink, signal, raise) and touch
// lock-free atomics, hence the fixed buffers.
#include <csignal>
#include <cstddef>
#include <cstring>
#include <string>

#include <unistd.h>

#include "fabrisk/runner.hpp"

namespace fabrisk_cli {

namespace detail {
inline constexpr std::size_t max_temp_files = 4, max_path = 4096;
inline char temp_files[max_temp_files][max_path];
inline volatile std::sig_atomic_t temp_file_count = 0;
inline fabrisk::stop_flag* graceful_stop = nullptr;
inline volatile std::sig_atomic_t first_signal = 0;

extern "C" inline void on_signal(int sig) {
    if (graceful_stop && first_signal == 0 && sig != SIGHUP) {
        first_signal = sig;
        graceful_stop->request();
        static constexpr char notice[] =
            "\nfabrisk: stopping after the chunk in hand; signal again to quit at once, writing nothing\n";
        [[maybe_unused]] const auto written = ::write(STDERR_FILENO, notice, sizeof notice - 1);
        return;
    }
    for (int i = 0; i < temp_file_count; ++i) ::unlink(temp_files[i]);
    std::signal(sig, SIG_DFL);
    std::raise(sig);
}
}  // namespace detail

/// Installs the handlers (once). With `stop`, the first SIGINT or SIGTERM requests it instead
/// of ending the process. Signals that were ignored (nohup, a background job) stay ignored.
inline void handle_interrupts(fabrisk::stop_flag* stop = nullptr) {
    detail::graceful_stop = stop;
    for (int sig : {SIGINT, SIGTERM, SIGHUP})
        if (std::signal(sig, detail::on_signal) == SIG_IGN) std::signal(sig, SIG_IGN);
}

/// A temporary file to remove if the process is ended by a signal (empty paths are ignored).
inline void remove_on_interrupt(const std::string& path) {
    if (path.empty() || detail::temp_file_count >= static_cast<int>(detail::max_temp_files) ||
        path.size() >= detail::max_path)
        return;
    std::memcpy(detail::temp_files[detail::temp_file_count], path.c_str(), path.size() + 1);
    detail::temp_file_count = detail::temp_file_count + 1;
}

/// The signal that asked the run to stop (SIGINT or SIGTERM), or 0.
inline int stop_signal() noexcept { return detail::first_signal; }

}  // namespace fabrisk_cli

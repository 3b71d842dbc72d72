#pragma once
// --plot DIR: each chart's gnuplot script and data go into DIR, and gnuplot draws NAME.svg and
// NAME.png from them there. The directory is claimed before the run (made if missing, checked
// writable), so a bad path fails at once. Scripts and data are written all or nothing
// (output_file); gnuplot draws each picture under a temporary name that is renamed into place
// and written into place only if it succeeds, so a failed drawing leaves any earlier picture as
// it was. Without
// gnuplot the scripts and data are still written, and the user is told how to draw them.
#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fabrisk/buildout/charts.hpp"
#include "fabrisk/error.hpp"
#include "fabrisk/output_file.hpp"

namespace fabrisk_cli {

class plot_directory {
public:
    explicit plot_directory(std::string dir) : dir_(std::move(dir)) {
        if (dir_.empty()) throw fabrisk::usage_error("--plot: expected a directory");
        if (::mkdir(dir_.c_str(), 0777) != 0 && errno != EEXIST) fail(std::strerror(errno));
        struct stat st {};
        if (::stat(dir_.c_str(), &st) != 0) fail(std::strerror(errno));
        if (!S_ISDIR(st.st_mode)) fail("not a directory");
        if (::access(dir_.c_str(), W_OK | X_OK) != 0) fail(std::strerror(errno));
    }

    const std::string& path() const noexcept { return dir_; }

    /// Writes every chart's NAME.gp and NAME.dat, then draws NAME.svg and NAME.png with
    /// gnuplot. Returns false, having said so on `messages`, if gnuplot is not installed.
    bool draw(const std::vector<fabrisk::buildout::chart>& charts, std::ostream& messages) const {
        std::vector<std::unique_ptr<fabrisk::output_file>> files;
        for (const auto& c : charts) {
            files.push_back(std::make_unique<fabrisk::output_file>(in_dir(c.name + ".gp")));
            files.back()->write(c.script);
            files.push_back(std::make_unique<fabrisk::output_file>(in_dir(c.name + ".dat")));
            files.back()->write(c.data);
        }
        for (auto& f : files) f->commit();
        const std::string gnuplot = find_gnuplot();
        if (gnuplot.empty()) {
            messages << "fabrisk: gnuplot is not installed, so " << dir_
                     << " holds the charts' data and gnuplot scripts but no pictures. Install it "
                        "(sudo apt-get install gnuplot-nox) and draw them with: cd "
                     << dir_ << " && for f in *.gp; do gnuplot \"$f\"; done\n";
            return false;
        }
        for (const auto& c : charts) draw_one(gnuplot, c.name);
        return true;
    }

private:
    std::string dir_;

    [[noreturn]] void fail(const std::string& reason) const {
        throw fabrisk::io_error("cannot write charts to " + dir_ + " (--plot): " + reason);
    }
    std::string in_dir(const std::string& name) const { return dir_ + "/" + name; }

    /// gnuplot's path on PATH, or "" if there is none.
    static std::string find_gnuplot() {
        const char* path = std::getenv("PATH");
        std::string dirs = path ? path : "/usr/bin:/bin";
        for (std::size_t start = 0; start <= dirs.size();) {
            const std::size_t end = std::min(dirs.find(':', start), dirs.size());
            const std::string candidate = (end > start ? dirs.substr(start, end - start) : ".") + "/gnuplot";
            if (::access(candidate.c_str(), X_OK) == 0) return candidate;
            start = end + 1;
        }
        return "";
    }

    /// Runs gnuplot on NAME.gp in the directory, its pictures under temporary names, and renames
    /// them into place if it succeeds. gnuplot's own messages go to standard error.
    void draw_one(const std::string& gnuplot, const std::string& name) const {
        const std::string svg = "." + name + ".svg.part", png = "." + name + ".png.part";
        const std::string names = "svg='" + svg + "'; png='" + png + "'";
        const pid_t pid = ::fork();
        if (pid < 0) fail(std::string("cannot start gnuplot: ") + std::strerror(errno));
        if (pid == 0) {
            const int null = ::open("/dev/null", O_WRONLY);
            if (::chdir(dir_.c_str()) != 0 || null < 0 || ::dup2(null, STDOUT_FILENO) < 0) ::_exit(126);
            ::execl(gnuplot.c_str(), "gnuplot", "-e", names.c_str(), (name + ".gp").c_str(), static_cast<char*>(nullptr));
            ::_exit(127);
        }
        int raw = 0;
        while (::waitpid(pid, &raw, 0) < 0 && errno == EINTR) {
        }
        const bool ok = WIFEXITED(raw) && WEXITSTATUS(raw) == 0;
        if (!ok) {
            ::unlink(in_dir(svg).c_str());
            ::unlink(in_dir(png).c_str());
            fail("gnuplot could not draw " + name + ".gp (its messages are above)");
        }
        // Through output_file, so the pictures follow the same path rules as every output.
        for (const auto& [part, final_name] : {std::pair{svg, name + ".svg"}, std::pair{png, name + ".png"}}) {
            std::ifstream in(in_dir(part), std::ios::binary);
            const std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
            ::unlink(in_dir(part).c_str());
            if (content.empty()) fail("gnuplot drew nothing for " + final_name);
            fabrisk::output_file(in_dir(final_name)).commit(content);
        }
    }
};

}  // namespace fabrisk_cli

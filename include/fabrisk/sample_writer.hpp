#pragma once
/// \file sample_writer.hpp
/// A sink (runner.hpp) that writes every trial's outputs to an output_file, one row per trial
/// in trial order, as CSV or as a NumPy `.npy` file. Rows are formatted on the worker threads
/// (summarize) and appended in chunk order (merge); the runner's window bounds the chunks in
/// flight, so memory stays flat however many trials run.
///
///     fabrisk::output_file out("samples.npy");
///     fabrisk::sample_writer samples(out, {"x", "y"}, fabrisk::sample_format_of(out.path()));
///     fabrisk::run(my_model, samples, options);   // or alongside statistics: sink_pair.hpp
///     samples.finish();                            // then out.commit()
///
/// - **CSV**: a header `trial,NAME,...`, then per trial its index and its values, shortest
///   round-trip decimal (std::to_chars), `inf`, `-inf` and `nan` as NumPy reads them.
/// - **`.npy`** (format version 1.0, or 2.0 for a header over 64 KiB): a structured array of
///   shape (trials,), one little-endian float64 field per column, `np.load(f)["x"]` a column;
///   the row number is the trial's index from the first trial. The header is written with room
///   for any count and rewritten by finish() with the rows written, so a run stopped early
///   (or run to a precision) still gives a valid file; that needs a regular file, so a
///   direct target (a pipe) is refused.
/// - **`.npz`**: one `.npy` member per column (`np.load(f)["x"]`, a float64 array of shape
///   (trials,)), stored uncompressed (stored_zip.hpp). Each column streams to its own temporary
///   file beside the target (removed from the directory at once, so nothing is left behind
///   whatever happens) and finish() assembles the archive, two passes per column: its CRC-32,
///   then its bytes. A pipe can take it, since it is written in one pass at the end.
///
/// The formats are NumPy's own (numpy.lib.format); no C++ library writes them streamed with a
/// count known only at the end, hence the few lines here.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include <Eigen/Core>
#include <boost/crc.hpp>

#include <fcntl.h>
#include <unistd.h>

#include "fabrisk/error.hpp"
#include "fabrisk/output_file.hpp"
#include "fabrisk/stored_zip.hpp"

namespace fabrisk {

enum class sample_format { csv, npy, npz };

/// The format a file name asks for: `.npy` or `.npz` (any case), else CSV.
inline sample_format sample_format_of(const std::string& path) {
    auto ends_with = [&](const char* suffix) {
        const std::size_t n = std::strlen(suffix);
        if (path.size() < n) return false;
        for (std::size_t i = 0; i < n; ++i)
            if (std::tolower(static_cast<unsigned char>(path[path.size() - n + i])) != suffix[i]) return false;
        return true;
    };
    if (ends_with(".npz")) return sample_format::npz;
    return ends_with(".npy") ? sample_format::npy : sample_format::csv;
}

class sample_writer {
public:
    /// Rows of one chunk, formatted: CSV rows without their trial index (the chunk does not
    /// know where it starts; merge() adds it), or .npy records.
    struct chunk {
        std::string bytes;
        std::vector<std::uint32_t> row_ends;  ///< CSV only: where each row ends in `bytes`
        std::uint64_t rows = 0;
    };

    /// Writes to `out` (kept by reference: it must outlive the writer) the columns `names`, in
    /// `format`; the first row is trial `first_trial`. Throws usage_error for a .npy to a direct
    /// target, for no columns, or for names a format cannot hold.
    sample_writer(output_file& out, std::vector<std::string> names, sample_format format, std::uint64_t first_trial = 0)
        : out_(&out), names_(std::move(names)), format_(format), next_trial_(first_trial) {
        if (names_.empty()) throw usage_error("samples: no columns to write");
        for (const auto& n : names_)
            if (n.empty() || n.find_first_of(",'\"\\\n\r") != std::string::npos)
                throw usage_error("samples: column name '" + n + "' cannot be written");
        if (format_ == sample_format::npy && out.is_direct())
            throw usage_error("samples: " + out.path() +
                              ": a .npy file must be a regular file (its header is rewritten at the end); use .csv for a "
                              "pipe or standard output");
        if (format_ == sample_format::npz) open_column_files();
    }
    sample_writer(const sample_writer&) = delete;
    sample_writer& operator=(const sample_writer&) = delete;
    ~sample_writer() {
        for (const int fd : column_fds_) ::close(fd);
    }

    const std::vector<std::string>& columns() const noexcept { return names_; }
    /// Trials written so far.
    std::uint64_t rows() const noexcept { return rows_; }

    chunk summarize(const Eigen::Ref<const Eigen::ArrayXXd>& block) const {
        if (static_cast<std::size_t>(block.cols()) != names_.size())
            throw usage_error("sample_writer: " + std::to_string(block.cols()) + " outputs, expected " +
                              std::to_string(names_.size()));
        chunk c;
        c.rows = static_cast<std::uint64_t>(block.rows());
        if (format_ == sample_format::npy) {
            c.bytes.resize(static_cast<std::size_t>(block.size()) * 8);
            char* p = c.bytes.data();
            for (Eigen::Index r = 0; r < block.rows(); ++r)
                for (Eigen::Index j = 0; j < block.cols(); ++j, p += 8) put_little_endian(block(r, j), p);
            return c;
        }
        if (format_ == sample_format::npz) {  // column after column
            c.bytes.resize(static_cast<std::size_t>(block.size()) * 8);
            char* p = c.bytes.data();
            for (Eigen::Index j = 0; j < block.cols(); ++j)
                for (Eigen::Index r = 0; r < block.rows(); ++r, p += 8) put_little_endian(block(r, j), p);
            return c;
        }
        c.bytes.reserve(static_cast<std::size_t>(block.size()) * 24);
        c.row_ends.reserve(static_cast<std::size_t>(block.rows()));
        char number[32];
        for (Eigen::Index r = 0; r < block.rows(); ++r) {
            for (Eigen::Index j = 0; j < block.cols(); ++j) {
                c.bytes += ',';
                c.bytes.append(number, format_number(block(r, j), number));
            }
            c.bytes += '\n';
            c.row_ends.push_back(static_cast<std::uint32_t>(c.bytes.size()));
        }
        return c;
    }

    /// Appends the chunk's rows (CSV: each with its trial index); the header goes first.
    void merge(chunk&& c) {
        start();
        if (format_ == sample_format::csv) {
            std::string text;
            text.reserve(c.bytes.size() + c.rows * 8);
            char number[24];
            std::uint32_t begin = 0;
            for (const std::uint32_t end : c.row_ends) {
                text.append(number, static_cast<std::size_t>(std::to_chars(number, number + sizeof number, next_trial_++).ptr - number));
                text.append(c.bytes, begin, end - begin);
                begin = end;
            }
            out_->append(text);
        } else if (format_ == sample_format::npz) {
            const std::size_t column_bytes = static_cast<std::size_t>(c.rows) * 8;
            for (std::size_t j = 0; j < column_fds_.size(); ++j)
                write_column(column_fds_[j], c.bytes.data() + j * column_bytes, column_bytes);
            next_trial_ += c.rows;
        } else {
            out_->append(c.bytes);
            next_trial_ += c.rows;
        }
        rows_ += c.rows;
    }

    /// After the run: the header (if no row came), the .npy's final shape, then
    /// output_file::finish(). The caller commits the file.
    void finish() {
        start();
        if (format_ == sample_format::npy) out_->overwrite(0, npy_header(rows_));
        if (format_ == sample_format::npz) write_archive();
        out_->finish();
    }

    /// The .npy header for `rows` rows of the structured array; its length does not depend on
    /// `rows`.
    std::string npy_header(std::uint64_t rows) const {
        std::string descr = "[";
        for (std::size_t j = 0; j < names_.size(); ++j) descr += (j ? ", ('" : "('") + names_[j] + "', '<f8')";
        return npy_header(descr + "]", rows);
    }
    /// The .npy header of an array of `rows` records of type `descr` (NumPy's dtype.descr).
    static std::string npy_header(const std::string& descr, std::uint64_t rows) {
        std::string dict = "{'descr': " + descr + ", 'fortran_order': False, 'shape': (" + std::to_string(rows) + ",), }";
        // Room for the longest count, so the header written first can be rewritten in place.
        const std::size_t room = dict.size() + 20 - std::to_string(rows).size();
        const bool v1 = 10 + room + 1 <= 65535;
        const std::size_t prefix = v1 ? 10 : 12;
        const std::size_t total = (prefix + room + 1 + 63) / 64 * 64;  // NumPy aligns the data to 64 bytes
        dict.append(total - prefix - dict.size() - 1, ' ');
        dict += '\n';
        std::string h = "\x93NUMPY";
        h += static_cast<char>(v1 ? 1 : 2);
        h += '\0';
        const std::size_t len = dict.size();
        for (std::size_t i = 0; i < prefix - 8; ++i) h += static_cast<char>((len >> (8 * i)) & 0xff);
        return h + dict;
    }

    /// `x` in shortest round-trip form, or inf, -inf, nan; returns its length.
    static std::size_t format_number(double x, char* out) {
        if (std::isnan(x)) return std::strlen(std::strcpy(out, "nan"));
        return static_cast<std::size_t>(std::to_chars(out, out + 32, x).ptr - out);
    }

private:
    static void put_little_endian(double x, char* p) {
        std::uint64_t bits;
        std::memcpy(&bits, &x, 8);
        for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((bits >> (8 * i)) & 0xff);
    }

    /// One unlinked temporary file per column, beside the target (or in the temporary directory
    /// for a direct target): a killed process leaves none behind.
    void open_column_files() {
        const std::string& temp = out_->temp_path();
        std::string dir;
        if (!temp.empty()) dir = temp.substr(0, temp.rfind('/') + 1);  // "" for the current directory
        else if (const char* t = std::getenv("TMPDIR"); t && *t) dir = std::string(t) + "/";
        else dir = "/tmp/";
        for (std::size_t j = 0; j < names_.size(); ++j) {
            std::string path = dir + ".fabrisk-column-XXXXXX";
            const int fd = ::mkstemp(path.data());
            if (fd < 0) throw io_error("cannot write a column of " + out_->path() + " in " + (dir.empty() ? std::string(".") : dir) + ": " + std::strerror(errno));
            ::unlink(path.c_str());
            column_fds_.push_back(fd);
        }
    }
    void write_column(int fd, const char* p, std::size_t left) const {
        while (left > 0) {
            const ssize_t w = ::write(fd, p, left);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) throw io_error("cannot write a column of " + out_->path() + ": " + std::strerror(errno));
            p += w;
            left -= static_cast<std::size_t>(w);
        }
    }
    /// Reads column file `fd` from its start in pieces, handing each to `use`.
    template <class Use>
    void read_column(int fd, Use&& use) const {
        std::vector<char> buffer(1 << 20);
        for (off_t at = 0;;) {
            const ssize_t n = ::pread(fd, buffer.data(), buffer.size(), at);
            if (n < 0 && errno == EINTR) continue;
            if (n < 0) throw io_error("cannot read back a column of " + out_->path() + ": " + std::strerror(errno));
            if (n == 0) return;
            use(buffer.data(), static_cast<std::size_t>(n));
            at += n;
        }
    }
    /// The .npz: per column its .npy header and values, CRC first, then the bytes.
    void write_archive() {
        stored_zip zip(*out_);
        for (std::size_t j = 0; j < names_.size(); ++j) {
            const std::string header = npy_header("'<f8'", rows_);
            boost::crc_32_type crc;
            crc.process_bytes(header.data(), header.size());
            read_column(column_fds_[j], [&](const char* p, std::size_t n) { crc.process_bytes(p, n); });
            zip.add(names_[j] + ".npy", header.size() + rows_ * 8, crc.checksum(), [&] {
                out_->append(header);
                read_column(column_fds_[j], [&](const char* p, std::size_t n) { out_->append(p, n); });
            });
        }
        zip.finish();
    }

    void start() {
        if (started_ || format_ == sample_format::npz) return;
        started_ = true;
        if (format_ == sample_format::npy) {
            out_->append(npy_header(0));
            return;
        }
        std::string header = "trial";
        for (const auto& n : names_) header += "," + n;
        out_->append(header + "\n");
    }

    output_file* out_;
    std::vector<std::string> names_;
    sample_format format_;
    std::uint64_t next_trial_, rows_ = 0;
    bool started_ = false;
    std::vector<int> column_fds_;  // .npz: each column's temporary file
};

}  // namespace fabrisk

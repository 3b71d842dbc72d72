#pragma once
/// \file state_bytes.hpp
/// The byte form of a run's state, written and read field by field: what an MPI reduction
/// sends between ranks and what a checkpoint holds (run_state.hpp), so the two share one
/// serialisation. Integers are little-endian of fixed width, doubles their IEEE-754 bits, so
/// the bytes are the same on every machine. Reading past the end, or a length that the
/// remaining bytes cannot hold, throws state_error: a truncated state is never half-read.
///
/// Written by hand: Boost.Serialization's portable binary archive is not part of Boost, and
/// its text and XML archives do not keep a double's bits.
#include <cstdint>
#include <cstring>
#include <iterator>
#include <string>
#include <utility>
#include <vector>

#include <boost/multiprecision/cpp_int.hpp>

#include "fabrisk/error.hpp"

namespace fabrisk {

/// A state that cannot be read: truncated, corrupted, or of another kind or version.
class state_error : public usage_error {
public:
    using usage_error::usage_error;
};

class byte_writer {
public:
    void u8(std::uint8_t v) { bytes_.push_back(static_cast<char>(v)); }
    void u64(std::uint64_t v) {
        for (int i = 0; i < 8; ++i) bytes_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    }
    void f64(double x) {
        std::uint64_t bits;
        std::memcpy(&bits, &x, sizeof bits);
        u64(bits);
    }
    void text(const std::string& s) {
        u64(s.size());
        bytes_ += s;
    }
    void f64s(const std::vector<double>& v) {
        u64(v.size());
        for (double x : v) f64(x);
    }
    /// A signed integer of any size: its sign, then its magnitude's bytes, most significant first.
    void integer(const boost::multiprecision::cpp_int& v) {
        u8(v < 0 ? 1 : 0);
        std::vector<unsigned char> magnitude;
        const boost::multiprecision::cpp_int m = abs(v);
        boost::multiprecision::export_bits(m, std::back_inserter(magnitude), 8);
        u64(magnitude.size());
        bytes_.append(magnitude.begin(), magnitude.end());
    }
    void raw(const std::string& s) { bytes_ += s; }

    const std::string& bytes() const noexcept { return bytes_; }
    std::string take() noexcept { return std::move(bytes_); }

private:
    std::string bytes_;
};

class byte_reader {
public:
    /// Reads `bytes`, which must outlive the reader; `what` names them in errors.
    byte_reader(const std::string& bytes, std::string what) : bytes_(bytes), what_(std::move(what)) {}

    std::uint8_t u8() { return static_cast<std::uint8_t>(take(1)[0]); }
    std::uint64_t u64() {
        const char* p = take(8);
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i) v |= std::uint64_t{static_cast<unsigned char>(p[i])} << (8 * i);
        return v;
    }
    double f64() {
        const std::uint64_t bits = u64();
        double x;
        std::memcpy(&x, &bits, sizeof x);
        return x;
    }
    std::string text() {
        const std::uint64_t n = length(1);
        return std::string(take(n), n);
    }
    std::vector<double> f64s() {
        std::vector<double> v(length(8));
        for (double& x : v) x = f64();
        return v;
    }
    boost::multiprecision::cpp_int integer() {
        const bool negative = u8() != 0;
        const std::uint64_t n = length(1);
        const auto* p = reinterpret_cast<const unsigned char*>(take(n));
        boost::multiprecision::cpp_int v;
        if (n) boost::multiprecision::import_bits(v, p, p + n, 8);
        return negative ? -v : v;
    }
    /// A count of items of `size` bytes each, refused if the bytes left cannot hold them.
    std::uint64_t length(std::uint64_t size) {
        const std::uint64_t n = u64();
        if (n > remaining() / size) fail("truncated (a length of " + std::to_string(n) + " runs past the end)");
        return n;
    }
    std::uint64_t remaining() const noexcept { return bytes_.size() - at_; }
    bool at_end() const noexcept { return at_ == bytes_.size(); }
    /// Throws state_error naming the bytes read and what is wrong with them.
    [[noreturn]] void fail(const std::string& problem) const {
        throw state_error(what_ + ": " + problem + " (at byte " + std::to_string(at_) + ")");
    }

private:
    const char* take(std::uint64_t n) {
        if (n > remaining()) fail("truncated");
        const char* p = bytes_.data() + at_;
        at_ += n;
        return p;
    }
    const std::string& bytes_;
    std::string what_;
    std::uint64_t at_ = 0;
};

/// The bytes of a state: anything with `void save(byte_writer&) const`.
template <class State>
std::string state_bytes(const State& state) {
    byte_writer w;
    state.save(w);
    return w.take();
}

/// The State that `State::load(byte_reader&)` reads from all of `bytes` (bytes left over are
/// refused); `what` names them in errors.
template <class State>
State state_from_bytes(const std::string& bytes, const std::string& what) {
    byte_reader r(bytes, what);
    State state = State::load(r);
    if (!r.at_end()) r.fail("bytes after the state");
    return state;
}

/// The bytes of two states added (`State::add`, which must not depend on the order): the
/// combining step of a reduction over ranks (segmented_run.hpp).
template <class State>
std::string added_state_bytes(const std::string& a, const std::string& b, const std::string& what) {
    State sum = state_from_bytes<State>(a, what);
    sum.add(state_from_bytes<State>(b, what));
    return state_bytes(sum);
}

}  // namespace fabrisk

#pragma once
/// \file exact_sum.hpp
/// Sums of weighted doubles and of their squares, kept exactly: a big integer counting units of
/// 2^−2300, below the last bit of any double's square. Addition of integers is associative, so
/// a sum folded in any order, on any number of threads, processes or machines, holds the same
/// integer: what lets chunk digests be merged in any order (run_state.hpp) with the same bits.
/// Its value is read by rounding an exact ratio once (ratio_to_double).
///
/// Boost.Multiprecision's cpp_int does the arithmetic; the rounding is written here because its
/// conversions to double are not specified to round the same way on every platform.
#include <cmath>
#include <cstdint>
#include <limits>
#include <utility>

#include <boost/multiprecision/cpp_int.hpp>

namespace fabrisk {

using big_integer = boost::multiprecision::cpp_int;

/// num / den (den > 0) rounded to the nearest double, ties to even; computed in integers, so
/// the same on every machine.
inline double ratio_to_double(const big_integer& num, const big_integer& den) {
    if (num == 0) return 0.0;
    const bool negative = num < 0;
    const big_integer p = negative ? big_integer(-num) : num;
    // Scale so the quotient has 54 or 55 bits, then keep 53 of them.
    const long shift = 54 + static_cast<long>(msb(den)) - static_cast<long>(msb(p));
    const big_integer scaled_p = shift > 0 ? big_integer(p << shift) : p;
    const big_integer scaled_d = shift < 0 ? big_integer(den << -shift) : den;
    big_integer q, r;
    divide_qr(scaled_p, scaled_d, q, r);
    const unsigned extra = static_cast<unsigned>(msb(q)) + 1 - 53;  // 1 or 2
    const std::uint64_t bits = static_cast<std::uint64_t>(q);
    std::uint64_t keep = bits >> extra;
    const std::uint64_t rest = bits & ((std::uint64_t{1} << extra) - 1), half = std::uint64_t{1} << (extra - 1);
    if (rest > half || (rest == half && (r != 0 || (keep & 1)))) ++keep;
    const double x = std::ldexp(static_cast<double>(keep), static_cast<int>(static_cast<long>(extra) - shift));
    return negative ? -x : x;
}

/// Σ weight·x and Σ weight·x² over finite doubles x and integer weights, exactly.
class exact_sum {
public:
    /// Units of the integer: 2^−scale_bits. A double is m·2^e with |m| < 2^53 and e ≥ −1126
    /// (frexp's form of the smallest subnormal), so x² is a whole number of 2^−2252 units.
    static constexpr int scale_bits = 2300;

    /// Adds weight·x^power, power 1 or 2, for finite x.
    void add(double x, std::uint64_t weight, int power) {
        if (x == 0 || weight == 0) return;
        int e;
        const double f = std::frexp(x, &e);                                        // x = f·2^e, ½ ≤ |f| < 1
        const auto m = static_cast<std::int64_t>(std::ldexp(f, 53));                // exact: 53 bits
        big_integer term = m;
        if (power == 2) term *= m;
        term *= weight;
        const int exponent = power * (e - 53) + scale_bits;  // ≥ 48
        sum_ += term << exponent;
    }
    void add(const exact_sum& other) { sum_ += other.sum_; }
    /// The sum in units of 2^−scale_bits.
    const big_integer& units() const noexcept { return sum_; }
    void set_units(big_integer units) { sum_ = std::move(units); }
    bool operator==(const exact_sum& o) const { return sum_ == o.sum_; }

private:
    big_integer sum_;
};

}  // namespace fabrisk

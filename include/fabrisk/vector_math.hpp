#pragma once
/// \file vector_math.hpp
/// exp, log and sqrt over arrays, every element through Eigen's vectorised (packet) code.
///
/// Eigen evaluates the ragged ends of an array (a misaligned head, a remainder shorter than a
/// packet) with scalar libm calls, which can differ from the packet code in the last bit. A
/// trial's value would then depend on where it sits in its block. Here every element goes
/// through fixed-size blocks of eight (the tail padded), so a value depends only on its input.
#include <algorithm>

#include <Eigen/Core>

namespace fabrisk::vector_math {

/// Eight values: a whole number of packets for every SIMD width, so no element takes the
/// scalar path.
using block = Eigen::Array<double, 8, 1>;

namespace detail {

/// out[i] = f(in[i]) for i < n, in blocks of eight; `out` may be `in`.
template <class F>
void apply(const double* in, double* out, Eigen::Index n, F f) {
    Eigen::Index i = 0;
    for (; i + 8 <= n; i += 8) {
        const block x = Eigen::Map<const block>(in + i);
        Eigen::Map<block>(out + i) = f(x);
    }
    if (i < n) {
        block x = block::Constant(1.0);  // a harmless value for every function here
        std::copy(in + i, in + n, x.data());
        const block y = f(x);
        std::copy(y.data(), y.data() + (n - i), out + i);
    }
}
}  // namespace detail

inline void exp(const double* in, double* out, Eigen::Index n) {
    detail::apply(in, out, n, [](const block& x) -> block { return x.exp(); });
}
inline void log(const double* in, double* out, Eigen::Index n) {
    detail::apply(in, out, n, [](const block& x) -> block { return x.log(); });
}
inline void sqrt(const double* in, double* out, Eigen::Index n) {
    detail::apply(in, out, n, [](const block& x) -> block { return x.sqrt(); });
}

/// In place over an Eigen array or block (contiguous).
template <class Array>
void exp(Array&& a) {
    exp(a.data(), a.data(), a.size());
}
template <class Array>
void log(Array&& a) {
    log(a.data(), a.data(), a.size());
}

}  // namespace fabrisk::vector_math

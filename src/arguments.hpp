#pragma once
// Whole-number arguments (--trials, --seed, ...) as people write them: 1000000, 1e6, 2.5e6 or
// 1_000_000. CLI11's own integer parsing takes none of the last three and turns -1 into
// 2^64 - 1, so these are parsed here, exactly (no detour through a double).
#include <cctype>
#include <cstdint>
#include <limits>
#include <string>

#include "fabrisk/error.hpp"

namespace fabrisk_cli {

/// Parses `text` as a whole number in [min, max]. Throws usage_error naming `flag` and saying
/// what was expected.
inline std::uint64_t parse_count(const std::string& text, const std::string& flag, const std::string& what,
                                 std::uint64_t min, std::uint64_t max) {
    const std::string expected = flag + ": expected " + what + " (a whole number from " + std::to_string(min) + " to " +
                                 std::to_string(max) + ", such as 1000000, 1e6 or 1_000_000), got \"" + text + "\"";
    auto fail = [&](const std::string& why) -> std::uint64_t { throw fabrisk::usage_error(expected + why); };
    if (!text.empty() && text[0] == '-') return fail(": negative numbers are not allowed");
    // Digits (underscores only between two digits), an optional fraction, an optional exponent.
    std::string digits;
    std::size_t i = 0, fraction_digits = 0;
    auto take_digits = [&](bool fraction) {
        const std::size_t start = i;
        while (i < text.size() && (std::isdigit(static_cast<unsigned char>(text[i])) ||
                                   (text[i] == '_' && i > start && i + 1 < text.size() &&
                                    std::isdigit(static_cast<unsigned char>(text[i - 1])) &&
                                    std::isdigit(static_cast<unsigned char>(text[i + 1]))))) {
            if (text[i] != '_') {
                digits += text[i];
                if (fraction) ++fraction_digits;
            }
            ++i;
        }
        return i > start;
    };
    if (i < text.size() && text[i] == '+') ++i;
    const bool whole = take_digits(false);
    bool has_fraction = false;
    if (i < text.size() && text[i] == '.') {
        ++i;
        has_fraction = take_digits(true);
    }
    if (!whole && !has_fraction) return fail("");
    long long exponent = 0;
    if (i < text.size() && (text[i] == 'e' || text[i] == 'E')) {
        ++i;
        bool negative = false;
        if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
        const std::size_t start = i;
        while (i < text.size() && std::isdigit(static_cast<unsigned char>(text[i])) && i - start < 6)
            exponent = exponent * 10 + (text[i++] - '0');
        if (i == start) return fail("");
        if (negative) exponent = -exponent;
    }
    if (i != text.size()) return fail("");
    // value = digits x 10^(exponent - fraction_digits); any digit that would fall after the
    // point must be zero.
    long long shift = exponent - static_cast<long long>(fraction_digits);
    while (shift < 0) {
        if (digits.empty()) break;
        if (digits.back() != '0') return fail(": not a whole number");
        digits.pop_back();
        ++shift;
    }
    std::uint64_t value = 0;
    auto too_large = [&] { return fail(": too large"); };
    for (char c : digits) {
        const auto d = static_cast<std::uint64_t>(c - '0');
        if (value > (std::numeric_limits<std::uint64_t>::max() - d) / 10) return too_large();
        value = value * 10 + d;
    }
    for (; shift > 0 && value != 0; --shift) {
        if (value > std::numeric_limits<std::uint64_t>::max() / 10) return too_large();
        value *= 10;
    }
    if (value < min) return fail(": must be at least " + std::to_string(min));
    if (value > max) return fail(": must be at most " + std::to_string(max));
    return value;
}

}  // namespace fabrisk_cli

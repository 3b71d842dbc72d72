// The byte form of a state: fields read back as written, with the same bytes on every machine;
// truncation refused, saying where; and the generic helpers that save, load and add any state.
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/state_bytes.hpp"

namespace {
namespace state_bytes_test {

using fabrisk::byte_reader;
using fabrisk::byte_writer;
using fabrisk::state_error;

TEST(ByteWriter, WritesLittleEndianIntegersAndTheBitsOfDoubles) {
    byte_writer w;
    w.u64(0x0102030405060708ULL);
    w.f64(1.0);  // 0x3FF0000000000000
    EXPECT_EQ(w.bytes(), std::string("\x08\x07\x06\x05\x04\x03\x02\x01"
                                     "\x00\x00\x00\x00\x00\x00\xF0\x3F",
                                     16));
}

TEST(ByteReader, ReadsBackEveryFieldAsWritten) {
    const boost::multiprecision::cpp_int big = -(boost::multiprecision::cpp_int(1) << 2400) + 12345;
    const std::vector<double> values{-0.0, std::numeric_limits<double>::denorm_min(), 1e308,
                                     std::numeric_limits<double>::infinity()};
    byte_writer w;
    w.u8(7);
    w.u64(~std::uint64_t{0});
    w.f64(std::nan(""));
    w.text(std::string("a\0b", 3));
    w.f64s(values);
    w.integer(big);
    w.integer(0);
    const std::string bytes = w.take();

    byte_reader r(bytes, "state");
    EXPECT_EQ(r.u8(), 7);
    EXPECT_EQ(r.u64(), ~std::uint64_t{0});
    EXPECT_TRUE(std::isnan(r.f64()));
    EXPECT_EQ(r.text(), std::string("a\0b", 3));
    const std::vector<double> read = r.f64s();
    ASSERT_EQ(read.size(), values.size());
    EXPECT_TRUE(std::signbit(read[0]));
    for (std::size_t i = 1; i < values.size(); ++i) EXPECT_EQ(read[i], values[i]);
    EXPECT_EQ(r.integer(), big);
    EXPECT_EQ(r.integer(), 0);
    EXPECT_TRUE(r.at_end());
}

TEST(ByteReader, RefusesTruncatedBytesSayingWhere) {
    byte_writer w;
    w.u64(5);
    w.text("hello");
    std::string bytes = w.take();
    bytes.resize(bytes.size() - 1);
    byte_reader r(bytes, "the checkpoint");
    EXPECT_EQ(r.u64(), 5U);
    try {
        r.text();
        FAIL() << "a text running past the end was read";
    } catch (const state_error& e) {
        EXPECT_STREQ(e.what(), "the checkpoint: truncated (a length of 5 runs past the end) (at byte 16)");
    }
}

// A state of the smallest kind: a count and a sum, added in any order.
struct tally {
    std::uint64_t count = 0;
    double sum = 0;
    void save(byte_writer& w) const {
        w.u64(count);
        w.f64(sum);
    }
    static tally load(byte_reader& r) {
        tally t;
        t.count = r.u64();
        t.sum = r.f64();
        return t;
    }
    void add(const tally& o) {
        count += o.count;
        sum += o.sum;
    }
};

TEST(StateBytes, SaveLoadAndAddAnyState) {
    const std::string a = fabrisk::state_bytes(tally{2, 1.5}), b = fabrisk::state_bytes(tally{3, 0.25});
    EXPECT_EQ(a.size(), 16U);
    const tally back = fabrisk::state_from_bytes<tally>(a, "a");
    EXPECT_EQ(back.count, 2U);
    EXPECT_EQ(back.sum, 1.5);
    const tally sum = fabrisk::state_from_bytes<tally>(fabrisk::added_state_bytes<tally>(a, b, "a rank's"), "sum");
    EXPECT_EQ(sum.count, 5U);
    EXPECT_EQ(sum.sum, 1.75);
}

TEST(StateBytes, RefusesBytesLeftAfterTheState) {
    const std::string bytes = fabrisk::state_bytes(tally{2, 1.5}) + "x";
    try {
        fabrisk::state_from_bytes<tally>(bytes, "a rank's statistics");
        FAIL() << "a state with a byte after it was read";
    } catch (const state_error& e) {
        EXPECT_STREQ(e.what(), "a rank's statistics: bytes after the state (at byte 16)");
    }
    EXPECT_THROW(fabrisk::added_state_bytes<tally>(bytes, fabrisk::state_bytes(tally{}), "x"), state_error);
    EXPECT_THROW(fabrisk::state_from_bytes<tally>(bytes.substr(0, 15), "x"), state_error);  // truncated
}

}  // namespace state_bytes_test
}  // namespace

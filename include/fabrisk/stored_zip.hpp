#pragma once
/// \file stored_zip.hpp
/// A ZIP archive of stored (uncompressed) members written in one pass to an output_file, with
/// ZIP64 records for any member, offset or directory past 4 GiB: what NumPy's `.npz` is. Each
/// member's size and CRC-32 are given before its bytes, so the caller streams them (from a
/// temporary file, say) with no member held in memory.
///
/// Hand-written because the libraries at hand (libzip, minizip) want a seekable file or the
/// whole member in memory and would bypass output_file's all-or-nothing rules; stored members
/// need only the headers of the ZIP specification (APPNOTE 6.3.x, sections 4.3 and 4.5.3).
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "fabrisk/error.hpp"
#include "fabrisk/output_file.hpp"

namespace fabrisk {

class stored_zip {
public:
    /// Writes to `out`; `force_zip64` uses ZIP64 records even where they are not needed (tests).
    explicit stored_zip(output_file& out, bool force_zip64 = false) : out_(&out), force_zip64_(force_zip64) {}

    /// Adds member `name` of `size` bytes whose CRC-32 is `crc`; `write_content` must append
    /// exactly those bytes to the output_file.
    void add(const std::string& name, std::uint64_t size, std::uint32_t crc, const std::function<void()>& write_content) {
        const bool zip64 = force_zip64_ || size >= limit32 || offset_ >= limit32;
        std::string h;
        put(h, 0x04034b50u, 4);
        put(h, zip64 ? 45 : 20, 2);  // version needed: 4.5 for ZIP64
        put(h, 0, 2);                // flags
        put(h, 0, 2);                // stored
        put(h, 0, 2);                // time 00:00
        put(h, 0x21, 2);             // date 1980-01-01
        put(h, crc, 4);
        put(h, zip64 ? limit32 : size, 4);
        put(h, zip64 ? limit32 : size, 4);
        put(h, name.size(), 2);
        put(h, zip64 ? 20 : 0, 2);
        h += name;
        if (zip64) {
            put(h, 0x0001, 2);
            put(h, 16, 2);
            put(h, size, 8);
            put(h, size, 8);
        }
        out_->append(h);
        write_content();
        members_.push_back({name, size, crc, offset_});
        offset_ += h.size() + size;
    }

    /// The central directory and the end records; the caller then finishes the output_file.
    void finish() {
        std::string cd;
        for (const auto& m : members_) {
            const bool zip64 = force_zip64_ || m.size >= limit32 || m.offset >= limit32;
            put(cd, 0x02014b50u, 4);
            put(cd, 0x0300 | 45, 2);  // made by: Unix, 4.5
            put(cd, zip64 ? 45 : 20, 2);
            put(cd, 0, 2);
            put(cd, 0, 2);
            put(cd, 0, 2);
            put(cd, 0x21, 2);
            put(cd, m.crc, 4);
            put(cd, zip64 ? limit32 : m.size, 4);
            put(cd, zip64 ? limit32 : m.size, 4);
            put(cd, m.name.size(), 2);
            put(cd, zip64 ? 28 : 0, 2);
            put(cd, 0, 2);               // comment
            put(cd, 0, 2);               // disk
            put(cd, 0, 2);               // internal attributes
            put(cd, 0100644u << 16, 4);  // external: a regular file, rw-r--r--
            put(cd, zip64 ? limit32 : m.offset, 4);
            cd += m.name;
            if (zip64) {
                put(cd, 0x0001, 2);
                put(cd, 24, 2);
                put(cd, m.size, 8);
                put(cd, m.size, 8);
                put(cd, m.offset, 8);
            }
        }
        const std::uint64_t cd_offset = offset_, count = members_.size();
        const bool zip64 = force_zip64_ || cd_offset >= limit32 || cd.size() >= limit32 || count >= 0xffff;
        std::string end;
        if (zip64) {
            const std::uint64_t record = cd_offset + cd.size();
            put(end, 0x06064b50u, 4);
            put(end, 44, 8);  // the record's size after this field
            put(end, 0x0300 | 45, 2);
            put(end, 45, 2);
            put(end, 0, 4);
            put(end, 0, 4);
            put(end, count, 8);
            put(end, count, 8);
            put(end, cd.size(), 8);
            put(end, cd_offset, 8);
            put(end, 0x07064b50u, 4);  // the locator
            put(end, 0, 4);
            put(end, record, 8);
            put(end, 1, 4);
        }
        put(end, 0x06054b50u, 4);
        put(end, 0, 2);
        put(end, 0, 2);
        put(end, zip64 ? 0xffff : count, 2);
        put(end, zip64 ? 0xffff : count, 2);
        put(end, zip64 ? limit32 : cd.size(), 4);
        put(end, zip64 ? limit32 : cd_offset, 4);
        put(end, 0, 2);
        out_->append(cd + end);
        offset_ += cd.size() + end.size();
    }

private:
    static constexpr std::uint64_t limit32 = 0xffffffffu;
    struct member {
        std::string name;
        std::uint64_t size;
        std::uint32_t crc;
        std::uint64_t offset;
    };
    /// `bytes` little-endian bytes of `v`.
    static void put(std::string& s, std::uint64_t v, int bytes) {
        for (int i = 0; i < bytes; ++i) s += static_cast<char>((v >> (8 * i)) & 0xff);
    }

    output_file* out_;
    bool force_zip64_;
    std::uint64_t offset_ = 0;
    std::vector<member> members_;
};

}  // namespace fabrisk

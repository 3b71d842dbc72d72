#pragma once
/// \file run_state.hpp
/// A run's state as one self-checking byte string: what run it belongs to (the identity), how
/// many of its trials it holds (always the first ones, in any order of merging), and its sink's
/// own bytes (output_statistics::save). Checkpoints are these bytes in a file; MPI ranks send
/// their sinks' bytes to one another; both read them back through decode() and the sink's
/// load().
///
/// The layout: the magic line "fabrisk run state\n", a format version (u64), the payload's
/// length (u64), the payload, and a CRC-32 (Boost.CRC) of everything before it. decode()
/// refuses, with a state_error saying which, bytes that are not a state, of another format
/// version, truncated, or whose checksum does not match; check_identity() refuses a state of
/// another run, naming the field that differs.
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include <boost/crc.hpp>

#include "fabrisk/state_bytes.hpp"

namespace fabrisk {

/// What makes two runs the same run: the same trials land in the same state.
struct run_identity {
    std::string command;          ///< what the run computes ("run", say)
    std::string fabrisk_version;  ///< its numbers may differ between versions
    std::string scenario_sha256;  ///< of the scenario as run (overrides applied)
    std::uint64_t seed = 0;
    std::uint64_t planned_trials = 0;
};

struct run_state {
    run_identity identity;
    std::uint64_t trials_done = 0;  ///< the first trials_done trials of the run
    std::string sink;               ///< the sink's bytes
};

inline constexpr char run_state_magic[] = "fabrisk run state\n";
/// Raised when the layout or any sink's bytes change: a state of another format is refused.
inline constexpr std::uint64_t run_state_format = 1;

inline std::string encode(const run_state& s) {
    byte_writer payload;
    payload.text(s.identity.command);
    payload.text(s.identity.fabrisk_version);
    payload.text(s.identity.scenario_sha256);
    payload.u64(s.identity.seed);
    payload.u64(s.identity.planned_trials);
    payload.u64(s.trials_done);
    payload.text(s.sink);
    byte_writer w;
    w.raw(run_state_magic);
    w.u64(run_state_format);
    w.text(payload.bytes());
    boost::crc_32_type crc;
    crc.process_bytes(w.bytes().data(), w.bytes().size());
    w.u64(crc.checksum());
    return w.take();
}

/// Reads encode()'s bytes; `what` names them in errors ("checkpoint ck.bin", say).
inline run_state decode(const std::string& bytes, const std::string& what) {
    const std::string magic = run_state_magic;
    if (bytes.compare(0, magic.size(), magic) != 0) throw state_error(what + ": not a fabrisk run state");
    byte_reader reader(bytes, what);
    for (std::size_t i = 0; i < magic.size(); ++i) reader.u8();
    const std::uint64_t format = reader.u64();
    if (format != run_state_format)
        throw state_error(what + ": a run state of format " + std::to_string(format) + "; this fabrisk reads format " +
                          std::to_string(run_state_format));
    const std::string payload = reader.text();
    const std::uint64_t checked = bytes.size() - reader.remaining();
    const std::uint64_t stored = reader.u64();
    if (!reader.at_end()) reader.fail("bytes after the checksum");
    boost::crc_32_type crc;
    crc.process_bytes(bytes.data(), checked);
    if (stored != crc.checksum()) throw state_error(what + ": corrupted (its checksum does not match its content)");
    byte_reader p(payload, what);
    run_state s;
    s.identity.command = p.text();
    s.identity.fabrisk_version = p.text();
    s.identity.scenario_sha256 = p.text();
    s.identity.seed = p.u64();
    s.identity.planned_trials = p.u64();
    s.trials_done = p.u64();
    s.sink = p.text();
    if (!p.at_end()) p.fail("bytes after the sink's state");
    if (s.trials_done > s.identity.planned_trials) p.fail("more trials done than planned");
    return s;
}

/// Throws state_error if `s` is not a state of the run `expected`, naming what differs.
inline void check_identity(const run_state& s, const run_identity& expected, const std::string& what) {
    auto differs = [&](const std::string& field, const std::string& theirs, const std::string& ours) {
        throw state_error(what + " is from another run: its " + field + " is " + theirs + ", this run's is " + ours);
    };
    const auto& i = s.identity;
    if (i.command != expected.command) differs("command", i.command, expected.command);
    if (i.fabrisk_version != expected.fabrisk_version) differs("fabrisk version", i.fabrisk_version, expected.fabrisk_version);
    if (i.scenario_sha256 != expected.scenario_sha256)
        differs("scenario (SHA-256)", i.scenario_sha256.substr(0, 12) + "…", expected.scenario_sha256.substr(0, 12) + "…");
    if (i.seed != expected.seed) differs("seed", std::to_string(i.seed), std::to_string(expected.seed));
    if (i.planned_trials != expected.planned_trials)
        differs("trial count", std::to_string(i.planned_trials), std::to_string(expected.planned_trials));
}

/// A state file's bytes; a missing or unreadable file is a state_error too.
inline std::string read_run_state_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw state_error("cannot read checkpoint " + path + ": no such file, or not readable");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    if (in.bad()) throw state_error("cannot read checkpoint " + path);
    return bytes.str();
}

}  // namespace fabrisk

// A run's state as bytes: read back as written; refused, saying why, when truncated,
// corrupted, of another format, or of another run.
#include <string>

#include <gtest/gtest.h>

#include "fabrisk/run_state.hpp"

namespace {
namespace run_state_test {

using fabrisk::run_state;
using fabrisk::state_error;

run_state sample() {
    run_state s;
    s.identity = {"run", "1.2.3", std::string(64, 'a'), 42, 1'000'000'000'000};
    s.trials_done = 123'456'789'012;  // past 2^32: counts are 64-bit
    s.sink = std::string("sink\0bytes", 10);
    return s;
}

std::string message_of(const std::string& bytes) {
    try {
        fabrisk::decode(bytes, "ck");
    } catch (const state_error& e) {
        return e.what();
    }
    return "accepted";
}

TEST(RunState, ReadsBackWhatItWrote) {
    const auto bytes = fabrisk::encode(sample());
    const auto s = fabrisk::decode(bytes, "ck");
    EXPECT_EQ(s.identity.command, "run");
    EXPECT_EQ(s.identity.fabrisk_version, "1.2.3");
    EXPECT_EQ(s.identity.scenario_sha256, std::string(64, 'a'));
    EXPECT_EQ(s.identity.seed, 42u);
    EXPECT_EQ(s.identity.planned_trials, 1'000'000'000'000u);
    EXPECT_EQ(s.trials_done, 123'456'789'012u);
    EXPECT_EQ(s.sink, std::string("sink\0bytes", 10));
    EXPECT_EQ(fabrisk::encode(s), bytes);
}

TEST(RunState, RefusesDamagedBytesSayingHow) {
    const auto bytes = fabrisk::encode(sample());
    EXPECT_NE(message_of("{\"json\": true}").find("ck: not a fabrisk run state"), std::string::npos);
    for (std::size_t keep : {std::size_t{20}, std::size_t{40}, bytes.size() - 1})
        EXPECT_NE(message_of(bytes.substr(0, keep)).find("truncated"), std::string::npos) << keep;
    // Every byte past the magic line matters: a flipped bit anywhere is caught.
    const std::size_t magic = std::string(fabrisk::run_state_magic).size();
    for (std::size_t i = magic; i < bytes.size(); ++i) {
        std::string damaged = bytes;
        damaged[i] = static_cast<char>(damaged[i] ^ 0x10);
        EXPECT_NE(message_of(damaged), "accepted") << "byte " << i;
    }
    std::string flipped = bytes;
    flipped[magic + 30] ^= 1;  // inside the payload: only the checksum can tell
    EXPECT_NE(message_of(flipped).find("corrupted"), std::string::npos);
    std::string other_format = bytes;
    other_format[magic] = 9;
    EXPECT_NE(message_of(other_format).find("format 9; this fabrisk reads format 1"), std::string::npos);
    EXPECT_NE(message_of(bytes + "x").find("after the checksum"), std::string::npos);
}

TEST(RunState, RefusesAnotherRunNamingWhatDiffers) {
    const auto s = sample();
    auto expect_refused = [&](fabrisk::run_identity id, const std::string& what) {
        try {
            fabrisk::check_identity(s, id, "ck");
            ADD_FAILURE() << "accepted another " << what;
        } catch (const state_error& e) {
            EXPECT_NE(std::string(e.what()).find("ck is from another run: its " + what), std::string::npos) << e.what();
        }
    };
    fabrisk::check_identity(s, s.identity, "ck");  // its own run: accepted
    auto id = s.identity;
    id.seed = 43;
    expect_refused(id, "seed is 42, this run's is 43");
    id = s.identity;
    id.planned_trials = 5;
    expect_refused(id, "trial count");
    id = s.identity;
    id.scenario_sha256 = std::string(64, 'b');
    expect_refused(id, "scenario");
    id = s.identity;
    id.fabrisk_version = "1.2.4";
    expect_refused(id, "fabrisk version is 1.2.3");
    id = s.identity;
    id.command = "sensitivity";
    expect_refused(id, "command");
}

}  // namespace run_state_test
}  // namespace

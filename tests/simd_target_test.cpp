// Tests for fabrisk/simd_target.hpp: naming, restricting and lifting the kernels' target.
#include "fabrisk/simd_target.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/error.hpp"
#include "fabrisk/vector_math.hpp"

namespace {
namespace simd_target_test {

namespace {

class SimdTarget : public ::testing::Test {
protected:
    void TearDown() override { fabrisk::restrict_simd_target(""); }
};

}  // namespace

TEST_F(SimdTarget, TheBestSupportedTargetRunsUnlessRestricted) {
    const auto supported = fabrisk::simd_targets_supported();
    ASSERT_FALSE(supported.empty());
#if defined(__x86_64__)
    EXPECT_EQ(supported.back(), "scalar");  // the x86-64 baseline is always compiled
#endif
    EXPECT_EQ(fabrisk::simd_target(), supported.front());
}

TEST_F(SimdTarget, EachSupportedTargetCanBeChosenAndComputesTheSameBits) {
    std::vector<double> x(1000), reference(1000), got(1000);
    for (std::size_t i = 0; i < x.size(); ++i) x[i] = -700.0 + 1.4 * double(i) + 1e-3 * double(i % 7);
    fabrisk::vector_math::exp(x.data(), reference.data(), static_cast<std::ptrdiff_t>(x.size()));
    for (const auto& t : fabrisk::simd_targets_supported()) {
        fabrisk::restrict_simd_target(t);
        EXPECT_EQ(fabrisk::simd_target(), t);
        fabrisk::vector_math::exp(x.data(), got.data(), static_cast<std::ptrdiff_t>(x.size()));
        EXPECT_TRUE(got == reference) << t;
    }
    // The restriction does not shrink what the processor supports, and lifting it restores the best.
    const auto supported = fabrisk::simd_targets_supported();
    fabrisk::restrict_simd_target("");
    EXPECT_EQ(fabrisk::simd_target(), supported.front());
}

TEST_F(SimdTarget, UnknownNamesAreUsageErrorsNamingTheSourceAndTheChoices) {
    try {
        fabrisk::restrict_simd_target("avx1024", "FABRISK_TARGET");
        FAIL() << "accepted an unknown target";
    } catch (const fabrisk::usage_error& e) {
        const std::string what = e.what();
        EXPECT_NE(what.find("FABRISK_TARGET=avx1024"), std::string::npos) << what;
        EXPECT_NE(what.find("expected one of"), std::string::npos) << what;
        EXPECT_NE(what.find(fabrisk::simd_targets_supported().back()), std::string::npos) << what;
    }
    const auto best = fabrisk::simd_target();
    EXPECT_EQ(best, fabrisk::simd_targets_supported().front());  // a refused name changes nothing
}

}  // namespace simd_target_test
}  // namespace

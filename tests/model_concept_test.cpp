// Tests for fabrisk/model_concept.hpp: which types are models. (A type missing a member fails to
// compile with the message naming it: tests/compile_fail/, run by ctest.)
#include "fabrisk/model_concept.hpp"

#include <gtest/gtest.h>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/held_inputs.hpp"

namespace {
namespace model_concept_test {

namespace {
struct complete {
    struct workspace {};
    std::size_t dimension() const { return 1; }
    std::size_t output_count() const { return 1; }
    workspace make_workspace() const { return {}; }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>&, Eigen::Ref<Eigen::ArrayXXd>, workspace&) const {}
};
struct without_workspace {
    std::size_t dimension() const { return 1; }
    std::size_t output_count() const { return 1; }
};
struct mutable_evaluate : complete {
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>&, Eigen::Ref<Eigen::ArrayXXd>, workspace&) {}  // not const
};
struct dimension_as_text : complete {
    const char* dimension() const { return "one"; }
};
}  // namespace

TEST(ModelConcept, TheEnginesModelsAreModels) {
    EXPECT_TRUE(fabrisk::is_model_v<complete>);
    EXPECT_TRUE(fabrisk::is_model_v<fabrisk::buildout::model>);
    EXPECT_TRUE(fabrisk::is_model_v<fabrisk::held_inputs<fabrisk::buildout::model>>);
    EXPECT_TRUE(fabrisk::check_model<complete>());
}

TEST(ModelConcept, EachMissingOrWrongMemberIsNoticed) {
    EXPECT_FALSE(fabrisk::is_model_v<without_workspace>);
    EXPECT_FALSE(fabrisk::is_model_v<mutable_evaluate>);
    EXPECT_FALSE(fabrisk::is_model_v<dimension_as_text>);
    EXPECT_FALSE(fabrisk::is_model_v<int>);
}

}  // namespace model_concept_test
}  // namespace

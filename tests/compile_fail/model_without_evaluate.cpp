// Must not compile: a model without evaluate(). tests/CMakeLists.txt builds it and expects the
// message of fabrisk/model_concept.hpp naming the missing member.
#include <fabrisk/runner.hpp>
#include <fabrisk/statistics.hpp>

namespace {
struct incomplete_model {
    struct workspace {};
    std::size_t dimension() const { return 1; }
    std::size_t output_count() const { return 1; }
    workspace make_workspace() const { return {}; }
    // evaluate(...) is missing
};
}  // namespace

int main() {
    incomplete_model m;
    fabrisk::output_statistics sink(1);
    fabrisk::run_options o;
    o.trials = 10;
    return static_cast<int>(fabrisk::run(m, sink, o));
}

// Sobol indices of two classic test functions with known analytic indices, computed by the same
// generic engine code (fabrisk::sobol_indices) that analyses the build-out model:
//   - Ishigami: f = sin x1 + a sin² x2 + b x3⁴ sin x1, a = 7, b = 0.1, x uniform on [−π, π]³;
//   - Sobol's G-function: f = Π (|4 x_i − 2| + a_i) / (1 + a_i), a = 0, 1, 4.5, 9, 99, 99, 99, 99,
//     x uniform on [0, 1]⁸.
// One group per input. Prints JSON:
//   {"ishigami": {"first": [...], "total": [...], "first_ci95": [[lo, hi], ...], "total_ci95": [...]},
//    "g_function": {...}}
//
//   sobol_test_functions [--trials N] [--seed S] [--threads T]     (defaults 20000, 20240101, all cores)
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include <fabrisk/sensitivity.hpp>

namespace {

constexpr double pi = 3.14159265358979323846;

// Each test function is an ordinary engine model: uniforms (trials × dimension) in, one output
// column out.
struct ishigami {
    double a = 7, b = 0.1;
    struct workspace {};
    std::size_t dimension() const { return 3; }
    std::size_t output_count() const { return 1; }
    workspace make_workspace() const { return {}; }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace&) const {
        const Eigen::ArrayXXd x = -pi + 2 * pi * u;
        const Eigen::ArrayXd s1 = x.col(0).sin(), s2 = x.col(1).sin(), x3 = x.col(2);
        out.col(0) = s1 + a * s2 * s2 + b * x3 * x3 * x3 * x3 * s1;
    }
};

struct g_function {
    std::vector<double> a{0, 1, 4.5, 9, 99, 99, 99, 99};
    struct workspace {};
    std::size_t dimension() const { return a.size(); }
    std::size_t output_count() const { return 1; }
    workspace make_workspace() const { return {}; }
    void evaluate(const Eigen::Ref<const Eigen::ArrayXXd>& u, Eigen::Ref<Eigen::ArrayXXd> out, workspace&) const {
        out.col(0).setOnes();
        for (std::size_t i = 0; i < a.size(); ++i)
            out.col(0) *= ((4 * u.col(static_cast<Eigen::Index>(i)) - 2).abs() + a[i]) / (1 + a[i]);
    }
};

template <class Model>
nlohmann::ordered_json analyse(const Model& model, const fabrisk::sobol_options& options) {
    std::vector<fabrisk::input_group> groups;
    for (std::size_t i = 0; i < model.dimension(); ++i) groups.push_back({"x" + std::to_string(i + 1), {static_cast<int>(i)}});
    const auto r = fabrisk::sobol_indices(model, groups, options);
    nlohmann::ordered_json first, total, first_ci, total_ci;
    for (const auto& g : r.groups) {
        first.push_back(g.first.estimate);
        total.push_back(g.total.estimate);
        first_ci.push_back({g.first.lo, g.first.hi});
        total_ci.push_back({g.total.lo, g.total.hi});
    }
    return {{"first", first}, {"total", total}, {"first_ci95", first_ci}, {"total_ci95", total_ci}};
}

std::uint64_t number(const char* flag, const char* text) {
    char* end = nullptr;
    const unsigned long long v = text ? std::strtoull(text, &end, 10) : 0;
    if (!text || *text == '-' || end == text || *end != '\0' || v == 0) {
        std::fprintf(stderr, "sobol_test_functions: %s needs a positive integer, got \"%s\"\n", flag, text ? text : "");
        std::exit(2);
    }
    return v;
}

}  // namespace

int main(int argc, char** argv) {
    fabrisk::sobol_options options;
    options.base_trials = 20000;
    for (int i = 1; i < argc; ++i) {
        const char* next = i + 1 < argc ? argv[i + 1] : nullptr;
        if (std::strcmp(argv[i], "--trials") == 0) {
            options.base_trials = number("--trials", next);
            ++i;
        } else if (std::strcmp(argv[i], "--seed") == 0) {
            options.seed = number("--seed", next);
            ++i;
        } else if (std::strcmp(argv[i], "--threads") == 0) {
            options.threads = static_cast<unsigned>(number("--threads", next));
            ++i;
        } else {
            std::fprintf(stderr, "usage: sobol_test_functions [--trials N] [--seed S] [--threads T]\n");
            return 2;
        }
    }
    nlohmann::ordered_json doc;
    doc["ishigami"] = analyse(ishigami{}, options);
    doc["g_function"] = analyse(g_function{}, options);
    std::cout << doc.dump(2) << "\n";
}

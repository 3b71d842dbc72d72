// sample_writer.hpp: every trial's outputs, in trial order, as CSV or .npy. The rows must be the
// model's own outputs (evaluated here directly from the same streams), the same bytes for any
// thread count, exact when read back, and exactly the merged trials of a stopped run; attached
// beside the statistics (sink_pair.hpp) they must leave the result unchanged.
#include <algorithm>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "fabrisk/buildout/model.hpp"
#include "fabrisk/buildout/report.hpp"
#include "fabrisk/buildout/samples.hpp"
#include "fabrisk/buildout/scenario_json.hpp"
#include "fabrisk/buildout/simulation.hpp"
#include "fabrisk/output_file.hpp"
#include "fabrisk/random_stream.hpp"
#include "fabrisk/sample_writer.hpp"
#include "support.hpp"

namespace {
namespace sample_writer_test {

namespace fs = std::filesystem;
namespace fb = fabrisk::buildout;

namespace {

/// The built-in scenario: it has random scalar inputs, for --samples-inputs.
const fb::scenario& seven_trillion() {
    static const fb::scenario s = fb::load_scenario(FABRISK_SCENARIO_DIR "/seven-trillion.json");
    return s;
}

class SampleWriter : public ::testing::Test {
protected:
    void SetUp() override {
        dir = fs::temp_directory_path() / ("fabrisk-samples-" + std::to_string(::getpid()) + "-" +
                                           ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(dir);
        fs::create_directories(dir);
    }
    void TearDown() override { fs::remove_all(dir); }

    /// Simulates `trials` trials of the built-in scenario with the samples written to `name`;
    /// returns the result's JSON.
    std::string simulate(const std::string& name, std::uint64_t trials, unsigned threads, bool inputs = false,
                         std::uint64_t stop_after = 0) const {
        fabrisk::output_file out((dir / name).string());
        fabrisk::sample_writer samples(out, fb::sample_columns(seven_trillion(), inputs), fabrisk::sample_format_of(name));
        fabrisk::run_options o;
        o.trials = trials;
        o.seed = 7;
        o.threads = threads;
        o.stop_after = stop_after;
        const auto r = fb::simulate(seven_trillion(), o, {}, &samples);
        samples.finish();
        out.commit();
        EXPECT_EQ(samples.rows(), r.trials);
        return fb::to_json(r).dump();
    }

    fs::path dir;
};

/// The model's outputs (and drawn random scalar inputs) for trials 0 … n − 1 of seed 7.
Eigen::ArrayXXd direct_outputs(std::uint64_t n, bool inputs) {
    const fb::model m(seven_trillion());
    const fb::model_with_inputs with{m};
    const fabrisk::trial_stream stream(7, fabrisk::stream_ids_of(m));
    Eigen::ArrayXXd u(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(m.dimension()));
    stream.fill(0, u);
    auto ws = m.make_workspace();
    Eigen::ArrayXXd out(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(inputs ? with.output_count() : m.output_count()));
    if (inputs) with.evaluate(u, out, ws);
    else m.evaluate(u, out, ws);
    return out;
}

/// CSV rows back to numbers: (header names, rows of values with the trial first).
std::pair<std::vector<std::string>, std::vector<std::vector<double>>> parse_csv(const std::string& text) {
    std::istringstream in(text);
    std::string line;
    std::getline(in, line);
    std::vector<std::string> names;
    std::istringstream header(line);
    for (std::string n; std::getline(header, n, ',');) names.push_back(n);
    std::vector<std::vector<double>> rows;
    while (std::getline(in, line)) {
        std::vector<double> row;
        std::istringstream cells(line);
        for (std::string cell; std::getline(cells, cell, ',');) row.push_back(std::strtod(cell.c_str(), nullptr));
        rows.push_back(row);
    }
    return {names, rows};
}

/// A .npy file's header dictionary and its data, checked for NumPy's layout on the way.
std::pair<std::string, std::string> split_npy(const std::string& bytes) {
    EXPECT_EQ(bytes.compare(0, 6, "\x93NUMPY"), 0);
    EXPECT_EQ(bytes[6], 1);
    EXPECT_EQ(bytes[7], 0);
    const std::size_t len = static_cast<unsigned char>(bytes[8]) | static_cast<std::size_t>(static_cast<unsigned char>(bytes[9])) << 8;
    EXPECT_EQ((10 + len) % 64, 0u) << "the data must start 64-byte aligned";
    EXPECT_EQ(bytes[10 + len - 1], '\n');
    return {bytes.substr(10, len), bytes.substr(10 + len)};
}

double read_f8(const std::string& data, std::size_t at) {
    std::uint64_t bits = 0;
    for (int i = 7; i >= 0; --i) bits = bits << 8 | static_cast<unsigned char>(data[at + static_cast<std::size_t>(i)]);
    double x;
    std::memcpy(&x, &bits, 8);
    return x;
}

bool same(double a, double b) { return a == b || (std::isnan(a) && std::isnan(b)); }

std::vector<std::string> listing_of(const fs::path& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir)) names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

TEST_F(SampleWriter, CsvRowsAreTheModelsOutputsInTrialOrderExactly) {
    const std::uint64_t n = 3 * fabrisk::chunk_trials + 100;  // a short last chunk
    simulate("two.csv", n, 2);
    simulate("one.csv", n, 1);
    const std::string text = fabrisk_test::read_file(dir / "two.csv");
    EXPECT_EQ(text, fabrisk_test::read_file(dir / "one.csv"));
    const auto [names, rows] = parse_csv(text);
    std::vector<std::string> expected{"trial"};
    for (const char* o : fb::output_names) expected.push_back(o);
    EXPECT_EQ(names, expected);
    const Eigen::ArrayXXd direct = direct_outputs(n, false);
    ASSERT_EQ(rows.size(), n);
    bool all_same = true;
    for (std::uint64_t t = 0; t < n; ++t) {
        ASSERT_EQ(rows[t].size(), fb::output_count + 1);
        all_same &= rows[t][0] == double(t);
        for (std::size_t j = 0; j < fb::output_count; ++j)
            all_same &= same(rows[t][j + 1], direct(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(j)));
    }
    EXPECT_TRUE(all_same) << "a row differs from the model's outputs";
}

TEST_F(SampleWriter, NpyIsAStructuredArrayOfTheSameDoubles) {
    const std::uint64_t n = 2 * fabrisk::chunk_trials + 7;
    simulate("s.npy", n, 2, true);
    simulate("t.npy", n, 1, true);
    const std::string bytes = fabrisk_test::read_file(dir / "s.npy");
    EXPECT_EQ(bytes, fabrisk_test::read_file(dir / "t.npy"));
    const auto [dict, data] = split_npy(bytes);
    const auto columns = fb::sample_columns(seven_trillion(), true);
    ASSERT_GT(columns.size(), fb::output_count) << "the scenario has random scalar inputs";
    EXPECT_EQ(dict.find("{'descr': [('installed_flops', '<f8'), ('target_met', '<f8'), "), 0u) << dict;
    EXPECT_NE(dict.find("('" + columns.back() + "', '<f8')], 'fortran_order': False, 'shape': (" + std::to_string(n) + ",), }"),
              std::string::npos)
        << dict;
    const Eigen::ArrayXXd direct = direct_outputs(n, true);
    ASSERT_EQ(data.size(), n * columns.size() * 8);
    bool all_same = true;
    for (std::uint64_t t = 0; t < n; ++t)
        for (std::size_t j = 0; j < columns.size(); ++j)
            all_same &= same(read_f8(data, (t * columns.size() + j) * 8), direct(static_cast<Eigen::Index>(t), static_cast<Eigen::Index>(j)));
    EXPECT_TRUE(all_same) << "a record differs from the model's outputs and inputs";
}

TEST_F(SampleWriter, AttachingSamplesLeavesTheResultUnchanged) {
    const std::uint64_t n = 40 * fabrisk::chunk_trials;  // past the quantiles' pilot: partials in use
    fabrisk::run_options o;
    o.trials = n;
    o.seed = 7;
    o.threads = 2;
    const std::string alone = fb::to_json(fb::simulate(seven_trillion(), o)).dump();
    EXPECT_EQ(simulate("s.csv", n, 2), alone);
    EXPECT_EQ(simulate("s.npy", n, 2, true), alone);
    EXPECT_EQ(simulate("s1.csv", n, 1), alone);
}

TEST_F(SampleWriter, StoppedRunWritesExactlyTheMergedTrials) {
    const std::uint64_t stop = 3 * fabrisk::chunk_trials;
    const std::string stopped = simulate("stopped.npy", 10 * fabrisk::chunk_trials, 2, false, stop);
    EXPECT_NE(stopped.find("\"complete\":false"), std::string::npos);
    simulate("whole.npy", stop, 2);
    // A valid file whose shape counts the trials run: byte for byte a run of that many.
    EXPECT_EQ(fabrisk_test::read_file(dir / "stopped.npy"), fabrisk_test::read_file(dir / "whole.npy"));
    simulate("stopped.csv", 10 * fabrisk::chunk_trials, 2, false, stop);
    EXPECT_EQ(parse_csv(fabrisk_test::read_file(dir / "stopped.csv")).second.size(), stop);
}

TEST_F(SampleWriter, NpzHoldsOneNpyPerColumnWithTheSameDoubles) {
    const std::uint64_t n = 2 * fabrisk::chunk_trials + 7;
    simulate("s.npz", n, 2, true);
    simulate("s.npy", n, 1, true);
    simulate("t.npz", n, 1, true);
    const std::string zip = fabrisk_test::read_file(dir / "s.npz");
    EXPECT_EQ(zip, fabrisk_test::read_file(dir / "t.npz"));
    EXPECT_EQ(listing_of(dir), (std::vector<std::string>{"s.npy", "s.npz", "t.npz"})) << "no column file is left";
    // Stored members: each column's .npy follows its name in the local header.
    const auto [dict, records] = split_npy(fabrisk_test::read_file(dir / "s.npy"));
    const auto columns = fb::sample_columns(seven_trillion(), true);
    for (std::size_t j = 0; j < columns.size(); ++j) {
        const std::string name = columns[j] + ".npy";
        const std::size_t at = zip.find(name + "\x93NUMPY");
        ASSERT_NE(at, std::string::npos) << name;
        const auto [member_dict, data] = split_npy(zip.substr(at + name.size(), 128 + n * 8));
        EXPECT_NE(member_dict.find("{'descr': '<f8', 'fortran_order': False, 'shape': (" + std::to_string(n) + ",), }"),
                  std::string::npos)
            << member_dict;
        bool all_same = true;
        for (std::uint64_t t = 0; t < n; ++t)
            all_same &= same(read_f8(data, t * 8), read_f8(records, (t * columns.size() + j) * 8));
        EXPECT_TRUE(all_same) << name;
    }
}

TEST_F(SampleWriter, RunToAPrecisionWritesEveryTrialOfItsSteps) {
    // The pilot, then more trials: the samples continue across the steps, in trial order.
    fabrisk::output_file out((dir / "precise.npy").string());
    fabrisk::sample_writer samples(out, fb::sample_columns(seven_trillion(), false), fabrisk::sample_format::npy);
    fabrisk::run_options o;
    o.seed = 7;
    o.threads = 2;
    fabrisk::precision_options p;
    p.half_width = 0.004;
    const auto r = fb::simulate_to_precision(seven_trillion(), o, p, {}, &samples);
    samples.finish();
    out.commit();
    ASSERT_GT(r.trials, p.pilot_trials) << "more than one step";
    EXPECT_EQ(samples.rows(), r.trials);
    simulate("plain.npy", r.trials, 1);
    EXPECT_EQ(fabrisk_test::read_file(dir / "precise.npy"), fabrisk_test::read_file(dir / "plain.npy"));
}

TEST_F(SampleWriter, CsvWritesInfinitiesAndNanAsNumPyReadsThem) {
    char buf[32];
    EXPECT_EQ(std::string(buf, fabrisk::sample_writer::format_number(std::numeric_limits<double>::infinity(), buf)), "inf");
    EXPECT_EQ(std::string(buf, fabrisk::sample_writer::format_number(-std::numeric_limits<double>::infinity(), buf)), "-inf");
    EXPECT_EQ(std::string(buf, fabrisk::sample_writer::format_number(-std::numeric_limits<double>::quiet_NaN(), buf)), "nan");
    EXPECT_EQ(std::string(buf, fabrisk::sample_writer::format_number(0.1, buf)), "0.1");
    EXPECT_EQ(std::string(buf, fabrisk::sample_writer::format_number(2029.75, buf)), "2029.75");
}

TEST_F(SampleWriter, NpyHeaderHasTheSameLengthForAnyCountAndIsRefusedForAPipe) {
    fabrisk::output_file out((dir / "x.npy").string());
    fabrisk::sample_writer w(out, {"a", "b"}, fabrisk::sample_format::npy);
    EXPECT_EQ(w.npy_header(0).size(), w.npy_header(~std::uint64_t{0}).size());
    EXPECT_EQ(w.npy_header(0).size() % 64, 0u);
    const fs::path fifo = dir / "fifo";
    ASSERT_EQ(::mkfifo(fifo.c_str(), 0644), 0);
    fabrisk::output_file pipe(fifo.string());
    EXPECT_THROW(fabrisk::sample_writer(pipe, {"a"}, fabrisk::sample_format::npy), fabrisk::usage_error);
    EXPECT_EQ(fabrisk::sample_format_of("A.NPY"), fabrisk::sample_format::npy);
    EXPECT_EQ(fabrisk::sample_format_of("a.csv"), fabrisk::sample_format::csv);
    EXPECT_EQ(fabrisk::sample_format_of("-"), fabrisk::sample_format::csv);
    EXPECT_THROW(fabrisk::sample_writer(out, {"a,b"}, fabrisk::sample_format::csv), fabrisk::usage_error);
}

TEST_F(SampleWriter, RunWithNoRowsStillGivesAHeader) {
    fabrisk::output_file out((dir / "empty.npy").string());
    fabrisk::sample_writer w(out, {"a"}, fabrisk::sample_format::npy);
    w.finish();
    out.commit();
    const auto [dict, data] = split_npy(fabrisk_test::read_file(dir / "empty.npy"));
    EXPECT_NE(dict.find("'shape': (0,)"), std::string::npos);
    EXPECT_TRUE(data.empty());
}

}  // namespace sample_writer_test
}  // namespace

// The Python module `fabrisk`: `run`, `sensitivity`, `compare` and `sweep` take what the CLI's
// commands take and return the document the CLI writes with --json, as a dict, computed by the
// same code (buildout/loaded_scenario.hpp, buildout/commands.hpp) on the same dispatched
// kernels. The GIL is released while trials run; Ctrl-C stops a run at its next chunk boundary
// and raises KeyboardInterrupt.
#include <atomic>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <unistd.h>

#include <pybind11/pybind11.h>

#include "fabrisk/buildout/commands.hpp"
#include "fabrisk/buildout/loaded_scenario.hpp"
#include "fabrisk/fabrisk.hpp"
#include "fabrisk_default_scenario.hpp"
#include "sha256.hpp"

namespace py = pybind11;
namespace fb = fabrisk::buildout;
using nlohmann::ordered_json;

namespace {

// ---- JSON <-> Python ---------------------------------------------------------------------

/// The value json.loads would give for the CLI's output of `j`: non-finite numbers, which
/// the CLI writes as null, are None.
py::object to_python(const ordered_json& j) {
    switch (j.type()) {
    case ordered_json::value_t::null: return py::none();
    case ordered_json::value_t::boolean: return py::bool_(j.get<bool>());
    case ordered_json::value_t::number_integer: return py::int_(j.get<std::int64_t>());
    case ordered_json::value_t::number_unsigned: return py::int_(j.get<std::uint64_t>());
    case ordered_json::value_t::number_float: {
        const double x = j.get<double>();
        return std::isfinite(x) ? py::object(py::float_(x)) : py::object(py::none());
    }
    case ordered_json::value_t::string: return py::str(j.get_ref<const std::string&>());
    case ordered_json::value_t::array: {
        py::list list(j.size());
        for (std::size_t i = 0; i < j.size(); ++i) list[i] = to_python(j[i]);
        return std::move(list);
    }
    case ordered_json::value_t::object: {
        py::dict dict;
        for (const auto& [key, value] : j.items()) dict[py::str(key)] = to_python(value);
        return std::move(dict);
    }
    default: return py::none();  // binary and discarded values do not occur in results
    }
}

/// A JSON-able Python value (None, bool, int, float, str, list, tuple, dict with str keys, or
/// anything with __index__ or __float__, such as NumPy's scalars) as JSON. `where` names it in
/// the TypeError for anything else.
ordered_json from_python(py::handle h, const std::string& where) {
    if (h.is_none()) return nullptr;
    if (py::isinstance<py::bool_>(h)) return h.cast<bool>();
    if (py::isinstance<py::float_>(h)) return h.cast<double>();
    if (py::isinstance<py::str>(h)) return h.cast<std::string>();
    if (py::isinstance<py::dict>(h)) {
        ordered_json j = ordered_json::object();
        for (const auto& [key, value] : py::reinterpret_borrow<py::dict>(h)) {
            if (!py::isinstance<py::str>(key)) throw py::type_error(where + ": a key that is not a string: " + py::repr(key).cast<std::string>());
            const auto k = key.cast<std::string>();
            j[k] = from_python(value, where + "." + k);
        }
        return j;
    }
    if (py::isinstance<py::list>(h) || py::isinstance<py::tuple>(h)) {
        ordered_json j = ordered_json::array();
        std::size_t i = 0;
        for (const auto& item : h) j.push_back(from_python(item, where + "[" + std::to_string(i++) + "]"));
        return j;
    }
    if (py::isinstance<py::int_>(h) || py::hasattr(h, "__index__")) {
        const auto i = py::reinterpret_steal<py::int_>(PyNumber_Index(h.ptr()));
        if (!i) throw py::error_already_set();
        if (i < py::int_(0)) return i.cast<std::int64_t>();
        return i.cast<std::uint64_t>();
    }
    if (py::hasattr(h, "__float__")) return py::float_(py::reinterpret_borrow<py::object>(h)).cast<double>();
    throw py::type_error(where + ": not a JSON value: " + py::repr(h).cast<std::string>());
}

// ---- Errors ------------------------------------------------------------------------------

/// fabrisk.ScenarioError (a ValueError), made when the module is imported.
PyObject* scenario_error_type = nullptr;

/// A failure while handling the scenario `label` names: the caller turns it into the Python
/// exception its kind calls for, its message starting with the label.
struct failure {
    std::string label;  ///< the scenario's file path, "<JSON text>", "<dict>" or "<built-in scenario>"
    fb::override_record record;
};

[[noreturn]] void raise_scenario_error(const fabrisk::scenario_error& e, const failure& f) {
    std::string message;
    for (const auto& line : f.record.problem_lines(e)) message += (message.empty() ? "" : "\n") + f.label + ": " + line;
    py::list problems;
    for (const auto& p : e.problems()) problems.append(py::make_tuple(p.path, p.message));
    py::object error = py::reinterpret_borrow<py::object>(scenario_error_type)(message);
    error.attr("scenario") = f.label;
    error.attr("path") = e.path();
    error.attr("problems") = problems;
    PyErr_SetObject(scenario_error_type, error.ptr());
    throw py::error_already_set();
}

/// Calls `body`, turning fabrisk's errors into Python's: a bad scenario into ScenarioError,
/// misuse into ValueError, a file that cannot be read into OSError; each names the scenario.
template <class Body>
py::object translating_errors(failure& f, Body&& body) {
    try {
        return body();
    } catch (const fabrisk::scenario_error& e) {
        raise_scenario_error(e, f);
    } catch (const fabrisk::usage_error& e) {
        throw py::value_error(f.label + ": " + e.what());
    } catch (const fabrisk::io_error& e) {
        PyErr_SetString(PyExc_OSError, (f.label + ": " + e.what()).c_str());
        throw py::error_already_set();
    }
}

// ---- Arguments ---------------------------------------------------------------------------

inline constexpr std::uint64_t max_trials = std::uint64_t{1} << 50;  // as the CLI's --trials

std::uint64_t count(const py::int_& value, const char* name, std::uint64_t min, std::uint64_t max) {
    if (value < py::int_(min) || value > py::int_(max))
        throw py::value_error(std::string(name) + ": expected a whole number from " + std::to_string(min) + " to " + std::to_string(max) +
                              ", got " + py::repr(value).cast<std::string>());
    return value.cast<std::uint64_t>();
}

fabrisk::run_options run_options_of(const py::int_& trials, const py::int_& seed, unsigned threads) {
    if (threads > 1024) throw py::value_error("threads: expected 0 (all cores) to 1024, got " + std::to_string(threads));
    fabrisk::run_options options;
    options.trials = count(trials, "trials", 1, max_trials);
    options.seed = count(seed, "seed", 0, ~std::uint64_t{0});
    options.threads = fabrisk::resolve_threads(threads);
    return options;
}

/// A scenario's text and how messages name it.
struct scenario_input {
    std::string text, label;
};

/// The scenario's text and how messages name it: None is the built-in scenario, a dict the
/// document itself (written as the CLI writes an overridden one), a str starting with "{" JSON
/// text, any other str or os.PathLike a file.
scenario_input scenario_text(const py::object& scenario) {
    if (scenario.is_none()) return {fabrisk::default_scenario_json, "<built-in scenario>"};
    if (py::isinstance<py::dict>(scenario)) return {from_python(scenario, "scenario").dump(2) + "\n", "<dict>"};
    const py::object fspath = py::module_::import("os").attr("fspath");
    if (py::isinstance<py::str>(scenario)) {
        const auto text = scenario.cast<std::string>();
        const auto first = text.find_first_not_of(" \t\r\n");
        if (first != std::string::npos && text[first] == '{') return {text, "<JSON text>"};
    }
    const auto file = fspath(scenario).cast<std::string>();
    failure f{file, {}};
    std::string text;
    translating_errors(f, [&] {
        text = fb::read_scenario_file(file);
        return py::none();
    });
    return {text, file};
}

/// `sets`, a dict {PATH: value} (None removes), as overrides named "NAME['PATH']".
std::vector<fabrisk::json_override> overrides_of(const py::object& sets, const char* name) {
    std::vector<fabrisk::json_override> list;
    if (sets.is_none()) return list;
    if (!py::isinstance<py::dict>(sets)) throw py::type_error(std::string(name) + ": expected a dict {path: value}");
    for (const auto& [path, value] : py::reinterpret_borrow<py::dict>(sets)) {
        const std::string p = py::str(path).cast<std::string>();
        const std::string origin = std::string(name) + "['" + p + "']";
        list.push_back({p, from_python(value, origin), origin});
    }
    return list;
}

/// Loads `text` as the CLI does, its warnings given as Python warnings naming the scenario.
fb::loaded_scenario load(const std::string& text, bool strict, const failure& f) {
    auto l = fb::load_scenario(text, strict);
    l.sha256 = fabrisk_cli::sha256_hex(text);
    const py::object warn = py::module_::import("warnings").attr("warn");
    for (const auto& w : l.warnings) warn(f.label + ": " + w.path + ": " + w.message, py::handle(PyExc_UserWarning));  // at the caller's line
    return l;
}

// ---- Running -----------------------------------------------------------------------------

/// Runs `work` on a thread of its own with the GIL released; meanwhile the calling thread
/// checks for Python's signals every 50 ms and, on one (Ctrl-C), requests `stop`, which ends
/// the run at its next chunk boundary, and raises the signal's exception.
template <class Work>
auto without_gil(fabrisk::stop_flag& stop, Work&& work) -> decltype(work()) {
    std::optional<decltype(work())> out;
    std::exception_ptr error;
    PyObject *type = nullptr, *value = nullptr, *traceback = nullptr;
    {
        py::gil_scoped_release release;
        std::mutex m;
        std::condition_variable cv;
        bool done = false;
        std::thread worker([&] {
            try {
                out.emplace(work());
            } catch (...) {
                error = std::current_exception();
            }
            std::lock_guard<std::mutex> lock(m);
            done = true;
            cv.notify_one();
        });
        std::unique_lock<std::mutex> lock(m);
        while (!cv.wait_for(lock, std::chrono::milliseconds(50), [&] { return done; })) {
            if (type) continue;
            lock.unlock();
            {
                py::gil_scoped_acquire acquire;
                if (PyErr_CheckSignals() != 0) {
                    PyErr_Fetch(&type, &value, &traceback);
                    stop.request();
                }
            }
            lock.lock();
        }
        lock.unlock();
        worker.join();
    }
    if (type) {
        PyErr_Restore(type, value, traceback);
        throw py::error_already_set();
    }
    if (error) std::rethrow_exception(error);
    return std::move(*out);
}

// ---- The commands ------------------------------------------------------------------------

/// A temporary directory for run(samples=True)'s .npy, removed with what it holds.
class samples_directory {
public:
    samples_directory() {
        const char* tmp = std::getenv("TMPDIR");
        path_ = std::string(tmp && *tmp ? tmp : "/tmp") + "/fabrisk-samples-XXXXXX";
        if (::mkdtemp(path_.data()) == nullptr) throw fabrisk::io_error("cannot make a directory for the samples in " + path_);
    }
    samples_directory(const samples_directory&) = delete;
    samples_directory& operator=(const samples_directory&) = delete;
    ~samples_directory() {
        ::unlink(file().c_str());
        ::rmdir(path_.c_str());
    }
    std::string file() const { return path_ + "/samples.npy"; }

private:
    std::string path_;
};

py::object run(const py::object& scenario, const py::int_& trials, const py::int_& seed, unsigned threads, const py::object& sets,
               bool strict, const py::object& precision, const py::int_& max_trials_to_precision, bool drivers,
               const py::int_& drivers_trials, bool samples) {
    const auto in = scenario_text(scenario);
    failure f{in.label, {}};
    return translating_errors(f, [&]() -> py::object {
        fabrisk::run_options options = run_options_of(trials, seed, threads);
        fb::run_settings settings;
        settings.trials = options.trials;
        settings.seed = options.seed;
        if (!precision.is_none()) {
            fb::precision_options p;
            p.half_width = precision.cast<double>();
            if (!(p.half_width >= 1e-6 && p.half_width <= 0.5))
                throw py::value_error("precision: expected a half-width from 1e-06 to 0.5, got " + py::repr(precision).cast<std::string>());
            p.max_trials = count(max_trials_to_precision, "max_trials", 1, max_trials);
            settings.precision = p;
        }
        if (drivers) settings.drivers_trials = count(drivers_trials, "drivers_trials", 1, std::uint64_t{1} << 40);
        const auto l = load(fb::with_overrides(in.text, overrides_of(sets, "sets"), f.record), strict, f);
        fabrisk::stop_flag stop;
        options.stop = &stop;
        // The samples take the engine's one path (a sample_writer streaming a .npy), then NumPy
        // loads the file as a user would; each column is copied out so the record array goes.
        std::optional<samples_directory> samples_dir;
        std::optional<fabrisk::output_file> samples_file;
        std::optional<fabrisk::sample_writer> writer;
        if (samples) {
            samples_dir.emplace();
            samples_file.emplace(samples_dir->file());
            writer.emplace(*samples_file, fb::sample_columns(l.scenario, false), fabrisk::sample_format::npy);
        }
        auto [result, analytics] = without_gil(stop, [&] {
            auto r = fb::simulate_settings(l.scenario, settings, options, {}, writer ? &*writer : nullptr);
            if (writer) {
                writer->finish();
                samples_file->commit();
            }
            fb::run_analytics a;
            if (settings.drivers_trials && r.complete) a = fb::analyse(l.scenario, options, *settings.drivers_trials, r.trials);
            return std::make_pair(std::move(r), std::move(a));
        });
        py::object out = to_python(fb::run_json(result, fb::provenance_of(l, settings), analytics));
        if (samples) {
            const py::module_ numpy = py::module_::import("numpy");
            py::object records = numpy.attr("load")(samples_dir->file());
            py::dict columns;
            for (const auto& name : writer->columns())
                columns[py::str(name)] = numpy.attr("ascontiguousarray")(records[py::str(name)]);
            out[py::str("samples")] = columns;
        }
        return out;
    });
}

py::object sensitivity(const py::object& scenario, const std::string& output, const py::int_& trials, const py::int_& seed,
                       unsigned threads, const py::object& sets, bool strict) {
    const auto in = scenario_text(scenario);
    failure f{in.label, {}};
    return translating_errors(f, [&]() -> py::object {
        const auto run = run_options_of(1, seed, threads);
        fabrisk::sobol_options options;
        options.base_trials = count(trials, "trials", 1, std::uint64_t{1} << 40);
        options.seed = run.seed;
        options.threads = run.threads;
        const auto l = load(fb::with_overrides(in.text, overrides_of(sets, "sets"), f.record), strict, f);
        const auto target = fb::sensitivity_output(output);
        fabrisk::stop_flag stop;  // Sobol runs cannot stop early: Ctrl-C is raised when they end
        const auto result = without_gil(stop, [&] { return fb::sensitivity(l.scenario, target, options); });
        return to_python(fb::sensitivity_json(result, l));
    });
}

py::object compare(const py::object& a, const py::object& b, const py::object& sets, const py::object& sets_b,
                   const py::int_& trials, const py::int_& seed, unsigned threads, bool strict) {
    const auto in_a = scenario_text(a);
    const auto in_b = b.is_none() ? in_a : scenario_text(b);
    failure f{in_a.label, {}};
    return translating_errors(f, [&]() -> py::object {
        fabrisk::run_options options = run_options_of(trials, seed, threads);
        const auto both = overrides_of(sets, "sets"), b_only = overrides_of(sets_b, "sets_b");
        const auto la = load(fb::with_overrides(in_a.text, both, f.record), strict, f);
        f = failure{in_b.label, {}};
        const auto lb = load(fb::with_overrides(fb::with_overrides(in_b.text, both, f.record), b_only, f.record), strict, f);
        fabrisk::stop_flag stop;
        options.stop = &stop;
        const auto result = without_gil(stop, [&] { return fb::compare(la.scenario, lb.scenario, options); });
        return to_python(fb::comparison_json(result, la, lb, options));
    });
}

py::object sweep(const py::object& scenario, const py::object& values, const py::object& ranges, const py::object& sets,
                 const py::int_& trials, const py::int_& seed, unsigned threads, bool strict) {
    const auto in = scenario_text(scenario);
    failure f{in.label, {}};
    return translating_errors(f, [&]() -> py::object {
        fabrisk::run_options options = run_options_of(trials, seed, threads);
        std::vector<fabrisk::sweep_axis> axes;
        if (!values.is_none()) {
            if (!py::isinstance<py::dict>(values)) throw py::type_error("values: expected a dict {path: [value, ...]}");
            for (const auto& [path, list] : py::reinterpret_borrow<py::dict>(values)) {
                const std::string p = py::str(path).cast<std::string>(), origin = "values['" + p + "']";
                const auto j = from_python(list, origin);
                if (!j.is_array() || j.empty()) throw py::value_error(origin + ": expected a non-empty list of values");
                axes.push_back({p, std::vector<ordered_json>(j.begin(), j.end()), origin});
            }
        }
        if (!ranges.is_none()) {
            if (!py::isinstance<py::dict>(ranges)) throw py::type_error("ranges: expected a dict {path: 'LO:HI:N[:log]' or (lo, hi, n[, 'log'])}");
            for (const auto& [path, range] : py::reinterpret_borrow<py::dict>(ranges)) {
                const std::string p = py::str(path).cast<std::string>();
                std::string text = py::isinstance<py::str>(range) ? range.cast<std::string>() : std::string();
                if (text.empty())
                    for (const auto& part : range) text += (text.empty() ? "" : ":") + py::str(part).cast<std::string>();
                axes.push_back(fabrisk::parse_sweep_range(p + "=" + text, "ranges['" + p + "']"));
            }
        }
        fb::check_sweep_axes(axes, "values={path: [v1, v2, ...]} or ranges={path: 'LO:HI:N'}");
        const auto points = fb::load_sweep_points(fb::with_overrides(in.text, overrides_of(sets, "sets"), f.record), axes, f.record,
                                                  [&](const std::string& text) { return load(text, strict, f); });
        fabrisk::stop_flag stop;
        options.stop = &stop;
        const auto results = without_gil(stop, [&] { return fb::run_sweep(points, options); });
        return to_python(fb::sweep_json(axes, results));
    });
}

}  // namespace

PYBIND11_MODULE(fabrisk, m) {
    m.doc() = "fabrisk: Monte Carlo risk engine for compute build-out plans. Each function returns the document "
              "the CLI's command writes with --json, as a dict.";
    // FABRISK_TARGET restricts the kernels' instruction set (simd_target.hpp), as for the CLI.
    try {
        fabrisk::restrict_simd_target_from_environment();
    } catch (const fabrisk::usage_error& e) {
        throw py::value_error(e.what());
    }
    scenario_error_type = PyErr_NewExceptionWithDoc(
        "fabrisk.ScenarioError",
        "A scenario that breaks the model's rules. The message has one line per problem, each starting with the "
        "scenario (file path, <JSON text>, <dict> or <built-in scenario>); attributes: scenario, path (the first "
        "problem's JSON path) and problems (a list of (path, message)).",
        PyExc_ValueError, nullptr);
    m.add_object("ScenarioError", py::handle(scenario_error_type));
    m.attr("__version__") = fabrisk::version_string;
    m.attr("default_seed") = fabrisk::default_seed;
    m.def("simd_target", [] { return fabrisk::simd_target(); }, "The instruction set the kernels run on.");
    m.def("default_scenario", [] { return to_python(ordered_json::parse(fabrisk::default_scenario_json)); },
          "The built-in seven-trillion scenario, as a dict.");

    using namespace py::literals;
    const py::int_ seed{fabrisk::default_seed};
    m.def("run", &run,
          "Runs a scenario (a file path, JSON text or a dict; None for the built-in one) like `fabrisk run --json`: "
          "`sets` is {path: value} like --set (None removes); threads=0 uses every core. Returns the JSON result as a dict; "
          "samples=True adds \"samples\": {output name: numpy array of every trial's value}, like --samples.",
          "scenario"_a = py::none(), py::kw_only(), "trials"_a = py::int_(1000000), "seed"_a = seed, "threads"_a = 0u,
          "sets"_a = py::none(), "strict"_a = false, "precision"_a = py::none(), "max_trials"_a = py::int_(100000000),
          "drivers"_a = false, "drivers_trials"_a = py::int_(100000), "samples"_a = false);
    m.def("sensitivity", &sensitivity, "Sobol indices, like `fabrisk sensitivity --json`.", "scenario"_a = py::none(), py::kw_only(),
          "output"_a = "target_met", "trials"_a = py::int_(10000), "seed"_a = seed, "threads"_a = 0u, "sets"_a = py::none(),
          "strict"_a = false);
    m.def("compare", &compare,
          "Runs A and B on the same trials, like `fabrisk compare --json` (B defaults to A; `sets` applies to both, "
          "`sets_b` to B after them).",
          "a"_a = py::none(), "b"_a = py::none(), py::kw_only(), "sets"_a = py::none(), "sets_b"_a = py::none(),
          "trials"_a = py::int_(1000000), "seed"_a = seed, "threads"_a = 0u, "strict"_a = false);
    m.def("sweep", &sweep,
          "Runs a scenario at every value of one or two inputs, like `fabrisk sweep --json`: values={path: [v1, v2, ...]} "
          "(--set PATH=V1,V2,...) and ranges={path: 'LO:HI:N[:log]'} (--range); `sets` are fixed overrides.",
          "scenario"_a = py::none(), py::kw_only(), "values"_a = py::none(), "ranges"_a = py::none(), "sets"_a = py::none(),
          "trials"_a = py::int_(1000000), "seed"_a = seed, "threads"_a = 0u, "strict"_a = false);
}

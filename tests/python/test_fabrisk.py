"""The Python module against the CLI: the same inputs give the same document.

ctest runs this with Debian's /usr/bin/python3, the module's directory on PYTHONPATH and the
CLI's path in FABRISK_CLI.
"""
import json
import os
import pathlib
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import warnings

import fabrisk

CLI = os.environ["FABRISK_CLI"]
SCENARIOS = pathlib.Path(__file__).resolve().parents[2] / "scenarios"
WORKED = str(SCENARIOS / "worked-example.json")


def cli_json(*args):
    """`fabrisk ARGS --json -` as a dict (the summary goes to stderr)."""
    out = subprocess.run([CLI, *args, "--json", "-"], check=True, capture_output=True, text=True).stdout
    return json.loads(out)


class Run(unittest.TestCase):
    def test_same_numbers_as_the_cli_on_any_thread_count(self):
        one = fabrisk.run(trials=100_000, seed=7, threads=1)
        two = fabrisk.run(trials=100_000, seed=7, threads=2)
        self.assertEqual(one, two)
        self.assertEqual(one, cli_json("run", "-n", "100000", "-s", "7", "-t", "1"))
        self.assertTrue(one["complete"])
        self.assertEqual(one["trials"], 100_000)

    def test_defaults_are_the_clis(self):
        self.assertEqual(fabrisk.default_seed, 20240101)
        r = fabrisk.run(WORKED, trials=4096)
        self.assertEqual(r, cli_json("run", WORKED, "-n", "4096"))
        self.assertEqual(r["options"]["seed"], fabrisk.default_seed)

    def test_a_path_json_text_and_a_dict_give_the_same_result(self):
        text = pathlib.Path(WORKED).read_text()
        from_path = fabrisk.run(WORKED, trials=8192, seed=3)
        self.assertEqual(fabrisk.run(pathlib.Path(WORKED), trials=8192, seed=3), from_path)
        self.assertEqual(fabrisk.run(text, trials=8192, seed=3), from_path)  # the same bytes, the same hash
        from_dict = fabrisk.run(json.loads(text), trials=8192, seed=3)
        self.assertNotEqual(from_dict["scenario_sha256"], from_path["scenario_sha256"])  # of the text written from the dict
        del from_dict["scenario_sha256"], from_path["scenario_sha256"]
        self.assertEqual(from_dict, from_path)

    def test_sets_are_the_clis_set(self):
        sets = {"target.installed_flops": 1e24, "investors.list[group=gulf]": None}
        r = fabrisk.run(trials=8192, seed=5, sets=sets)
        self.assertEqual(r, cli_json("run", "-n", "8192", "-s", "5", "--set", "target.installed_flops=1e24",
                                     "--set", "investors.list[group=gulf]=null"))
        self.assertEqual(r["target"]["installed_flops"], 1e24)
        self.assertNotEqual(r["probability_target_met"], fabrisk.run(trials=8192, seed=5)["probability_target_met"])

    def test_drivers_and_precision_are_the_clis(self):
        r = fabrisk.run(WORKED, trials=4096, drivers=True, drivers_trials=2048)
        self.assertEqual(r, cli_json("run", WORKED, "-n", "4096", "--drivers", "--drivers-trials", "2048"))
        self.assertIn("tornado", r)
        p = fabrisk.run(WORKED, precision=0.02, max_trials=100_000)
        self.assertEqual(p, cli_json("run", WORKED, "--precision", "0.02", "--max-trials", "100000"))

    def test_samples_are_the_clis_samples_and_leave_the_result_unchanged(self):
        import numpy as np
        r = fabrisk.run(trials=20_000, seed=7, threads=2, samples=True)
        samples = r.pop("samples")
        self.assertEqual(r, fabrisk.run(trials=20_000, seed=7, threads=1))
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "s.npy")
            subprocess.run([CLI, "run", "-n", "20000", "-s", "7", "-q", "--samples", path], check=True)
            cli = np.load(path)
        self.assertEqual(list(samples), list(cli.dtype.names))
        for name, column in samples.items():
            self.assertEqual(column.shape, (20_000,))
            self.assertTrue(np.array_equal(column, cli[name], equal_nan=True), name)
        self.assertAlmostEqual(samples["installed_flops"].mean() / r["outputs"]["installed_flops"]["mean"], 1.0, places=12)


class OtherCommands(unittest.TestCase):
    def test_sensitivity_is_the_clis(self):
        r = fabrisk.sensitivity(WORKED, trials=512, seed=9, output="installed_flops")
        self.assertEqual(r, cli_json("sensitivity", WORKED, "-n", "512", "-s", "9", "-o", "installed_flops"))

    def test_compare_is_the_clis(self):
        r = fabrisk.compare(WORKED, trials=8192, seed=2, sets_b={"plan.fab_capital_share": 0.9})
        self.assertEqual(r, cli_json("compare", WORKED, "-n", "8192", "-s", "2", "--set-b", "plan.fab_capital_share=0.9", "-q"))
        self.assertEqual(set(r), {"a", "b", "difference"})
        self.assertEqual(fabrisk.compare(trials=4096, seed=1), cli_json("compare", "-n", "4096", "-s", "1", "-q"))

    def test_sweep_is_the_clis(self):
        r = fabrisk.sweep(WORKED, values={"plan.fab_capital_share": [0.5, 0.9]}, ranges={"fabs.build_years": (2, 4, 3)},
                          trials=4096, seed=4)
        self.assertEqual(r, cli_json("sweep", WORKED, "--set", "plan.fab_capital_share=0.5,0.9",
                                     "--range", "fabs.build_years=2:4:3", "-n", "4096", "-s", "4", "-q"))
        self.assertEqual(len(r["points"]), 6)
        log = fabrisk.sweep(ranges={"target.installed_flops": "5e23:8e24:3:log"}, trials=2048)
        self.assertEqual(log, cli_json("sweep", "--range", "target.installed_flops=5e23:8e24:3:log", "-n", "2048", "-q"))


class Errors(unittest.TestCase):
    def test_a_bad_scenario_raises_scenario_error_naming_its_file_and_path(self):
        with tempfile.TemporaryDirectory() as d:
            bad = pathlib.Path(d) / "bad.json"
            document = json.loads(pathlib.Path(WORKED).read_text())
            document["plan"]["fab_capital_share"] = 1.5
            bad.write_text(json.dumps(document))
            with self.assertRaises(fabrisk.ScenarioError) as caught:
                fabrisk.run(str(bad), trials=1000)
        e = caught.exception
        self.assertIsInstance(e, ValueError)
        self.assertIn(str(bad), str(e))
        self.assertIn("plan.fab_capital_share", str(e))
        self.assertEqual(e.scenario, str(bad))
        self.assertEqual(e.path, "plan.fab_capital_share")
        self.assertEqual(e.problems[0][0], "plan.fab_capital_share")

    def test_an_overridden_value_names_its_set(self):
        with self.assertRaises(fabrisk.ScenarioError) as caught:
            fabrisk.run(trials=1000, sets={"plan.fab_capital_share": 1.5})
        self.assertIn("<built-in scenario>: plan.fab_capital_share", str(caught.exception))
        self.assertIn("(set by sets['plan.fab_capital_share'])", str(caught.exception))
        with self.assertRaises(fabrisk.ScenarioError) as caught:
            fabrisk.sweep(WORKED, values={"plan.fab_capital_share": [0.5, 1.5]}, trials=2048)
        self.assertIn("(set by values['plan.fab_capital_share'])", str(caught.exception))

    def test_misuse_raises_value_error_and_a_missing_file_os_error(self):
        with self.assertRaises(ValueError):
            fabrisk.run(trials=0)
        with self.assertRaises(ValueError):
            fabrisk.run(threads=2000)
        with self.assertRaisesRegex(ValueError, "no key"):
            fabrisk.run(trials=1000, sets={"no.such.key": 1})
        with self.assertRaises(ValueError):
            fabrisk.sweep(trials=1000)  # nothing to sweep
        with self.assertRaisesRegex(OSError, "no-such-file.json"):
            fabrisk.run("no-such-file.json", trials=1000)
        with self.assertRaisesRegex(fabrisk.ScenarioError, "<JSON text>"):
            fabrisk.run('{"name": 1}', trials=1000)
        with self.assertRaises(TypeError):
            fabrisk.run(trials=1000, sets={"target.installed_flops": object()})

    def test_strict_refuses_warnings_which_are_otherwise_python_warnings(self):
        sets = {"fabs.build_years": 40}  # longer than the horizon
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            r = fabrisk.run(WORKED, trials=2048, sets=sets)
        self.assertEqual(r, cli_json("run", WORKED, "-n", "2048", "--set", "fabs.build_years=40"))
        self.assertEqual(r["warnings"][0]["path"], "fabs.build_years")
        self.assertEqual([str(w.message).split(": ")[:2] for w in caught], [[WORKED, "fabs.build_years"]])
        self.assertEqual(caught[0].filename, __file__)  # the warning points at the call
        with self.assertRaisesRegex(fabrisk.ScenarioError, "an error under --strict"):
            fabrisk.run(WORKED, trials=2048, sets=sets, strict=True)


class Threads(unittest.TestCase):
    def test_the_gil_is_released_while_trials_run(self):
        ticks = []
        running = threading.Event()
        finished = threading.Event()

        def count():
            running.set()
            while not finished.is_set():
                ticks.append(time.monotonic())
                time.sleep(0.001)

        counter = threading.Thread(target=count)
        counter.start()
        running.wait()
        start = time.monotonic()
        fabrisk.run(trials=2_000_000, threads=1)
        end = time.monotonic()
        finished.set()
        counter.join()
        during = [t for t in ticks if start < t < end]
        # A held GIL would leave the counter no tick at all during the run; released, it ticks
        # hundreds of times a second.
        self.assertGreater(end - start, 0.5)
        self.assertGreater(len(during), 20 * (end - start), f"{len(during)} ticks in {end - start:.2f} s")

    def test_ctrl_c_stops_a_run_at_once(self):
        timer = threading.Timer(0.5, lambda: os.kill(os.getpid(), signal.SIGINT))
        start = time.monotonic()
        timer.start()
        with self.assertRaises(KeyboardInterrupt):
            fabrisk.run(trials=1_000_000_000)  # minutes, if it were not stopped
        timer.join()
        self.assertLess(time.monotonic() - start, 5)


if __name__ == "__main__":
    unittest.main()

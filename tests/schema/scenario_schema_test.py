"""Tests schemas/scenario.schema.json against the parser, which remains the authority.

The schema must be a valid draft 2020-12 schema with a description (hover text) on every
property; accept every shipped scenario (scenarios/*.json and tests/data/*.json, which the CLI
accepts too) and every fuzz corpus file the CLI accepts (the schema must never refuse what the
parser takes); allow and require exactly the keys the parser does, in every object and every
distribution family (read from the CLI's messages); and refuse each broken scenario of INVALID
at the path given, which the CLI (`fabrisk validate -`) must refuse as well, with exit status 2.

Run by /usr/bin/python3, for Debian's python3-jsonschema.
Usage: scenario_schema_test.py SOURCE_DIR FABRISK_CLI
"""
import copy
import glob
import json
import os
import subprocess
import sys
import unittest

import jsonschema

SOURCE_DIR, CLI = sys.argv[1], sys.argv[2]


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


SCHEMA = read_json(os.path.join(SOURCE_DIR, "schemas", "scenario.schema.json"))
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)
WORKED_EXAMPLE = read_json(os.path.join(SOURCE_DIR, "scenarios", "worked-example.json"))
SEVEN_TRILLION = read_json(os.path.join(SOURCE_DIR, "scenarios", "seven-trillion.json"))


def shipped_scenarios():
    files = sorted(glob.glob(os.path.join(SOURCE_DIR, "scenarios", "*.json")) +
                   glob.glob(os.path.join(SOURCE_DIR, "tests", "data", "*.json")))
    assert len(files) >= 4, files
    return files


def cli_validate(text):
    """The exit status and stderr of `fabrisk validate -` reading `text`."""
    run = subprocess.run([CLI, "validate", "-"], input=text.encode(), capture_output=True, timeout=60)
    return run.returncode, run.stderr.decode(errors="replace")


def schema_errors(doc):
    return list(VALIDATOR.iter_errors(doc))


def describe(errors):
    return "; ".join("/".join(map(str, e.absolute_path)) + ": " + e.message for e in errors) or "none"


# Broken scenarios: (name, a change to a copy of the worked example, the path where the schema
# must report it, as jsonschema's absolute_path, and the keyword that must fail there). For an
# unknown key the path is that of the object holding it. A misspelt key of an optional field
# leaves no required key missing: only additionalProperties catches it.
def rename(doc, path, new_key):
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[new_key] = parent.pop(path[-1])


def set_at(doc, path, value):
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    parent[path[-1]] = value


def remove(doc, path):
    parent = doc
    for key in path[:-1]:
        parent = parent[key]
    del parent[path[-1]]


PERT = {"dist": "pert", "min": 0.2, "mode": 0.35, "max": 0.5}


def correlate(doc, entry):
    set_at(doc, ["plan", "fab_capital_share"], PERT)
    set_at(doc, ["fabs", "yield"], PERT)
    set_at(doc, ["correlations"], [entry])


INVALID = [
    ("misspelt top-level key",
     lambda d: rename(d, ["geopolitics"], "geopolitcs"), [], "additionalProperties"),
    ("misspelt optional top-level key",
     lambda d: rename(d, ["description"], "descripton"), [], "additionalProperties"),
    ("misspelt nested key",
     lambda d: rename(d, ["fabs", "wafers_per_month"], "wafers_per_mnth"), ["fabs"], "additionalProperties"),
    ("misspelt optional nested key",
     lambda d: set_at(d, ["geopolitics", "shock_tim"], 1), ["geopolitics"], "additionalProperties"),
    ("misspelt key of dropout_correlation",
     lambda d: rename(d, ["investors", "dropout_correlation", "global"], "globl"),
     ["investors", "dropout_correlation"], "additionalProperties"),
    ("misspelt key of an investor",
     lambda d: rename(d, ["investors", "list", 0, "dropout_probability"], "dropout_probabilty"),
     ["investors", "list", 0], "additionalProperties"),
    ("misspelt optional key of a fab group",
     lambda d: set_at(d, ["fabs", "groups", 0, "expsoed"], True), ["fabs", "groups", 0], "additionalProperties"),
    ("misspelt key of a correlation",
     lambda d: correlate(d, {"a": "plan.fab_capital_share", "b": "fabs.yield", "rho": 0.3, "note": "x"}),
     ["correlations", 0], "additionalProperties"),
    ("misspelt distribution parameter",
     lambda d: set_at(d, ["plan", "fab_capital_share"], {"dist": "pert", "min": 0.2, "mdoe": 0.35, "max": 0.5}),
     ["plan", "fab_capital_share"], "additionalProperties"),
    ("misspelt optional distribution parameter",
     lambda d: set_at(d, ["fabs", "ramp_years"], {"dist": "pert", "min": 0, "mode": 1, "max": 2, "lamda": 6}),
     ["fabs", "ramp_years"], "additionalProperties"),
    ("misspelt truncate",
     lambda d: set_at(d, ["fabs", "ramp_years"], {"dist": "uniform", "min": 0, "max": 2, "trunacte": [0, 1]}),
     ["fabs", "ramp_years"], "additionalProperties"),
    ("another family's parameter",
     lambda d: set_at(d, ["fabs", "delay_years"], {"dist": "gamma", "shape": 2, "scale": 1, "mean": 2}),
     ["fabs", "delay_years"], "additionalProperties"),
    ("unknown distribution family",
     lambda d: set_at(d, ["fabs", "delay_years"], {"dist": "pareto", "shape": 2, "scale": 1}),
     ["fabs", "delay_years", "dist"], "enum"),
    ("distribution without dist",
     lambda d: set_at(d, ["fabs", "delay_years"], {"min": 0, "max": 1}), ["fabs", "delay_years"], "required"),
    ("number as a string",
     lambda d: set_at(d, ["fabs", "capex_busd"], "20"), ["fabs", "capex_busd"], "type"),
    ("name not a string",
     lambda d: set_at(d, ["name"], 7), ["name"], "type"),
    ("exposed not a boolean",
     lambda d: set_at(d, ["fabs", "groups", 0, "exposed"], "yes"), ["fabs", "groups", 0, "exposed"], "type"),
    ("section not an object",
     lambda d: set_at(d, ["talent"], [1, 2]), ["talent"], "type"),
    ("missing required top-level key",
     lambda d: remove(d, ["compute"]), [], "required"),
    ("missing required key of an investor",
     lambda d: remove(d, ["investors", "list", 0, "group"]), ["investors", "list", 0], "required"),
    ("missing distribution parameter",
     lambda d: set_at(d, ["fabs", "ramp_years"], {"dist": "uniform", "min": 0}), ["fabs", "ramp_years"], "required"),
    ("probability of 1.5",
     lambda d: set_at(d, ["investors", "list", 0, "dropout_probability"], 1.5),
     ["investors", "list", 0, "dropout_probability"], "maximum"),
    ("negative count",
     lambda d: set_at(d, ["fabs", "groups", 0, "count"], -1), ["fabs", "groups", 0, "count"], "minimum"),
    ("yield of 0 (an open end)",
     lambda d: set_at(d, ["fabs", "yield"], 0), ["fabs", "yield"], "exclusiveMinimum"),
    ("cost decline of -1 (an open end)",
     lambda d: set_at(d, ["compute", "cost_decline"], -1), ["compute", "cost_decline"], "exclusiveMinimum"),
    ("horizon of 0 years",
     lambda d: set_at(d, ["time", "horizon_years"], 0), ["time", "horizon_years"], "minimum"),
    ("distribution in a fixed field",
     lambda d: set_at(d, ["fabs", "capex_busd"], {"dist": "uniform", "min": 10, "max": 30}),
     ["fabs", "capex_busd", "dist"], "const"),
    ("truncate on a fixed value",
     lambda d: set_at(d, ["fabs", "ramp_years"], {"dist": "fixed", "value": 1, "truncate": [0, 2]}),
     ["fabs", "ramp_years"], "additionalProperties"),
    ("truncate of three numbers",
     lambda d: set_at(d, ["fabs", "ramp_years"], {"dist": "uniform", "min": 0, "max": 2, "truncate": [0, 1, 2]}),
     ["fabs", "ramp_years", "truncate"], "maxItems"),
    ("sd of 0",
     lambda d: set_at(d, ["investors", "dropout_time"], {"dist": "normal", "mean": 1, "sd": 0}),
     ["investors", "dropout_time", "sd"], "exclusiveMinimum"),
    ("lognormal by median, p90 and sigma",
     lambda d: set_at(d, ["fabs", "capex_overrun"], {"dist": "lognormal", "median": 1.1, "p90": 1.5, "sigma": 0.2}),
     ["fabs", "capex_overrun"], "required"),
    ("empty investor list",
     lambda d: set_at(d, ["investors", "list"], []), ["investors", "list"], "minItems"),
    ("correlation with both rho and spearman",
     lambda d: correlate(d, {"a": "plan.fab_capital_share", "b": "fabs.yield", "rho": 0.3, "spearman": 0.3}),
     ["correlations", 0], "oneOf"),
    ("correlation of an unknown input",
     lambda d: correlate(d, {"a": "plan.fab_capital_share", "b": "fabs.yeild", "rho": 0.3}),
     ["correlations", 0, "b"], "enum"),
    ("correlation of 1.2",
     lambda d: correlate(d, {"a": "plan.fab_capital_share", "b": "fabs.yield", "rho": 1.2}),
     ["correlations", 0, "rho"], "maximum"),
    ("$schema not a string",
     lambda d: set_at(d, ["$schema"], 42), ["$schema"], "type"),
    ("$schema below the top level",
     lambda d: set_at(d, ["fabs", "$schema"], "scenario.schema.json"), ["fabs"], "additionalProperties"),
]


def resolve(schema):
    """`schema` with a `$ref` to one of SCHEMA's $defs followed."""
    while "$ref" in schema:
        schema = SCHEMA["$defs"][schema["$ref"].split("/")[-1]]
    return schema


def schema_at(path):
    """The schema of the object at `path` of a scenario (JSON keys and indices, as in INVALID)."""
    schema = SCHEMA
    for key in path:
        schema = resolve(schema)
        schema = schema["items"] if isinstance(key, int) else schema["properties"][key]
    return resolve(schema)


def schema_keys(path):
    return set(schema_at(path)["properties"])


def schema_required(path):
    return set(schema_at(path).get("required", []))


STRANGER = "zzzzzzzzzzzz"  # far from every key, so the parser lists the keys instead of suggesting one


def dotted(path):
    """`path` as the parser writes it: investors.list[0].name."""
    return "".join("[%d]" % k if isinstance(k, int) else ("." if i else "") + k for i, k in enumerate(path))


def parser_keys(doc, path):
    """The keys the parser expects in the object at `path`, from its message for an unknown key."""
    parent = doc
    for key in path:
        parent = parent[key]
    parent[STRANGER] = 1
    stderr = cli_validate(json.dumps(doc))[1]
    prefix = "fabrisk: invalid scenario: " + dotted(path + [STRANGER]) + ": unknown key (expected one of: "
    for line in stderr.splitlines():
        if line.startswith(prefix) and line.endswith(")"):
            return set(line[len(prefix):-1].split(", "))
    raise AssertionError("no message starting " + repr(prefix) + " in:\n" + stderr)


# Every object of a scenario, by its path in the worked example with a correlation added.
OBJECTS = [[], ["time"], ["target"], ["plan"], ["investors"], ["investors", "dropout_correlation"],
           ["investors", "list", 0], ["fabs"], ["fabs", "groups", 0], ["compute"], ["talent"], ["geopolitics"],
           ["correlations", 0]]


def worked_example_with_correlation():
    doc = copy.deepcopy(WORKED_EXAMPLE)
    correlate(doc, {"a": "plan.fab_capital_share", "b": "fabs.yield", "rho": 0.3})
    return doc


class ScenarioSchema(unittest.TestCase):
    def test_is_a_valid_draft_2020_12_schema(self):
        jsonschema.Draft202012Validator.check_schema(SCHEMA)
        self.assertEqual(SCHEMA["$schema"], "https://json-schema.org/draft/2020-12/schema")

    def test_describes_every_property(self):
        # Editors show a property's description on hover (conditions under "if" declare nothing).
        def walk(schema, where):
            if isinstance(schema, dict):
                for key, sub in schema.get("properties", {}).items():
                    if isinstance(sub, dict):
                        with self.subTest(property=where + "/" + key):
                            self.assertTrue(sub.get("description"))
                for key, sub in schema.items():
                    if key != "if":
                        walk(sub, where + "/" + key)
            elif isinstance(schema, list):
                for i, sub in enumerate(schema):
                    walk(sub, where + "/" + str(i))

        walk(SCHEMA, "")

    def test_accepts_every_shipped_scenario(self):
        for path in shipped_scenarios():
            with self.subTest(scenario=os.path.relpath(path, SOURCE_DIR)):
                with open(path, encoding="utf-8") as f:
                    text = f.read()
                status, stderr = cli_validate(text)
                self.assertEqual(status, 0, "the CLI refuses a shipped scenario: " + stderr)
                errors = schema_errors(json.loads(text))
                self.assertEqual(errors, [], describe(errors))

    def test_accepts_a_top_level_schema_key(self):
        doc = {"$schema": "../schemas/scenario.schema.json", **WORKED_EXAMPLE}
        status, stderr = cli_validate(json.dumps(doc))
        self.assertEqual(status, 0, stderr)
        self.assertEqual(schema_errors(doc), [], describe(schema_errors(doc)))

    def test_accepts_every_family_and_form_the_parser_accepts(self):
        # Each family where it fits, the optional parameters, a lognormal by mu and sigma, a fixed
        # object in an integer field of kind F, a group's overrides, a spearman correlation.
        doc = copy.deepcopy(SEVEN_TRILLION)
        doc["time"]["steps_per_year"] = {"dist": "fixed", "value": 4.0}
        doc["investors"]["dropout_time"] = {"dist": "normal", "mean": 6, "sd": 2, "truncate": [0, 12]}
        doc["investors"]["list"][0]["pledge_busd"] = {"dist": "gamma", "shape": 4, "scale": 300}
        doc["investors"]["list"][1]["pledge_busd"] = {"dist": "weibull", "shape": 2, "scale": 900}
        doc["investors"]["list"][2]["pledge_busd"] = {"dist": "triangular", "min": 100, "mode": 400, "max": 600}
        doc["fabs"]["capex_overrun"] = {"dist": "lognormal", "mu": 0.1, "sigma": 0.2}
        doc["fabs"]["ramp_years"] = {"dist": "pert", "min": 0.75, "mode": 1, "max": 2, "lambda": 6}
        doc["fabs"]["yield"] = {"dist": "beta", "alpha": 6, "beta": 4, "min": 0.3, "max": 0.9}
        doc["fabs"]["groups"][0].update({"capex_busd": 30, "build_years": 3.5, "wafers_per_month": 40000,
                                         "staff_per_fab": {"dist": "fixed", "value": 4000}, "exposed": False})
        doc["geopolitics"]["severity"] = {"dist": "uniform", "min": 0.5, "max": 1}
        doc["correlations"].append({"a": "fabs.ramp_years", "b": "geopolitics.severity", "spearman": 0.2})
        status, stderr = cli_validate(json.dumps(doc))
        self.assertEqual(status, 0, stderr)
        self.assertEqual(schema_errors(doc), [], describe(schema_errors(doc)))

    def test_accepts_every_fuzz_corpus_file_the_parser_accepts(self):
        # The schema may be looser than the parser, never stricter.
        accepted = 0
        for path in sorted(glob.glob(os.path.join(SOURCE_DIR, "fuzz", "corpus", "*.json"))):
            with open(path, encoding="utf-8", errors="replace") as f:
                text = f.read()
            if cli_validate(text)[0] != 0:
                continue
            accepted += 1
            with self.subTest(corpus=os.path.basename(path)):
                errors = schema_errors(json.loads(text))
                self.assertEqual(errors, [], describe(errors))
        self.assertGreater(accepted, 5)

    def test_lists_the_keys_the_parser_accepts(self):
        # Every object of a scenario, and a distribution object of every family, allows exactly
        # the keys the parser does: a key added to the parser alone would make the schema refuse
        # valid files. The root also allows "$schema", which the parser ignores.
        for path in OBJECTS:
            with self.subTest(object=path):
                expected = parser_keys(worked_example_with_correlation(), path)
                if path == []:
                    expected.add("$schema")
                self.assertEqual(schema_keys(path), expected)
                self.assertIs(schema_at(path).get("additionalProperties"), False)
        families = SCHEMA["$defs"]["distribution"]["properties"]["dist"]["enum"]
        self.assertEqual(len(families), 10)
        for family in families:
            with self.subTest(family=family):
                doc = copy.deepcopy(WORKED_EXAMPLE)
                doc["fabs"]["delay_years"] = {"dist": family}
                expected = parser_keys(doc, ["fabs", "delay_years"])
                branch = [b["then"] for b in SCHEMA["$defs"]["distribution"]["allOf"]
                          if b["if"]["properties"]["dist"]["const"] == family]
                self.assertEqual(len(branch), 1)
                self.assertEqual(set(resolve(branch[0])["properties"]), expected)
                self.assertIs(resolve(branch[0]).get("additionalProperties"), False)

    def test_requires_the_keys_the_parser_requires(self):
        # A key the schema requires is reported missing by the parser when it is removed; every
        # other key is optional to both (absent from the worked example, or not missed by the
        # parser). rho and spearman, one of which is needed, are left to the INVALID cases.
        for path in OBJECTS:
            required = schema_required(path)
            for key in sorted(schema_keys(path) - {"$schema", "rho", "spearman"}):
                with self.subTest(key=dotted(path + [key])):
                    doc = worked_example_with_correlation()
                    parent = doc
                    for k in path:
                        parent = parent[k]
                    if key not in parent:
                        self.assertNotIn(key, required)
                        continue
                    del parent[key]
                    stderr = cli_validate(json.dumps(doc))[1]
                    missing = "fabrisk: invalid scenario: " + dotted(path + [key]) + ": required field is missing"
                    self.assertEqual(missing in stderr.splitlines(), key in required, stderr)

    def test_refuses_what_the_parser_refuses(self):
        for name, change, path, keyword in INVALID:
            with self.subTest(case=name):
                doc = copy.deepcopy(WORKED_EXAMPLE)
                change(doc)
                status, stderr = cli_validate(json.dumps(doc))
                self.assertEqual(status, 2, "the CLI does not refuse it: " + stderr)
                errors = schema_errors(doc)
                self.assertTrue(any(list(e.absolute_path) == path and e.validator == keyword for e in errors),
                                "the schema reports no " + keyword + " error at " + json.dumps(path) + ", only: " +
                                describe(errors))


if __name__ == "__main__":
    unittest.main(argv=sys.argv[:1], verbosity=2)

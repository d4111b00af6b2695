"""Runtimes as declared: what each runtime runs on, exact Node builds, and AWS's deprecations.

A nodejsNN.x function runs on Node NN once `offstage runtimes install` fetched it; a runtime
whose interpreter this machine lacks runs on the nearest one, with a WARNING on every cold start
and in `offstage functions`; AWS's deprecated runtimes are accepted with a WARNING naming AWS's
block dates, and refused as AWS refuses them under --strict-runtimes; --runtime-path maps a
runtime to an interpreter. Real daemons, boto3 and the offstage CLI.
"""
import base64
import datetime
import json
import os
import shutil
import subprocess
import sys
import time
import unittest

from harness import HANG_S, BIN, AwsClientsTestCase
from lambda_fixtures import ROLE, zip_files

# AWS's table as runtime/runtimes.cc and docs/compatibility.md carry it: (deprecated, block
# function create, block function update).
AWS_DATES = {
    "nodejs20.x": ("2026-04-30", "2027-07-29", "2027-08-31"),
    "python3.7": ("2023-12-04", "2024-01-09", "2027-08-31"),
    "nodejs14.x": ("2023-12-04", "2024-01-09", "2027-08-31"),
}
# The runtime's WARNING line in a function's log (other WARNING lines, e.g. a CPU wait on a busy
# machine, may appear beside it).
RUNTIME_WARNING = "\tWARNING\tRuntime "
TODAY = datetime.datetime.now(datetime.timezone.utc).date().isoformat()
BLOCKED = ("The runtime parameter of %s is no longer supported for creating or updating AWS "
           "Lambda functions. We recommend you use a supported runtime while creating or "
           "updating functions.")

PYTHON_REPORTER = zip_files({"app.py": (
    "import sys\n"
    "def handler(event, context):\n"
    "    return {'version': '%d.%d.%d' % sys.version_info[:3], 'executable': sys.executable}\n")})
NODE_REPORTER = zip_files({"index.js": (
    "exports.handler = async () => ({version: process.version, execPath: process.execPath});\n")})


def offstage(*args, env=None, timeout=300):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout, env=env)


def runtimes_env(runtimes_dir):
    env = dict(os.environ)
    env["OFFSTAGE_RUNTIMES_DIR"] = runtimes_dir
    return env


def shared_runtimes_dir():
    """The runtimes cache these tests install into: $OFFSTAGE_RUNTIMES_DIR or the default, so
    a second run finds the build already there (as after scripts/install-deps.sh)."""
    if os.environ.get("OFFSTAGE_RUNTIMES_DIR"):
        return os.environ["OFFSTAGE_RUNTIMES_DIR"]
    cache = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(cache, "offstage", "runtimes")


class RuntimeTestCase(AwsClientsTestCase):

    def create(self, runtime, code, handler, **kwargs):
        name = self.unique(runtime.replace(".", "-"))
        self.lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                                 Code={"ZipFile": code}, **kwargs)
        self.addCleanup(self.lam.delete_function, FunctionName=name)
        return name

    def invoke(self, name):
        out = self.lam.invoke(FunctionName=name, LogType="Tail", Payload=b"{}")
        self.assertNotIn("FunctionError", out, out)
        return json.loads(out["Payload"].read()), base64.b64decode(out["LogResult"]).decode()

    def daemon_output_contains(self, text, timeout=HANG_S):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if text in "".join(self.daemon.output):
                return True
            time.sleep(0.05)
        return False


class RuntimesListTest(unittest.TestCase):
    """`offstage runtimes list` runs without a daemon and tells what runs each runtime."""

    def test_lists_aws_runtimes_with_their_interpreters_and_dates(self):
        empty = os.path.join(os.environ.get("TMPDIR", "/tmp"), "offstage-empty-runtimes-%d" % os.getpid())
        proc = offstage("runtimes", "list", "--format", "json", "--runtimes-dir", empty)
        self.assertEqual(proc.returncode, 0, proc.stderr)
        out = json.loads(proc.stdout)
        self.assertEqual(out["runtimes_dir"], empty)
        rows = {row["runtime"]: row for row in out["runtimes"]}
        for runtime in ("nodejs24.x", "nodejs22.x", "nodejs20.x", "python3.14", "python3.13",
                        "python3.12", "provided.al2023"):
            self.assertIn(runtime, rows)
        self.assertEqual((rows["nodejs20.x"]["deprecated"], rows["nodejs20.x"]["block_create"],
                          rows["nodejs20.x"]["block_update"]), AWS_DATES["nodejs20.x"])
        self.assertEqual(rows["provided.al2023"]["status"], "bootstrap")
        # Whatever this machine has: a runtime is exact, or runs on the nearest with a WARNING
        # naming both versions, or is missing.
        for row in out["runtimes"]:
            if row["status"] == "exact":
                self.assertEqual(row["warning"], "")
            elif row["status"] == "nearest":
                self.assertIn("but this function runs on " + row["runs_on"], row["warning"])
        # The host's python3 runs its own runtime exactly.
        version = "%d.%d" % sys.version_info[:2]
        host = offstage("runtimes", "list", "--format", "json", "--runtimes-dir", empty,
                        "--runtime-path", "python%s=%s" % (version, sys.executable))
        row = {r["runtime"]: r for r in json.loads(host.stdout)["runtimes"]}["python" + version]
        self.assertEqual(row["status"], "exact")
        self.assertEqual(row["path"], sys.executable)
        self.assertEqual(row["source"], "--runtime-path")
        text = offstage("runtimes", "list", "--runtimes-dir", empty)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("nodejs20.x", text.stdout)
        self.assertIn("deprecated by AWS on 2026-04-30", text.stdout)

    def test_install_refuses_what_it_cannot_install(self):
        proc = offstage("runtimes", "install", "python3.13", "--runtimes-dir", "/nonexistent/x")
        self.assertEqual(proc.returncode, 2)
        self.assertIn("--runtime-path python3.13=", proc.stderr)
        self.assertEqual(offstage("runtimes", "install", "nodejs16.x").returncode, 2)


class NodeBuildTest(RuntimeTestCase):
    """`offstage runtimes install nodejs22.x` fetches Node 22; a nodejs22.x function runs on it."""

    runtimes_dir = shared_runtimes_dir()

    @classmethod
    def setUpClass(cls):
        proc = offstage("runtimes", "install", "nodejs22.x", "--runtimes-dir", cls.runtimes_dir,
                        timeout=600)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        cls.installed = proc.stdout
        cls.daemon_args = ("--runtimes-dir", cls.runtimes_dir)
        super().setUpClass()

    def test_nodejs22_runs_on_node_22(self):
        self.assertIn("nodejs22.x: Node.js 22.23.5", self.installed)
        name = self.create("nodejs22.x", NODE_REPORTER, "index.handler")
        payload, log = self.invoke(name)
        self.assertEqual(payload["version"], "v22.23.5")
        self.assertEqual(payload["execPath"],
                         os.path.join(self.runtimes_dir, "node_modules", "node22", "bin", "node"))
        self.assertNotIn(RUNTIME_WARNING, log)
        listed = offstage("functions", "--endpoint", self.endpoint)
        line = [l for l in listed.stdout.splitlines() if l.startswith(name + " ")]
        self.assertEqual(len(line), 1, listed.stdout)
        self.assertIn("runs on Node.js 22.23.5", line[0])


@unittest.skipIf(shutil.which("python3.14") and
                 subprocess.run(["python3.14", "--version"], capture_output=True).returncode == 0,
                 "this machine has python3.14")
class MissingInterpreterTest(RuntimeTestCase):
    """python3.14, which Debian 12 lacks, runs on the nearest Python, and says so."""

    def test_runs_on_the_nearest_python_with_a_warning_on_every_cold_start(self):
        name = self.create("python3.14", PYTHON_REPORTER, "app.handler")
        payload, log = self.invoke(name)
        self.assertTrue(payload["version"].startswith("3."), payload)
        self.assertNotEqual(payload["version"][:4], "3.14")
        warning = [l for l in log.splitlines() if RUNTIME_WARNING in l]
        self.assertEqual(len(warning), 1, log)
        self.assertIn("Runtime python3.14 declares Python 3.14, but this function runs on Python "
                      + payload["version"], warning[0])
        self.assertLess(log.index("START RequestId"), log.index(RUNTIME_WARNING))
        self.assertLess(log.index(RUNTIME_WARNING), log.index("END RequestId"))
        # Warm: no second warning; a new environment (after a configuration change) warns again.
        _, warm = self.invoke(name)
        self.assertNotIn(RUNTIME_WARNING, warm)
        self.lam.update_function_configuration(FunctionName=name, MemorySize=256)
        _, cold = self.invoke(name)
        self.assertIn("declares Python 3.14, but this function runs on Python", cold)
        # `offstage functions` says it too, in text and JSON.
        text = offstage("functions", "--endpoint", self.endpoint).stdout
        self.assertIn("WARNING: Runtime python3.14 declares Python 3.14, but this function runs "
                      "on Python " + payload["version"], text)
        listed = json.loads(offstage("functions", "--endpoint", self.endpoint, "--format",
                                     "json").stdout)
        mine = [f for f in listed["functions"] if f["name"] == name][0]
        self.assertEqual(mine["runs_on"], "Python " + payload["version"])
        self.assertIn("declares Python 3.14", mine["runtime_warning"])


class DeprecatedRuntimeTest(RuntimeTestCase):
    """AWS's deprecated runtimes still work here, with a WARNING naming AWS's block dates."""

    def test_create_and_update_warn_with_aws_dates(self):
        deprecated, create, update = AWS_DATES["nodejs20.x"]
        if TODAY < deprecated:
            self.skipTest("nodejs20.x is not deprecated yet")
        name = self.create("nodejs20.x", NODE_REPORTER, "index.handler")
        self.assertTrue(self.daemon_output_contains(
            "WARNING: creating function %s with runtime nodejs20.x, which AWS deprecated on %s. "
            "AWS blocks creating functions with it from %s and updating them from %s"
            % (name, deprecated, create, update)), "".join(self.daemon.output))
        self.lam.update_function_configuration(FunctionName=name, Timeout=5)
        self.assertTrue(self.daemon_output_contains(
            "WARNING: updating function %s with runtime nodejs20.x" % name))
        payload, _ = self.invoke(name)
        self.assertTrue(payload["version"].startswith("v"))

    def test_a_runtime_past_its_block_dates_still_works_without_strict(self):
        name = self.create("python3.7", PYTHON_REPORTER, "app.handler")
        self.assertTrue(self.daemon_output_contains(
            "WARNING: creating function %s with runtime python3.7, which AWS deprecated on "
            "2023-12-04. AWS blocks creating functions with it from 2024-01-09" % name))
        payload, log = self.invoke(name)
        self.assertTrue(payload["version"].startswith("3."))
        if not payload["version"].startswith("3.7."):
            self.assertIn("declares Python 3.7, but this function runs on Python", log)

    def test_supported_runtime_has_no_warning(self):
        name = self.create("python3.12", PYTHON_REPORTER, "app.handler")
        self.invoke(name)
        self.assertNotIn("runtime python3.12, which AWS deprecated", "".join(self.daemon.output))
        self.assertNotIn("function %s with runtime" % name, "".join(self.daemon.output))


class StrictRuntimesTest(RuntimeTestCase):
    """--strict-runtimes refuses deprecated runtimes as AWS does after its block dates."""

    daemon_args = ("--strict-runtimes",)

    def test_refuses_create_after_the_block_create_date(self):
        for runtime in ("python3.7", "nodejs14.x"):
            self.assertLess(AWS_DATES[runtime][1], TODAY)
            self.assertClientError(self.lam.create_function, "InvalidParameterValueException", 400,
                                   BLOCKED % runtime, FunctionName=self.unique("strict"),
                                   Runtime=runtime, Role=ROLE, Handler="app.handler",
                                   Code={"ZipFile": PYTHON_REPORTER})

    def test_before_the_block_date_a_deprecated_runtime_is_accepted_with_a_warning(self):
        deprecated, create, _ = AWS_DATES["nodejs20.x"]
        if not deprecated <= TODAY < create:
            self.skipTest("nodejs20.x is not between deprecation and its create block today")
        name = self.create("nodejs20.x", NODE_REPORTER, "index.handler")
        self.assertTrue(self.daemon_output_contains(
            "WARNING: creating function %s with runtime nodejs20.x" % name))

    def test_updates_follow_the_block_update_date(self):
        # python3.7: creating is blocked (2024-01-09), updating not before 2027-08-31.
        name = self.create("python3.12", PYTHON_REPORTER, "app.handler")
        if TODAY >= AWS_DATES["python3.7"][2]:
            self.assertClientError(self.lam.update_function_configuration,
                                   "InvalidParameterValueException", 400, BLOCKED % "python3.7",
                                   FunctionName=name, Runtime="python3.7")
            return
        out = self.lam.update_function_configuration(FunctionName=name, Runtime="python3.7")
        self.assertEqual(out["Runtime"], "python3.7")
        self.assertTrue(self.daemon_output_contains(
            "WARNING: updating function %s with runtime python3.7" % name))


class RuntimePathTest(RuntimeTestCase):
    """--runtime-path python3.12=PATH runs python3.12 functions on that interpreter."""

    interpreter = os.path.realpath(sys.executable)
    daemon_args = ("--runtime-path", "python3.12=" + interpreter)

    def test_mapped_interpreter_runs_the_function(self):
        name = self.create("python3.12", PYTHON_REPORTER, "app.handler")
        payload, log = self.invoke(name)
        self.assertEqual(os.path.realpath(payload["executable"]), self.interpreter)
        self.assertEqual(payload["version"], "%d.%d.%d" % sys.version_info[:3])
        if sys.version_info[:2] == (3, 12):
            self.assertNotIn(RUNTIME_WARNING, log)
        else:
            self.assertIn("declares Python 3.12, but this function runs on Python %s (%s, from "
                          "--runtime-path)" % (payload["version"], self.interpreter), log)

    def test_bad_mapping_is_refused_at_start(self):
        for bad in ("python3.12", "java21=/usr/bin/java", "provided.al2=/bin/sh"):
            proc = subprocess.run([BIN, "serve", "--ephemeral", "--port", "0", "--runtime-path",
                                   bad], capture_output=True, text=True, timeout=30)
            self.assertEqual(proc.returncode, 2, bad)
            self.assertIn("--runtime-path", proc.stderr)


if __name__ == "__main__":
    unittest.main()

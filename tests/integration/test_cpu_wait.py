"""A function slowed by a busy machine says so (docs/tracing.md, `cpu_wait_ns`, `CPU-WAIT`).

Function processes run at nice 19 (docs/architecture.md, "CPU priority"), so a CPU-bound process
at the default priority beside them leaves them ~1.5% of a core: a cold Node start then takes
seconds, and a function can time out for the machine's sake. The invocation's log says how long
its process waited for a CPU, its span records it, and the trace marks it.

The daemon runs in this test's session (not in its own, as in other tests), so one `yes` per CPU
started here competes with its functions however the kernel groups sessions (autogroup).
"""
import base64
import json
import os
import re
import subprocess
import unittest

from harness import Daemon, boto3_client
from lambda_fixtures import ROLE, zip_fixture
from test_traces import run_cli


@unittest.skipUnless(os.path.exists("/proc/self/schedstat"),
                     "this kernel keeps no schedstat: offstage cannot measure a CPU wait here "
                     "(docs/tracing.md says the attribute is then absent)")
class CpuWaitTest(unittest.TestCase):
    def start_hogs(self):
        hogs = []
        for cpu in sorted(os.sched_getaffinity(0)):
            hogs.append(subprocess.Popen(
                ["yes"], stdout=subprocess.DEVNULL,
                preexec_fn=lambda cpu=cpu: os.sched_setaffinity(0, {cpu})))

        def stop():
            for hog in hogs:
                hog.kill()
                hog.wait()
        self.addCleanup(stop)
        return stop

    def test_a_starved_invocation_says_it_waited_for_a_cpu(self):
        daemon = Daemon(new_session=False).start()
        self.addCleanup(daemon.stop)
        lam = boto3_client("lambda", daemon.endpoint)
        self.addCleanup(lam.close)
        name = "starved-%d" % os.getpid()
        lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": zip_fixture("node-cjs")},
                            Timeout=120)
        stop_hogs = self.start_hogs()
        out = lam.invoke(FunctionName=name, LogType="Tail", Payload=b"{}")
        stop_hogs()
        self.assertNotIn("FunctionError", out)
        request_id = out["ResponseMetadata"]["RequestId"]
        log = base64.b64decode(out["LogResult"]).decode()
        warning = re.search(r"\tWARNING\tThe function's process was ready to run but waited "
                            r"(\d+) ms for a CPU during this invocation \((\d+)% of its (\d+) ms, "
                            r"init included\)", log)
        self.assertIsNotNone(warning, log)
        waited, share, total = (int(g) for g in warning.groups())
        self.assertGreaterEqual(waited, 100, log)
        self.assertGreaterEqual(share, 25, log)
        self.assertLessEqual(waited, total, log)
        self.assertLess(log.index("\tWARNING\t"), log.index("END RequestId"))

        trace = run_cli("trace", "--request-id", request_id, "--wait", "--format", "json",
                        "--endpoint", daemon.endpoint)
        self.assertEqual(trace.returncode, 0, trace.stderr)
        spans = [s for s in json.loads(trace.stdout)["spans"] if s["kind"] == "invocation"]
        self.assertEqual(len(spans), 1, spans)
        attrs = spans[0]["attrs"]
        self.assertIs(attrs.get("cpu_starved"), True, attrs)
        self.assertGreaterEqual(attrs["cpu_wait_ns"], waited * 1_000_000, attrs)
        self.assertLess(attrs["cpu_wait_ns"], (waited + 1) * 1_000_000, attrs)
        text = run_cli("trace", "--request-id", request_id, "--width", "140", "--endpoint",
                       daemon.endpoint)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertRegex(text.stdout, name + r"\s+cold CPU-WAIT")

        # Warm and without the hogs the wait is still measured (how much depends on whatever
        # else this machine runs, so only its presence is asserted).
        again = lam.invoke(FunctionName=name, Payload=b"{}")
        trace = run_cli("trace", "--request-id", again["ResponseMetadata"]["RequestId"], "--wait",
                        "--format", "json", "--endpoint", daemon.endpoint)
        self.assertEqual(trace.returncode, 0, trace.stderr)
        attrs = [s for s in json.loads(trace.stdout)["spans"]
                 if s["kind"] == "invocation"][0]["attrs"]
        self.assertIsInstance(attrs.get("cpu_wait_ns"), int, attrs)
        self.assertGreaterEqual(attrs["cpu_wait_ns"], 0, attrs)


if __name__ == "__main__":
    unittest.main()

"""Simulated AWS latency (issue #21, item 1): `serve --latency aws` with a fixed seed delays the
seed example's delivery to its worker by a draw within the profile's range, recorded as a
simulated span of its own (never inside a measured one), and `trace --without-simulated` reads
the same trace without it: the margin smaller by exactly the simulated delay on its path.
"""
import json
import os
import subprocess
import unittest

from harness import BIN, REPO, Daemon, boto3_client, temp_dir

CONFIG = os.path.join(REPO, "examples", "seed-pattern", "offstage.json")
MS = 1_000_000


def cli(endpoint, *args):
    return subprocess.run([BIN, *args, "--endpoint", endpoint], capture_output=True, text=True,
                          timeout=180)


class LatencyProfileTest(unittest.TestCase):

    def test_the_aws_profile_delays_the_worker_as_simulated_spans(self):
        with Daemon("--config", CONFIG, "--latency", "aws", "--latency-seed", "1") as daemon:
            self.assertIn("latency profile aws (seed 1)", "".join(daemon.output))
            lam = boto3_client("lambda", daemon.endpoint)
            self.addCleanup(lam.close)
            traces = []
            for order in ("cold", "warm"):
                out = lam.invoke(FunctionName="front-offload", Payload=b'{"order": 1}')
                request_id = out["ResponseMetadata"]["RequestId"]
                got = cli(daemon.endpoint, "trace", "--request-id", request_id, "--wait",
                          "--format", "json")
                self.assertEqual(got.returncode, 0, got.stderr)
                traces.append((request_id, json.loads(got.stdout)))
            cold_trace = traces[0][1]
            request_id, trace = traces[1]
            spans = trace["spans"]
            simulated = [s for s in spans if s["kind"] == "simulated"]
            # The warm run: one delay, SNS to Lambda, within the profile's clamp (30 ms - 2 s).
            self.assertEqual([s["name"] for s in simulated], ["simulated sns-lambda latency"])
            delay = simulated[0]
            delay_ns = delay["end_ns"] - delay["start_ns"]
            self.assertEqual(delay["attrs"]["simulated_ns"], delay_ns)
            self.assertGreaterEqual(delay_ns, 30 * MS)
            self.assertLessEqual(delay_ns, 2000 * MS)
            front = [s for s in spans if s["id"] == request_id][0]
            worker = [s for s in spans if s["kind"] == "invocation" and s["name"] == "worker"][0]
            # The worker started after the front returned, and waited out the whole delay (which
            # began when the fan-out planned the delivery: that may be before the front returned,
            # since the publish is made inside it).
            self.assertGreater(worker["start_ns"], front["end_ns"])
            self.assertGreaterEqual(worker["start_ns"] - delay["start_ns"], delay_ns)
            # A measured span never holds it: the front's own duration is not touched, and the
            # delay lies outside every invocation.
            self.assertTrue(delay["end_ns"] <= worker["start_ns"])
            self.assertTrue(trace["offloaded"])
            # Read without it: the margin is smaller by exactly the delay on the worker's path.
            without = cli(daemon.endpoint, "trace", "--request-id", request_id, "--wait",
                          "--format", "json", "--without-simulated")
            self.assertEqual(without.returncode, 0, without.stderr)
            plain = json.loads(without.stdout)
            self.assertFalse([s for s in plain["spans"] if s["kind"] == "simulated"])
            self.assertEqual(plain["margin_ns"], trace["margin_ns"] - delay_ns)
            self.assertEqual(plain["root"]["duration_ns"], trace["root"]["duration_ns"])
            # The cold run also simulated the worker's cold start, under its invocation.
            cold_names = sorted(s["name"] for s in cold_trace["spans"] if s["kind"] == "simulated")
            self.assertIn("simulated cold-start-node latency", cold_names)
            text = cli(daemon.endpoint, "trace", "--request-id", request_id, "--width", "120")
            self.assertIn("SIMULATED", text.stdout)

    def test_a_profile_file_and_its_mistakes(self):
        root = temp_dir(self)
        good = os.path.join(root, "latency.json")
        with open(good, "w") as f:
            json.dump({"async-invoke": {"p50Ms": 50, "p99Ms": 60, "minMs": 50, "maxMs": 60}}, f)
        with Daemon("--latency", good) as daemon:
            lam = boto3_client("lambda", daemon.endpoint)
            self.addCleanup(lam.close)
            lam.create_function(
                FunctionName="queued", Runtime="python3.12", Role="arn:aws:iam::000000000000:role/r",
                Handler="app.handler", Code={"S3Bucket": "hot-reload",
                                             "S3Key": os.path.join(REPO, "tests", "fixtures",
                                                                   "functions", "python-echo")})
            out = lam.invoke(FunctionName="queued", InvocationType="Event", Payload=b"{}")
            request_id = out["ResponseMetadata"]["RequestId"]
            trace = json.loads(cli(daemon.endpoint, "trace", "--request-id", request_id, "--wait",
                                   "--format", "json").stdout)
            delays = [s for s in trace["spans"] if s["kind"] == "simulated"]
            self.assertEqual([s["name"] for s in delays], ["simulated async-invoke latency"])
            self.assertGreaterEqual(delays[0]["attrs"]["simulated_ns"], 50 * MS)
            self.assertLessEqual(delays[0]["attrs"]["simulated_ns"], 60 * MS)
            attempt = [s for s in trace["spans"] if s["kind"] == "invocation"][0]
            self.assertGreaterEqual(attempt["start_ns"], delays[0]["end_ns"])
        for content, reason in (({"sns-lamda": {"p50Ms": 1, "p99Ms": 2}}, "unknown hop 'sns-lamda'"),
                                ({"sns-lambda": {"p50Ms": 5, "p99Ms": 1}}, "p99Ms must be at least p50Ms"),
                                ({"sns-lambda": {"p99Ms": 1}}, "sns-lambda.p50Ms is required")):
            bad = os.path.join(root, "bad.json")
            with open(bad, "w") as f:
                json.dump(content, f)
            proc = subprocess.run([BIN, "serve", "--ephemeral", "--port", "0", "--latency", bad],
                                  capture_output=True, text=True, timeout=60)
            self.assertNotEqual(proc.returncode, 0)
            self.assertIn(reason, proc.stdout + proc.stderr)


if __name__ == "__main__":
    unittest.main()

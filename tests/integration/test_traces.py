"""Traces end to end: the seed pattern of examples/seed-pattern run by the real daemon, invoked
with boto3, and read back with `offstage trace` (docs/tracing.md).

Everything is asserted from the recorded data (`offstage trace --format json`, the control API
and `offstage logs --format json`), never from console text:
  (c) front-offload: offloaded, the worker's attempt a descendant of the front, the front
      shorter than the worker and ending before it, `--assert-offloaded` exits 0;
  (a) front-inline: the front covers the ~1 s of work, `--assert-offloaded` exits 1;
  (b) front-unawaited: the pending work is flagged; with freeze on it runs only when a later
      invocation thaws the environment, with --no-freeze it finishes on its own;
the numbers are true (the handlers' own performance.now() against the spans), the timestamps
are ordered as causality requires, and causality is followed three levels deep through SNS, an
Event invoke and an OnSuccess destination (tests/fixtures/functions/node-chain).
"""
import json
import os
import socket
import statistics
import subprocess
import sys
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

from harness import HANG_S, BIN, REPO, AwsClientsTestCase, temp_dir
from lambda_fixtures import ROLE, function_arn, zip_files, zip_fixture

CONFIG = os.path.join(REPO, "examples", "seed-pattern", "offstage.json")
SDK_DIR = os.path.join(REPO, "tests", "clients", "node_modules")
WORK_MS = 1000  # examples/seed-pattern/shared/work.js
FINISHED = "background work finished"


def run_cli(*args, timeout=120):
    """`offstage ARGS`; retried briefly if the binary is being replaced by a rebuild."""
    for attempt in range(10):
        try:
            return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)
        except OSError:
            if attempt == 9:
                raise
            time.sleep(1)
    raise AssertionError("unreachable")


def duration_ms(span):
    return (span["end_ns"] - span["start_ns"]) / 1e6


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class TraceTestCase(AwsClientsTestCase):
    """A daemon with the seed-pattern config; helpers to invoke and read traces."""

    daemon_args = ("--config", CONFIG)

    def cli(self, *args, timeout=120):
        return run_cli(*args, "--endpoint", self.endpoint, timeout=timeout)

    def invoke(self, name, event):
        """A synchronous invoke: (x-amzn-RequestId, the parsed payload)."""
        out = self.lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
        self.assertEqual(out["StatusCode"], 200)
        payload = json.loads(out["Payload"].read())
        self.assertNotIn("FunctionError", out, payload)
        return out["ResponseMetadata"]["RequestId"], payload

    def trace_of(self, request_id, timeout=HANG_S):
        """`offstage trace --request-id ID --wait --format json`, parsed."""
        out = self.cli("trace", "--request-id", request_id, "--wait", "--timeout", str(timeout),
                       "--format", "json")
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout)

    def control(self, path):
        """GET a control API path: (status, parsed JSON body)."""
        try:
            with urllib.request.urlopen(self.endpoint + path, timeout=10) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as err:
            return err.code, json.loads(err.read())

    def invocation_span(self, request_id, timeout=HANG_S):
        """The finished invocation span of `request_id` (GET /_offstage/invocations/ID)."""
        deadline = time.monotonic() + timeout
        while True:
            status, span = self.control("/_offstage/invocations/" + request_id)
            if status == 200 and span["end_ns"] is not None:
                return span
            if time.monotonic() > deadline:
                raise AssertionError("no finished span for %s: %s %s" % (request_id, status, span))
            time.sleep(0.05)

    def log_lines(self, function):
        out = self.cli("logs", function, "--format", "json")
        self.assertEqual(out.returncode, 0, out.stderr)
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]

    def finished_lines(self, function, marker):
        return [line for line in self.log_lines(function)
                if FINISHED in line["text"] and marker in line["text"]]

    def assertCausalChain(self, trace, spans, expected):
        """`expected` is [(kind, name, depth)] from the root down a chain of parent links;
        `spans` the same chain of span dicts."""
        self.assertEqual([(s["kind"], s["name"], s["depth"]) for s in spans], expected)
        for parent, child in zip(spans, spans[1:]):
            self.assertEqual(child["parent_id"], parent["id"], child)
        self.assertIsNone(spans[0]["parent_id"])

    @staticmethod
    def children(trace, parent_id):
        return [s for s in trace["spans"] if s["parent_id"] == parent_id]

    def only_child(self, trace, parent_id, kind):
        found = [s for s in self.children(trace, parent_id) if s["kind"] == kind]
        self.assertEqual(len(found), 1, "one %s under %s in %s" % (kind, parent_id, trace))
        return found[0]

    def offload_chain(self, trace, request_id):
        """front -> publish -> delivery -> event -> worker attempt of a front-offload trace."""
        front = trace["spans"][0]
        self.assertEqual(front["id"], request_id)
        publish = self.only_child(trace, front["id"], "publish")
        delivery = self.only_child(trace, publish["id"], "delivery")
        event = self.only_child(trace, delivery["id"], "event")
        attempt = self.only_child(trace, event["id"], "invocation")
        return front, publish, delivery, event, attempt


class SeedPatternTraceTest(TraceTestCase):
    """The three variants with freeze on (the default, as on AWS)."""

    # ---- (c) offloaded ----

    def test_offload_front_returns_before_the_worker_and_assert_offloaded_passes(self):
        cold_id, _ = self.invoke("front-offload", {"order": "cold"})
        self.trace_of(cold_id)  # let the first worker finish: the second run is warm throughout
        request_id, body = self.invoke("front-offload", {"order": "warm"})
        self.assertEqual(body["variant"], "offload")
        trace = self.trace_of(request_id)

        self.assertTrue(trace["quiescent"])
        self.assertTrue(trace["offloaded"], trace["verdict"])
        self.assertEqual(trace["root"], {"name": "front-offload", "kind": "invocation",
                                         "duration_ns": trace["root"]["duration_ns"],
                                         "descendants": 4})
        front, publish, delivery, event, attempt = self.offload_chain(trace, request_id)
        self.assertCausalChain(trace, [front, publish, delivery, event, attempt], [
            ("invocation", "front-offload", 0), ("publish", "jobs", 1),
            ("delivery", "lambda worker", 2), ("event", "worker", 3),
            ("invocation", "worker", 4)])
        self.assertEqual(trace["spans"], [front, publish, delivery, event, attempt])
        # The ids: the request id, the MessageId, the async request id and its attempt.
        self.assertEqual(publish["id"], body["messageId"])
        self.assertEqual(delivery["status"], "invoked")
        self.assertEqual(delivery["attrs"]["request_id"], event["id"])
        self.assertEqual(event["status"], "succeeded")
        self.assertEqual(event["attrs"]["source"], "sns")
        self.assertEqual(attempt["id"], event["id"] + "#1")
        self.assertEqual(attempt["attrs"]["attempt"], 1)
        self.assertEqual(attempt["status"], "success")
        self.assertEqual(front["status"], "success")
        self.assertFalse(front["attrs"]["cold"])
        self.assertFalse(attempt["attrs"]["cold"])

        # The figures.
        # The caller's view: from its request (begin_ns) to the answer.
        self.assertEqual(trace["root"]["duration_ns"], front["end_ns"] - front["begin_ns"])
        self.assertLessEqual(front["begin_ns"], front["start_ns"])
        self.assertEqual(front["begin_ns"], front["attrs"]["received_ns"])
        last_end = max(s["end_ns"] for s in trace["spans"])
        self.assertEqual(trace["end_to_end_ns"], last_end - front["begin_ns"])
        self.assertEqual(trace["margin_ns"], last_end - front["end_ns"])
        self.assertGreater(trace["margin_ns"], 0)
        self.assertGreaterEqual(duration_ms(attempt), WORK_MS - 2)
        # The front returned before the worker's run ended, and took less time than it: it
        # did not do the work (how much less is machine speed, not a verdict).
        self.assertLess(front["end_ns"], attempt["end_ns"])
        self.assertLess(duration_ms(front), duration_ms(attempt),
                        "front %.1f ms, worker %.1f ms" % (duration_ms(front),
                                                          duration_ms(attempt)))

        out = self.cli("trace", "--request-id", request_id, "--wait", "--assert-offloaded",
                       "--width", "120")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(trace["verdict"], out.stdout)
        self.assertIn("front-offload returned", trace["verdict"])

    def test_queued_front_returns_before_the_worker_behind_the_queue(self):
        # The seed pattern through a queue: front-queued -> jobs-queued -> jobs (SQS) ->
        # worker-queued, the worker's invocation a descendant of the front through the message.
        cold_id, _ = self.invoke("front-queued", {"order": "cold"})
        self.trace_of(cold_id)
        request_id, body = self.invoke("front-queued", {"order": "warm"})
        trace = self.trace_of(request_id)
        self.assertTrue(trace["quiescent"])
        self.assertTrue(trace["offloaded"], trace["verdict"])
        front = trace["spans"][0]
        publish = self.only_child(trace, front["id"], "publish")
        delivery = self.only_child(trace, publish["id"], "delivery")
        message = self.only_child(trace, delivery["id"], "event")
        attempt = self.only_child(trace, message["id"], "invocation")
        self.assertCausalChain(trace, [front, publish, delivery, message, attempt], [
            ("invocation", "front-queued", 0), ("publish", "jobs-queued", 1),
            ("delivery", "sqs jobs", 2), ("event", "sqs jobs", 3),
            ("invocation", "worker-queued", 4)])
        self.assertEqual(publish["id"], body["messageId"])
        self.assertEqual(message["attrs"]["source"], "sqs")
        self.assertEqual(message["status"], "succeeded")  # deleted after the batch succeeded
        self.assertGreaterEqual(duration_ms(attempt), WORK_MS - 2)
        self.assertLess(front["end_ns"], attempt["end_ns"])
        out = self.cli("trace", "--request-id", request_id, "--wait", "--assert-offloaded",
                       "--width", "120")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("front-queued returned", trace["verdict"])

    def test_offload_front_behind_its_function_url_called_with_curl(self):
        # The seed example's URL variant (issue #17): curl calls front-offload's function URL;
        # the trace starts at the HTTP request and the front returned before the worker.
        url = self.lam.get_function_url_config(FunctionName="front-offload")["FunctionUrl"]
        parsed = urllib.parse.urlparse(url)
        resolve = "%s:%d:127.0.0.1" % (parsed.hostname, parsed.port)
        curl = ["curl", "-sS", "-i", "--max-time", "60", "--resolve", resolve]
        for order in ("cold", "warm"):  # the first is a cold start; the second is measured
            out = subprocess.run(curl + [url + "?order=" + order], capture_output=True,
                                 text=True, timeout=90)
            self.assertEqual(out.returncode, 0, out.stderr)
            head, _, body = out.stdout.replace("\r\n", "\n").partition("\n\n")
            self.assertTrue(head.startswith("HTTP/1.1 200"), out.stdout)
            request_id = [line.split(":", 1)[1].strip() for line in head.split("\n")
                          if line.lower().startswith("x-amzn-requestid:")][0]
            self.assertEqual(json.loads(body)["variant"], "offload")
            trace = self.trace_of(request_id)
        self.assertTrue(trace["offloaded"], trace["verdict"])
        front = [s for s in trace["spans"] if s["id"] == request_id][0]
        self.assertEqual(trace["root"]["name"], "front-offload")
        # The root's time starts when the HTTP request reached the daemon.
        self.assertEqual(front["begin_ns"], front["attrs"]["received_ns"])
        self.assertLessEqual(front["begin_ns"], front["start_ns"])
        self.assertEqual(trace["root"]["duration_ns"], front["end_ns"] - front["begin_ns"])
        # The worker ran from the published event: the URL's JSON event, query included.
        worker = [s for s in trace["spans"] if s["kind"] == "invocation" and s["name"] == "worker"]
        self.assertEqual(len(worker), 1)
        self.assertGreater(trace["margin_ns"], 0)
        # A browser-shaped preflight is answered from the URL's CORS, without invoking.
        preflight = subprocess.run(
            curl + ["-X", "OPTIONS", "-H", "Origin: http://app.test",
                    "-H", "Access-Control-Request-Method: POST", url],
            capture_output=True, text=True, timeout=90)
        self.assertIn("access-control-allow-origin: *", preflight.stdout.lower())
        self.assertIn("access-control-allow-methods: get,post", preflight.stdout.lower())

    def test_timestamps_are_ordered_as_causality_requires(self):
        request_id, _ = self.invoke("front-offload", {"order": "causality"})
        trace = self.trace_of(request_id)
        front, publish, delivery, event, attempt = self.offload_chain(trace, request_id)
        for span in trace["spans"]:
            with self.subTest(rule="end >= start", span=span["id"]):
                self.assertGreaterEqual(span["end_ns"], span["start_ns"])
        rules = [
            ("publish start >= front start", publish["start_ns"], front["start_ns"]),
            ("front end >= publish end", front["end_ns"], publish["end_ns"]),
            ("delivery start >= publish end", delivery["start_ns"], publish["end_ns"]),
            ("event start >= delivery start", event["start_ns"], delivery["start_ns"]),
            ("attempt start >= event start", attempt["start_ns"], event["start_ns"]),
            ("worker attempt start >= publish end", attempt["start_ns"], publish["end_ns"]),
        ]
        for rule, later, earlier in rules:
            with self.subTest(rule=rule):
                self.assertGreaterEqual(later, earlier, "%s: off by %.3f ms"
                                        % (rule, (earlier - later) / 1e6))

    # ---- (a) inline ----

    def test_inline_front_covers_the_work_and_assert_offloaded_fails(self):
        request_id, body = self.invoke("front-inline", {"order": "inline"})
        self.assertEqual(body["variant"], "inline")
        trace = self.trace_of(request_id)
        self.assertEqual(len(trace["spans"]), 1)
        front = trace["spans"][0]
        self.assertEqual((front["id"], front["kind"], front["name"], front["depth"]),
                         (request_id, "invocation", "front-inline", 0))
        self.assertEqual(trace["root"]["descendants"], 0)
        self.assertFalse(trace["offloaded"])
        self.assertEqual(trace["margin_ns"], 0)
        self.assertGreaterEqual(duration_ms(front), WORK_MS - 2)
        self.assertGreaterEqual(duration_ms(front), body["handlerMs"])
        self.assertEqual(trace["root"]["duration_ns"], front["end_ns"] - front["begin_ns"])

        out = self.cli("trace", "--request-id", request_id, "--wait", "--assert-offloaded")
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("not offloaded", out.stderr)
        self.assertIn("front-inline", out.stderr)

        # The most recent trace is this one.
        last = self.cli("trace", "--last", "--format", "json")
        self.assertEqual(last.returncode, 0, last.stderr)
        self.assertEqual(json.loads(last.stdout)["trace_id"], trace["trace_id"])

    # ---- (b) un-awaited ----

    def test_unawaited_work_is_flagged_and_stalls_until_the_next_invocation(self):
        marker = "unawaited-%d" % time.time_ns()
        request_id, body = self.invoke("front-unawaited", {"marker": marker})
        returned = time.monotonic()
        self.assertEqual(body["variant"], "unawaited")
        trace = self.trace_of(request_id)
        front = trace["spans"][0]
        self.assertEqual(front["id"], request_id)
        self.assertIsInstance(front["attrs"].get("pending_work"), list, front)
        self.assertTrue(front["attrs"]["pending_work"])
        self.assertTrue(all(isinstance(item, str) and item
                            for item in front["attrs"]["pending_work"]))
        text = self.cli("trace", trace["trace_id"], "--width", "160")
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("PENDING-WORK", text.stdout)

        warnings = [line for line in self.log_lines("front-unawaited")
                    if line["request_id"] == request_id and "\tWARNING\tThe handler returned" in line["text"]]
        self.assertEqual(len(warnings), 1, self.log_lines("front-unawaited"))

        # Frozen: two seconds after the return, the one-second work has not run.
        time.sleep(max(0.0, returned + 2.0 - time.monotonic()))
        self.assertEqual(self.finished_lines("front-unawaited", marker), [])

        # The next invocation thaws the environment: the overdue timer fires (the deadline only
        # bounds a hang; the order of the two is asserted below).
        second_id, _ = self.invoke("front-unawaited", {"marker": marker + "-second"})
        deadline = time.monotonic() + HANG_S
        while not self.finished_lines("front-unawaited", marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        finished = [line for line in self.finished_lines("front-unawaited", marker)
                    if marker + "-second" not in line["text"]]
        self.assertEqual(len(finished), 1, self.log_lines("front-unawaited"))
        second = self.invocation_span(second_id)
        self.assertGreaterEqual(finished[0]["ts_ns"], second["attrs"]["invoked_ns"])

    # ---- the numbers are true ----

    @unittest.skipIf(os.environ.get("OFFSTAGE_SANITIZED"),
                     "compares milliseconds: under a sanitizer it measures the sanitizer")
    def test_span_durations_match_the_handlers_own_measurement(self):
        # One invocation at a time, each trace finished before the next (no worker running
        # beside the measured front), against the handlers' own measurement (handlerMs) of the
        # same warm invocations: the Node fronts with performance.now(), a Python function with
        # time.perf_counter(). The recorded figures are checked (docs/tracing.md, "How exact
        # the durations are") by containment and against quantities of the same run, never
        # against a fixed number of milliseconds (how long the platform's part takes is machine
        # speed and load; the figures are printed, and tabled in docs/tracing.md):
        #  - the handler's run as its runtime client reported it (attrs handler_start_ns/
        #    end_ns) lies inside the invocation span, and contains the handler's own
        #    measurement up to the clock-conversion error HandlerRun allows (kClockSlackNs,
        #    0.1 ms: both clocks are CLOCK_MONOTONIC, the conversion only shifts the run);
        #  - the span's extra over the handler's own figure is the Runtime API exchange of the
        #    same invocation (the runtime client reading the event before the handler ran,
        #    posting the answer after it returned) plus the client's bookkeeping around the
        #    handler call; that bookkeeping is the smaller part: the recorded run agrees with
        #    the handler's own figure more closely than the exchange takes, in the median.
        slack_ms = 0.1  # emulator/runtime/runtime_api.cc HandlerRun, kClockSlackNs
        self.create_python_timer()
        for name, runs in (("front-inline", 10), ("front-offload", 10), ("py-timer", 10)):
            with self.subTest(function=name):
                self.trace_of(self.invoke(name, {"order": "warm-up"})[0])
                span_diffs, run_diffs, exchanges = [], [], []
                for i in range(runs):
                    request_id, body = self.invoke(name, {"order": "measure-%d" % i})
                    span = self.trace_of(request_id)["spans"][0]
                    self.assertEqual(span["id"], request_id)
                    attrs = span["attrs"]
                    self.assertFalse(attrs["cold"], span)
                    self.assertLessEqual(span["start_ns"], attrs["handler_start_ns"], span)
                    self.assertLess(attrs["handler_start_ns"], attrs["handler_end_ns"], span)
                    self.assertLessEqual(attrs["handler_end_ns"], span["end_ns"], span)
                    run_ms = (attrs["handler_end_ns"] - attrs["handler_start_ns"]) / 1e6
                    exchange_ms = (attrs["handler_start_ns"] - span["start_ns"]
                                   + span["end_ns"] - attrs["handler_end_ns"]) / 1e6
                    self.assertGreaterEqual(run_ms, body["handlerMs"] - slack_ms,
                                            (body, span))
                    run_diffs.append(run_ms - body["handlerMs"])
                    span_diffs.append(duration_ms(span) - body["handlerMs"])
                    exchanges.append(exchange_ms)
                sys.stderr.write(
                    "\n%s over %d warm invocations, minus the handler's own measurement:\n"
                    "  handler run: median %.3f ms, max |d| %.3f ms\n"
                    "  span:        median %.3f ms, min %.3f ms, max %.3f ms; all: %s\n"
                    "  of which the Runtime API exchange: median %.3f ms\n"
                    % (name, runs, statistics.median(run_diffs),
                       max(abs(d) for d in run_diffs), statistics.median(span_diffs),
                       min(span_diffs), max(span_diffs),
                       ", ".join("%.3f" % d for d in span_diffs),
                       statistics.median(exchanges)))
                self.assertGreaterEqual(min(span_diffs), -slack_ms, span_diffs)
                self.assertLess(statistics.median(run_diffs), statistics.median(exchanges),
                                (run_diffs, exchanges))

    def create_python_timer(self):
        code = (b"import time\n"
                b"def handler(event, context):\n"
                b"    started = time.perf_counter()\n"
                b"    time.sleep(0.05)\n"
                b"    return {'handlerMs': (time.perf_counter() - started) * 1000}\n")
        self.lam.create_function(FunctionName="py-timer", Runtime="python3.12", Role=ROLE,
                                 Handler="app.handler",
                                 Code={"ZipFile": zip_files({"app.py": code})})

    # ---- outputs, the control API, errors ----

    def test_chrome_and_html_outputs(self):
        request_id, _ = self.invoke("front-offload", {"order": "outputs"})
        trace = self.trace_of(request_id)
        directory = temp_dir(self)

        chrome_path = os.path.join(directory, "trace.json")
        out = self.cli("trace", trace["trace_id"], "--format", "chrome", "--output", chrome_path)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertEqual(out.stdout, "")
        with open(chrome_path) as f:
            chrome = json.load(f)
        self.assertIsInstance(chrome["traceEvents"], list)
        # One complete event per span (plus the waits and cold starts drawn before invocations).
        complete = [e for e in chrome["traceEvents"]
                    if e.get("ph") == "X" and e["cat"] not in ("wait", "init")]
        self.assertEqual(len(complete), len(trace["spans"]))
        for event in complete:
            self.assertIsInstance(event["name"], str)
            for key in ("ts", "dur"):
                self.assertIsInstance(event[key], (int, float), event)
                self.assertGreaterEqual(event[key], 0, event)
            self.assertIn("pid", event)
            self.assertIn("tid", event)
        self.assertEqual([e["args"]["id"] for e in complete], [s["id"] for s in trace["spans"]])
        # On a track, events nest like a call stack or do not overlap (Perfetto draws the rest
        # over each other); every track is named.
        by_track = {}
        for event in chrome["traceEvents"]:
            if event.get("ph") == "X":
                by_track.setdefault(event["tid"], []).append((event["ts"],
                                                              event["ts"] + event["dur"]))
        for tid, slices in by_track.items():
            for i, (a0, a1) in enumerate(slices):
                for b0, b1 in slices[i + 1:]:
                    self.assertTrue(a1 <= b0 or b1 <= a0 or (a0 <= b0 and b1 <= a1)
                                    or (b0 <= a0 and a1 <= b1), (tid, slices))
        named = {e["tid"] for e in chrome["traceEvents"] if e.get("name") == "thread_name"}
        self.assertEqual(named, set(by_track))

        html_path = os.path.join(directory, "trace.html")
        out = self.cli("trace", "--request-id", request_id, "--format", "html",
                       "--output", html_path)
        self.assertEqual(out.returncode, 0, out.stderr)
        with open(html_path) as f:
            html = f.read()
        self.assertIn("<svg", html)
        self.assertEqual(html.count('<rect class="span'), len(trace["spans"]))
        self.assertIn(trace["verdict"], html)

    def test_control_api_lists_and_serves_traces(self):
        request_id, _ = self.invoke("front-offload", {"order": "control"})
        trace = self.trace_of(request_id)
        status, invocation = self.control("/_offstage/invocations/" + request_id)
        self.assertEqual(status, 200)
        self.assertEqual((invocation["request_id"], invocation["trace_id"], invocation["kind"],
                          invocation["name"], invocation["status"]),
                         (request_id, trace["trace_id"], "invocation", "front-offload",
                          "success"))
        status, recent = self.control("/_offstage/traces?limit=1")
        self.assertEqual(status, 200)
        self.assertEqual(len(recent["traces"]), 1)
        self.assertEqual(recent["traces"][0]["trace_id"], trace["trace_id"])
        self.assertEqual(recent["traces"][0]["root_name"], "front-offload")
        self.assertEqual(recent["traces"][0]["root_kind"], "invocation")
        self.assertEqual(recent["traces"][0]["spans"], len(trace["spans"]))
        status, many = self.control("/_offstage/traces?limit=3")
        self.assertEqual(status, 200)
        starts = [t["start_ns"] for t in many["traces"]]
        self.assertEqual(starts, sorted(starts, reverse=True))  # newest first
        status, served = self.control("/_offstage/traces/" + trace["trace_id"])
        self.assertEqual(status, 200)
        self.assertEqual(served, trace)
        status, missing = self.control("/_offstage/traces/1-00000000-000000000000000000000000")
        self.assertEqual(status, 404)
        self.assertIn("error", missing)

    def test_unknown_trace_and_request_id_exit_2(self):
        out = self.cli("trace", "1-00000000-000000000000000000000000")
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("no trace", out.stderr)
        out = self.cli("trace", "--request-id", "00000000-0000-0000-0000-000000000000")
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("no invocation", out.stderr)

    def test_wrong_endpoint_exits_2(self):
        out = run_cli("trace", "--last", "--endpoint", "http://127.0.0.1:%d" % closed_port())
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertTrue(out.stderr.strip())
        self.assertEqual(out.stdout, "")

    def test_x_amzn_trace_id_root_names_the_trace(self):
        # A caller that is not a function joins its own trace through X-Amzn-Trace-Id.
        root = "1-%08x-%024x" % (int(time.time()), time.time_ns() % 16**24)

        def add_header(request, **_):
            request.headers["X-Amzn-Trace-Id"] = "Root=%s;Parent=53995c3f42cd8ad8;Sampled=1" % root

        self.lam.meta.events.register("before-sign.lambda.Invoke", add_header)
        try:
            request_id, _ = self.invoke("front-offload", {"order": "traced"})
        finally:
            self.lam.meta.events.unregister("before-sign.lambda.Invoke", add_header)
        trace = self.trace_of(request_id)
        self.assertEqual(trace["trace_id"], root)
        self.assertEqual(trace["spans"][0]["id"], request_id)
        self.assertTrue(trace["offloaded"], trace["verdict"])  # the worker joined it too
        self.assertEqual(trace["root"]["descendants"], 4)

    # ---- causality three levels deep ----

    def test_causality_through_two_topics_an_event_invoke_and_a_destination(self):
        tag = "%d-%d" % (os.getpid(), time.time_ns() % 10**9)
        names = {key: "chain-%s-%s" % (key, tag)
                 for key in ("front", "middle", "back", "third", "dest")}
        topics = {key: self.sns.create_topic(Name="chain-%s-%s" % (key, tag))["TopicArn"]
                  for key in ("first", "second")}

        def create(key, **variables):
            variables["SDK_DIR"] = SDK_DIR
            self.lam.create_function(
                FunctionName=names[key], Runtime="nodejs20.x", Role=ROLE,
                Handler="index.handler", Timeout=30,
                Code={"ZipFile": zip_fixture("node-chain")},
                Environment={"Variables": variables})

        create("front", NEXT_TOPIC_ARN=topics["first"])
        create("middle", NEXT_TOPIC_ARN=topics["second"])
        create("back", NEXT_FUNCTION=names["third"])
        create("third")
        create("dest")
        self.lam.put_function_event_invoke_config(
            FunctionName=names["third"],
            DestinationConfig={"OnSuccess": {"Destination": function_arn(names["dest"])}})
        self.sns.subscribe(TopicArn=topics["first"], Protocol="lambda",
                           Endpoint=function_arn(names["middle"]))
        self.sns.subscribe(TopicArn=topics["second"], Protocol="lambda",
                           Endpoint=function_arn(names["back"]))

        request_id, body = self.invoke(names["front"], {"hop": 0})
        trace = self.trace_of(request_id, timeout=90)
        self.assertTrue(trace["quiescent"])

        front = trace["spans"][0]
        self.assertEqual(front["id"], request_id)
        publish1 = self.only_child(trace, front["id"], "publish")
        self.assertEqual(publish1["id"], body["messageId"])
        delivery1 = self.only_child(trace, publish1["id"], "delivery")
        event1 = self.only_child(trace, delivery1["id"], "event")
        middle = self.only_child(trace, event1["id"], "invocation")
        publish2 = self.only_child(trace, middle["id"], "publish")
        delivery2 = self.only_child(trace, publish2["id"], "delivery")
        event2 = self.only_child(trace, delivery2["id"], "event")
        back = self.only_child(trace, event2["id"], "invocation")
        event3 = self.only_child(trace, back["id"], "event")  # the Event invoke
        third = self.only_child(trace, event3["id"], "invocation")
        dest_event = self.only_child(trace, event3["id"], "event")  # OnSuccess
        dest = self.only_child(trace, dest_event["id"], "invocation")

        chain = [front, publish1, delivery1, event1, middle, publish2, delivery2, event2, back,
                 event3, third]
        self.assertCausalChain(trace, chain, [
            ("invocation", names["front"], 0),
            ("publish", "chain-first-" + tag, 1),
            ("delivery", "lambda " + names["middle"], 2),
            ("event", names["middle"], 3),
            ("invocation", names["middle"], 4),
            ("publish", "chain-second-" + tag, 5),
            ("delivery", "lambda " + names["back"], 6),
            ("event", names["back"], 7),
            ("invocation", names["back"], 8),
            ("event", names["third"], 9),
            ("invocation", names["third"], 10)])
        self.assertEqual((dest_event["name"], dest_event["depth"], dest_event["attrs"]["source"]),
                         (names["dest"], 10, "destination"))
        self.assertEqual((dest["name"], dest["depth"], dest["parent_id"]),
                         (names["dest"], 11, dest_event["id"]))
        self.assertEqual(event3["attrs"]["source"], "invoke")
        for attempt in (middle, back, third, dest):
            self.assertEqual(attempt["status"], "success", attempt)
        for event in (event1, event2, event3, dest_event):
            self.assertEqual(event["status"], "succeeded", event)
            self.assertEqual(event["attrs"]["attempts"], 1, event)

        # One trace: exactly these spans, in depth-first order, all of the front's descendants.
        ordered = chain[:10] + [third, dest_event, dest]
        self.assertEqual([s["id"] for s in trace["spans"]], [s["id"] for s in ordered])
        self.assertEqual(trace["root"]["descendants"], len(ordered) - 1)
        self.assertTrue(trace["offloaded"], trace["verdict"])
        self.assertEqual(self.control("/_offstage/invocations/" + request_id)[1]["trace_id"],
                         trace["trace_id"])


class NoFreezeTraceTest(TraceTestCase):
    """--no-freeze: un-awaited work runs on in the idle environment (unlike AWS)."""

    daemon_args = ("--config", CONFIG, "--no-freeze")

    def test_unawaited_work_finishes_on_its_own(self):
        marker = "nofreeze-%d" % time.time_ns()
        request_id, _ = self.invoke("front-unawaited", {"marker": marker})
        span = self.invocation_span(request_id)
        self.assertTrue(span["attrs"].get("pending_work"), span)  # still flagged
        deadline = time.monotonic() + HANG_S  # bounds a hang only: frozen, it would never finish
        while not self.finished_lines("front-unawaited", marker) and time.monotonic() < deadline:
            time.sleep(0.05)
        finished = self.finished_lines("front-unawaited", marker)
        self.assertEqual(len(finished), 1, self.log_lines("front-unawaited"))
        # After its second of work, with no other invocation to thaw it (asserted below): it
        # ran on its own. How soon after the second is machine speed, not asserted.
        after_ms = (finished[0]["ts_ns"] - span["start_ns"]) / 1e6
        self.assertGreaterEqual(after_ms, WORK_MS - 2)
        self.assertEqual([line for line in self.log_lines("front-unawaited")
                          if line["text"].startswith("START ")
                          and line["request_id"] != request_id], [])


if __name__ == "__main__":
    unittest.main()

"""Fault injection (issue #21, item 2) and the CI assertions beside it (item 3): rules set with
`offstage faults`, `serve --fault`, the config file and the control API inject function errors,
timeouts, crashes, throttles, HTTP delivery failures, delays and duplicates; every injected fault
is marked in the trace and the logs; the retry path recovers them or sends the event to its
destination; `trace --assert-eventually-succeeded`, `--assert-max-critical-path` and
`offstage report` say so.

The injected faults come from seeded rules: the same calls in the same order get the same faults,
so every count asserted here is exact for the run, not a timing.
"""
import http.server
import json
import os
import subprocess
import threading
import time
import unittest
import urllib.request

from harness import BIN, HANG_S, REPO, Daemon, boto3_client, temp_dir
from lambda_fixtures import ROLE, function_arn, tail_log, zip_fixture
from recorder import RecorderTestCase


def run_cli(*args, timeout=120):
    return subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)


class FaultInjectionTest(RecorderTestCase):
    daemon_args = ("--async-retry-delays", "10ms,10ms", "--sns-retry-delays", "10ms,10ms")

    def cli(self, *args):
        return run_cli(*args, "--endpoint", self.endpoint)

    def tearDown(self):
        self.cli("faults", "clear")

    def test_thirty_percent_errors_with_two_retries_end_succeeded_or_in_the_destination(self):
        worker, worked = self.recorder("flaky-worker")
        dlq, dead = self.recorder("flaky-dlq")
        self.lam.put_function_event_invoke_config(
            FunctionName=worker, MaximumRetryAttempts=2,
            DestinationConfig={"OnFailure": {"Destination": function_arn(dlq)}})
        added = self.cli("faults", "add", "--function", worker, "--kind", "error",
                         "--probability", "0.3", "--seed", "7", "--format", "json")
        self.assertEqual(added.returncode, 0, added.stderr)
        rule = json.loads(added.stdout)
        topic = self.sns.create_topic(Name=self.unique("flaky-jobs"))["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(worker))
        messages = 40
        ids = [self.sns.publish(TopicArn=topic, Message="job %d" % i)["MessageId"]
               for i in range(messages)]
        # Every message ends once: run by the worker (its handler ran, after 0-2 injected
        # failures) or, after three injected failures, in the OnFailure destination.
        deadline = time.monotonic() + HANG_S
        while len(worked.records()) + len(dead.records()) < messages:
            self.assertLess(time.monotonic(), deadline, "not every message ended")
            time.sleep(0.1)
        time.sleep(0.5)  # nothing more arrives: each ended exactly once
        succeeded = {r["event"]["Records"][0]["Sns"]["MessageId"] for r in worked.records()}
        failed = {r["event"]["requestPayload"]["Records"][0]["Sns"]["MessageId"]
                  for r in dead.records()}
        self.assertEqual(len(worked.records()), len(succeeded))
        self.assertEqual(succeeded | failed, set(ids))
        self.assertFalse(succeeded & failed)
        for record in dead.records():
            self.assertEqual(record["event"]["requestContext"]["condition"], "RetriesExhausted")
            self.assertEqual(record["event"]["requestContext"]["approximateInvokeCount"], 3)
            self.assertEqual(record["event"]["responsePayload"]["errorType"],
                             "Offstage.InjectedError")
        # The counts match: every attempt that did not run the handler was an injected fault.
        listed = json.loads(self.cli("faults", "list", "--format", "json").stdout)["faults"]
        mine = [r for r in listed if r["id"] == rule["id"]][0]
        self.assertEqual(mine["seen"], len(succeeded) + mine["injected"])
        self.assertGreaterEqual(mine["injected"], 3 * len(failed))
        self.assertGreater(mine["injected"], 0)

        # The report: one line per trace, with its injected spans and its work's outcomes.
        report = self.cli("report", "--since", "5m")
        self.assertEqual(report.returncode, 0, report.stderr)
        lines = [json.loads(line) for line in report.stdout.splitlines()]
        recovered = [line for line in lines
                     if line["injected"] > 0 and line["work"]["failed"] == 0
                     and line["work"]["pending"] == 0 and line["quiescent"]]
        self.assertTrue(recovered, "no trace recovered from an injected failure")
        ok = self.cli("trace", recovered[0]["trace_id"], "--wait", "--assert-eventually-succeeded")
        self.assertEqual(ok.returncode, 0, ok.stderr)
        # The text waterfall marks the injected attempts.
        self.assertIn("INJECTED", ok.stdout)

    def test_eventually_succeeded_fails_when_a_fault_is_not_recovered(self):
        doomed, _ = self.recorder("doomed")
        self.lam.put_function_event_invoke_config(FunctionName=doomed, MaximumRetryAttempts=1)
        self.cli("faults", "add", "--function", doomed, "--kind", "error")
        out = self.lam.invoke(FunctionName=doomed, InvocationType="Event", Payload=b"{}")
        request_id = out["ResponseMetadata"]["RequestId"]
        refused = self.cli("trace", "--request-id", request_id, "--wait",
                           "--assert-eventually-succeeded")
        self.assertEqual(refused.returncode, 1, refused.stdout + refused.stderr)
        self.assertIn("not eventually succeeded: %s failed: 2 of 2 attempts" % doomed,
                      refused.stderr)
        self.assertIn("INJECTED", refused.stdout)

    def test_every_function_fault_kind_is_marked_in_the_answer_the_trace_and_the_log(self):
        name, record = self.recorder("marked", Timeout=2)
        for kind, check in (
                ("error", lambda out, body: self.assertEqual(body["errorType"],
                                                             "Offstage.InjectedError")),
                ("crash", lambda out, body: self.assertEqual(body["errorType"],
                                                             "Runtime.ExitError")),
                ("timeout", lambda out, body: self.assertEqual(body["errorType"],
                                                               "Sandbox.Timedout"))):
            with self.subTest(kind=kind):
                added = self.cli("faults", "add", "--function", name, "--kind", kind,
                                 "--count", "1")
                self.assertEqual(added.returncode, 0, added.stderr)
                started = time.monotonic()
                out = self.lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
                body = json.loads(out["Payload"].read())
                self.assertEqual(out.get("FunctionError"), "Unhandled")
                check(out, body)
                self.assertIn("injected by fault rule", body["errorMessage"])
                self.assertIn("offstage: INJECTED %s injected by fault rule" % kind,
                              tail_log(out))
                if kind == "timeout":  # a timeout takes the function's timeout, as a real one
                    self.assertGreaterEqual(time.monotonic() - started, 2.0)
                span = self.invocation_span(out["ResponseMetadata"]["RequestId"])
                self.assertIn("injected by fault rule", span["attrs"]["injected"])
                # The rule is spent: the next call runs the handler.
                again = self.lam.invoke(FunctionName=name, Payload=b"{}")
                self.assertNotIn("FunctionError", again)
        self.assertEqual(len(record.records()), 3)  # only the three clean calls ran the handler
        logs = self.cli("logs", name, "--format", "json")
        self.assertIn("offstage: INJECTED crash injected by fault rule", logs.stdout)

    def test_an_injected_throttle_is_a_429(self):
        name, _ = self.recorder("throttled")
        # Two: boto3 retries a throttle once here (harness.boto3_client).
        self.cli("faults", "add", "--function", name, "--kind", "throttle", "--count", "2")
        self.assertClientError(self.lam.invoke, "TooManyRequestsException", 429,
                               FunctionName=name, Payload=b"{}")
        self.assertNotIn("FunctionError", self.lam.invoke(FunctionName=name, Payload=b"{}"))

    def test_a_duplicate_delivery_exposes_a_handler_that_is_not_idempotent(self):
        # At-least-once made visible: one Publish, two deliveries of the same message; a
        # handler that counts what it is given counts it twice.
        worker, record = self.recorder("dup-worker")
        topic_name = self.unique("dup-jobs")
        topic = self.sns.create_topic(Name=topic_name)["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(worker))
        added = self.cli("faults", "add", "--topic", topic_name, "--kind", "duplicate",
                         "--count", "1")
        self.assertEqual(added.returncode, 0, added.stderr)
        message_id = self.sns.publish(TopicArn=topic, Message="charge the card")["MessageId"]
        records = record.wait_for(2)
        self.assertEqual([r["event"]["Records"][0]["Sns"]["MessageId"] for r in records],
                         [message_id, message_id])
        self.assertEqual(record.count_after(0.5), 2)
        trace = json.loads(self.cli("trace", "--request-id", records[0]["requestId"], "--wait",
                                    "--format", "json").stdout)
        deliveries = [s for s in trace["spans"] if s["kind"] == "delivery"]
        self.assertEqual(len(deliveries), 2)
        self.assertEqual(["injected" in s["attrs"] for s in deliveries].count(True), 1)

    def test_http_delivery_failures_and_delays(self):
        received = []

        class Hook(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])) or b"{}")
                self.send_response(200)
                self.end_headers()
                if self.headers.get("x-amz-sns-message-type") == "SubscriptionConfirmation":
                    url = body["SubscribeURL"]
                    threading.Thread(target=lambda: urllib.request.urlopen(url, timeout=10).read(),
                                     daemon=True).start()
                elif self.headers.get("x-amz-sns-message-type") == "Notification":
                    received.append((time.monotonic(), body["Message"]))

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Hook)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        self.addCleanup(server.server_close)
        topic_name = self.unique("hooks")
        topic = self.sns.create_topic(Name=topic_name)["TopicArn"]
        sub = self.sns.subscribe(TopicArn=topic, Protocol="http", ReturnSubscriptionArn=True,
                                 Endpoint="http://127.0.0.1:%d/hook" % server.server_port)
        sub = sub["SubscriptionArn"]
        deadline = time.monotonic() + HANG_S
        while self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"][
                "PendingConfirmation"] != "false":
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.cli("faults", "add", "--subscription", sub, "--kind", "http-failure", "--count", "1")
        message_id = self.sns.publish(TopicArn=topic, Message="first")["MessageId"]
        while not received:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        # The injected failure sent nothing; the retry delivered it, once.
        self.assertEqual(self.cli("trace", "--last", "--wait").returncode, 0)
        trace = json.loads(self.cli("trace", "--last", "--wait", "--format", "json").stdout)
        delivery = [s for s in trace["spans"] if s["kind"] == "delivery"][0]
        self.assertEqual(delivery["status"], "delivered")
        self.assertEqual(delivery["attrs"]["attempts"], 2)
        self.assertIn("http-failure injected by fault rule", delivery["attrs"]["injected"])
        self.assertEqual([m for _, m in received], ["first"])
        self.assertTrue(message_id)
        self.cli("faults", "clear")
        self.cli("faults", "add", "--topic", topic, "--kind", "delay", "--delay-ms", "400",
                 "--count", "1")
        published = time.monotonic()
        self.sns.publish(TopicArn=topic, Message="second")
        while len(received) < 2:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertGreaterEqual(received[1][0] - published, 0.4)

    def test_critical_path_assertion(self):
        name = self.unique("slowish")
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler", Code={"ZipFile": zip_fixture("node-sleep")},
                                 Timeout=10)
        out = self.lam.invoke(FunctionName=name, Payload=json.dumps({"ms": 60}).encode())
        request_id = out["ResponseMetadata"]["RequestId"]
        longer = self.cli("trace", "--request-id", request_id, "--wait",
                          "--assert-max-critical-path", "10s")
        self.assertEqual(longer.returncode, 0, longer.stderr)
        shorter = self.cli("trace", "--request-id", request_id, "--wait",
                           "--assert-max-critical-path", "50ms")
        self.assertEqual(shorter.returncode, 1)
        self.assertRegex(shorter.stderr, r"critical path \d+\.\d ms is longer than 50ms")
        bad = self.cli("trace", "--request-id", request_id, "--assert-max-critical-path", "soon")
        self.assertEqual(bad.returncode, 2)

    def test_bad_rules_are_refused_with_the_reason(self):
        out = self.cli("faults", "add", "--topic", "jobs", "--kind", "error")
        self.assertEqual(out.returncode, 2)
        self.assertIn("error is a fault of invocations: its target is a function", out.stderr)
        out = self.cli("faults", "clear", "f999")
        self.assertEqual(out.returncode, 2)
        self.assertEqual(self.cli("faults", "list").stdout, "no fault rules\n")

    def invocation_span(self, request_id):
        deadline = time.monotonic() + HANG_S
        while True:
            out = self.cli("trace", "--request-id", request_id, "--wait", "--format", "json")
            if out.returncode == 0:
                spans = [s for s in json.loads(out.stdout)["spans"] if s["id"] == request_id]
                if spans and spans[0]["end_ns"]:
                    return spans[0]
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.1)


class IdempotencyExampleTest(unittest.TestCase):
    """examples/idempotency: a duplicate delivery fault exposes the ledger worker that is not
    idempotent, and the one keyed by MessageId charges once."""

    def test_a_duplicate_charges_the_non_idempotent_ledger_twice(self):
        root = temp_dir(self)
        example = os.path.join(REPO, "examples", "idempotency")
        with open(os.path.join(example, "offstage.json")) as f:
            config = json.load(f)
        ledgers = {}
        for function in config["functions"]:
            function["code"] = os.path.join(example, function["code"])
            ledgers[function["name"]] = os.path.join(root, function["name"] + ".jsonl")
            function["environment"]["LEDGER_FILE"] = ledgers[function["name"]]
        path = os.path.join(root, "offstage.json")
        with open(path, "w") as f:
            json.dump(config, f)
        with Daemon("--config", path, "--fault", "topic=orders,kind=duplicate") as daemon:
            sns = boto3_client("sns", daemon.endpoint)
            self.addCleanup(sns.close)
            sns.publish(TopicArn="arn:aws:sns:us-east-1:000000000000:orders",
                        Message=json.dumps({"order": 7, "amount": 30}))
            self.assertEqual(run_cli("trace", "--last", "--wait", "--endpoint",
                                     daemon.endpoint).returncode, 0)

            def charges(name):
                try:
                    with open(ledgers[name]) as f:
                        return [json.loads(line) for line in f if line.strip()]
                except FileNotFoundError:
                    return []

            self.assertEqual([c["order"] for c in charges("ledger")], [7, 7])
            self.assertEqual([c["order"] for c in charges("ledger-idempotent")], [7])


class FaultsFromTheStartTest(unittest.TestCase):

    def test_serve_flag_and_config_file_rules(self):
        root = temp_dir(self)
        config = os.path.join(root, "offstage.json")
        with open(config, "w") as f:
            json.dump({"faults": [{"function": "*", "kind": "throttle", "count": 1}]}, f)
        with Daemon("--config", config, "--fault", "function=nope,kind=crash,seed=3") as daemon:
            listed = json.loads(run_cli("faults", "list", "--format", "json", "--endpoint",
                                        daemon.endpoint).stdout)["faults"]
            self.assertEqual(sorted((r["kind"], r.get("function")) for r in listed),
                             [("crash", "nope"), ("throttle", "*")])
            self.assertIn("fault rule f1 in place", "".join(daemon.output))
        bad = subprocess.run([BIN, "serve", "--ephemeral", "--port", "0", "--fault",
                              "function=x,kind=boom"], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(bad.returncode, 0)
        self.assertIn("kind must be one of", bad.stderr + bad.stdout)


if __name__ == "__main__":
    unittest.main()

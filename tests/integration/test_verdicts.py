"""Verdicts that count outcomes (docs/tracing.md "The verdict"): a front that offloads to work
which then fails, never runs, is filtered away or cannot be delivered must not pass
`offstage trace --assert-offloaded`, and the reason must be printed; a cold front's init is on
its critical path.

The front is the seed pattern's front-offload (examples/seed-pattern), pointed at a topic of each
test's own; the workers are fixtures; an HTTP subscriber is a small http.server in the test.
Everything is asserted from `offstage trace` (its exit code, stderr and --format json).
"""
import json
import os
import sqlite3
import threading
import time
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import harness
from harness import HANG_S, REPO, AwsClientsTestCase, temp_dir
from lambda_fixtures import ROLE, function_arn, zip_files, zip_fixture
from test_traces import run_cli

FRONT_CODE = os.path.join(REPO, "examples", "seed-pattern", "front-offload")


def create_front(lam, name, topic_arn):
    """The seed pattern's front-offload function `name`, publishing to `topic_arn`."""
    lam.create_function(
        FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
        Code={"S3Bucket": "hot-reload", "S3Key": FRONT_CODE}, Timeout=10,
        Environment={"Variables": {"JOBS_TOPIC_ARN": topic_arn}})
    return name


class AnswersWith:
    """An HTTP subscriber that confirms its subscription and answers every notification with
    `status`; counts the notifications."""

    def __init__(self, status):
        self.notifications = 0
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                if body.get("Type") == "SubscriptionConfirmation":
                    urllib.request.urlopen(body["SubscribeURL"], timeout=10).read()
                    self.send_response(200)
                else:
                    outer.notifications += 1
                    self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = "http://127.0.0.1:%d/hook" % self.server.server_address[1]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class VerdictTest(AwsClientsTestCase):
    daemon_args = ("--async-retry-delays", "50ms,50ms", "--sns-retry-delays", "50ms,50ms")

    def cli(self, *args):
        return run_cli(*args, "--endpoint", self.endpoint)

    def front_for(self, topic_arn):
        """A front-offload function publishing to `topic_arn`."""
        return create_front(self.lam, self.unique("front"), topic_arn)

    def worker(self, fixture="node-throws", **extra):
        name = self.unique("worker")
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler",
                                 Code={"ZipFile": zip_fixture(fixture)}, **extra)
        return name

    def topic(self):
        return self.sns.create_topic(Name=self.unique("jobs"))["TopicArn"]

    def run_front(self, front):
        out = self.lam.invoke(FunctionName=front, Payload=b'{"order": 1}')
        payload = json.loads(out["Payload"].read())
        self.assertNotIn("FunctionError", out, payload)
        return out["ResponseMetadata"]["RequestId"]

    def assert_refused(self, request_id, *reasons):
        """--assert-offloaded exits 1 naming each reason; --allow-failures keeps the timing check
        (the front returned first: exit 0). Returns the trace's JSON."""
        out = self.cli("trace", "--request-id", request_id, "--wait", "--timeout", "60",
                       "--assert-offloaded", "--width", "120")
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        for reason in reasons:
            self.assertIn("not offloaded: " + reason, out.stderr)
        trace = json.loads(self.cli("trace", "--request-id", request_id, "--format",
                                    "json").stdout)
        self.assertFalse(trace["outcome"]["assert_offloaded"])
        self.assertIn(trace["verdict"].split(". ")[0][:60], out.stdout.replace("\n", " "))
        return trace

    def test_a_worker_that_fails_after_its_retries_fails_the_verdict(self):
        topic = self.topic()
        worker = self.worker()
        self.lam.put_function_event_invoke_config(FunctionName=worker, MaximumRetryAttempts=0)
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(worker))
        request_id = self.run_front(self.front_for(topic))
        trace = self.assert_refused(
            request_id, "background work failed: %s, 1 of 1 attempts, Error: boom: no reason"
            % worker)
        self.assertTrue(trace["verdict"].startswith("background work FAILED: %s, 1 of 1 attempts"
                                                    % worker), trace["verdict"])
        self.assertEqual((trace["outcome"]["ran"], trace["outcome"]["failed"]), (1, 1))
        timing = self.cli("trace", "--request-id", request_id, "--assert-offloaded",
                          "--allow-failures")
        self.assertEqual(timing.returncode, 0, timing.stderr)

    def test_retries_exhausted_count_every_attempt(self):
        topic = self.topic()
        worker = self.worker()
        self.lam.put_function_event_invoke_config(FunctionName=worker, MaximumRetryAttempts=2)
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(worker))
        request_id = self.run_front(self.front_for(topic))
        self.assert_refused(request_id, "background work failed: %s, 3 of 3 attempts, Error: "
                            "boom: no reason" % worker)

    def test_a_worker_throttled_to_zero_never_ran(self):
        topic = self.topic()
        worker = self.worker("node-recorder", Environment={"Variables": {
            "RECORD_FILE": os.path.join(temp_dir(self), "never.jsonl")}})
        self.lam.put_function_concurrency(FunctionName=worker, ReservedConcurrentExecutions=0)
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(worker))
        request_id = self.run_front(self.front_for(topic))
        trace = self.assert_refused(request_id, "no background work ran",
                                    "background work failed: %s, 0 of 3 attempts, "
                                    "TooManyRequestsException" % worker)
        self.assertEqual(trace["outcome"]["ran"], 0)

    def test_an_http_subscriber_that_always_answers_500(self):
        endpoint = AnswersWith(500)
        self.addCleanup(endpoint.close)
        topic = self.topic()
        self.sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url)
        deadline = time.monotonic() + HANG_S
        while time.monotonic() < deadline:
            subs = self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
            if subs and subs[0]["SubscriptionArn"] != "PendingConfirmation":
                break
            time.sleep(0.05)
        request_id = self.run_front(self.front_for(topic))
        trace = self.assert_refused(request_id, "background work failed: http ")
        self.assertGreaterEqual(endpoint.notifications, 1)
        self.assertEqual(trace["outcome"]["ran"], 1)
        [item] = trace["outcome"]["work"]
        self.assertEqual(item["outcome"], "failed")

    def test_a_message_filtered_away_from_every_subscription(self):
        topic = self.topic()
        worker = self.worker("node-recorder", Environment={"Variables": {
            "RECORD_FILE": os.path.join(temp_dir(self), "never.jsonl")}})
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(worker),
                           Attributes={"FilterPolicy": json.dumps({"kind": ["refund"]})})
        request_id = self.run_front(self.front_for(topic))
        self.assert_refused(request_id, "no background work ran",
                            "background work failed: topic %s, the message matched no "
                            "subscription (1 filtered out)" % topic.split(":")[-1])

    def test_a_protocol_that_is_not_emulated(self):
        topic = self.topic()
        self.sns.subscribe(TopicArn=topic, Protocol="sms", Endpoint="+15555550100")
        request_id = self.run_front(self.front_for(topic))
        trace = self.assert_refused(request_id, "no background work ran",
                                    "background work failed: sms +15555550100, not delivered: sms "
                                    "delivery is not emulated by offstage")
        self.assertEqual(len(trace["outcome"]["refusals"]), 2, trace["outcome"]["refusals"])

    def test_a_queue_that_does_not_exist(self):
        topic = self.topic()
        queue = self.unique("q")
        arn = "arn:aws:sqs:us-east-1:000000000000:" + queue
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn)
        request_id = self.run_front(self.front_for(topic))
        trace = self.assert_refused(request_id, "no background work ran",
                                    "background work failed: sqs %s, SQS queue %s: The specified "
                                    "queue does not exist." % (queue, arn))
        self.assertEqual(len(trace["outcome"]["refusals"]), 2, trace["outcome"]["refusals"])

    def test_an_event_invoke_from_outside_is_judged_by_its_run(self):
        worker = self.worker()
        self.lam.put_function_event_invoke_config(FunctionName=worker, MaximumRetryAttempts=0)
        out = self.lam.invoke(FunctionName=worker, InvocationType="Event", Payload=b"{}")
        self.assertEqual(out["StatusCode"], 202)
        trace = self.assert_refused(out["ResponseMetadata"]["RequestId"],
                                    "background work failed: %s, 1 of 1 attempts, Error: boom: "
                                    "no reason" % worker)
        self.assertEqual(trace["root"]["kind"], "event")
        self.assertEqual(trace["root"]["duration_ns"], 0)

    def test_a_working_worker_still_passes(self):
        topic = self.topic()
        worker = self.worker("node-recorder", Environment={"Variables": {
            "RECORD_FILE": os.path.join(temp_dir(self), "ok.jsonl")}})
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(worker))
        request_id = self.run_front(self.front_for(topic))
        out = self.cli("trace", "--request-id", request_id, "--wait", "--timeout", "60",
                       "--assert-offloaded")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("returned", out.stdout)

    def test_a_cold_fronts_init_is_on_its_critical_path(self):
        """A front whose module busy-waits 400 ms before its handler exists: its caller waited
        for that, and the trace says so."""
        name = self.unique("slow-init")
        code = zip_files({"index.js": (
            "const until = Date.now() + 400;\n"
            "while (Date.now() < until) {}\n"
            "exports.handler = async () => ({ ok: true });\n")})
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler", Code={"ZipFile": code})
        started = time.monotonic()
        request_id = self.run_front(name)
        waited_ms = (time.monotonic() - started) * 1000
        trace = json.loads(self.cli("trace", "--request-id", request_id, "--wait",
                                    "--format", "json").stdout)
        root = trace["spans"][0]
        self.assertTrue(root["attrs"]["cold"])
        self.assertGreaterEqual(root["attrs"]["init_ns"], 400e6)
        self.assertGreaterEqual(trace["root"]["duration_ns"], 400e6)
        self.assertEqual(trace["root"]["duration_ns"], root["end_ns"] - root["begin_ns"])
        self.assertLessEqual(root["begin_ns"], root["start_ns"] - root["attrs"]["init_ns"])
        # The figure is what the caller saw, never more.
        self.assertLessEqual(trace["root"]["duration_ns"] / 1e6, waited_ms)
        self.assertIn("started no other work (%.1f ms)" % (trace["root"]["duration_ns"] / 1e6),
                      trace["verdict"])
        text = self.cli("trace", "--request-id", request_id, "--width", "100").stdout
        row = text.splitlines()[2]
        bar = row[row.index("|") + 1:row.rindex("|")]
        self.assertIn("i", bar)
        self.assertLess(bar.index("i"), bar.index("#"))
        # The Chrome trace draws the init too.
        chrome = json.loads(self.cli("trace", "--request-id", request_id, "--format",
                                     "chrome").stdout)
        inits = [e for e in chrome["traceEvents"] if e.get("cat") == "init"]
        self.assertEqual(len(inits), 1)
        self.assertGreaterEqual(inits[0]["dur"], 400e3)


if __name__ == "__main__":
    unittest.main()


class LostWritesTest(unittest.TestCase):
    """Spans, logs and delivery states are written without anyone waiting on them; when such a
    write fails (here a trigger stands in for a full disk), the daemon says so in its log and
    health, and no trace assertion passes on what may be an incomplete record."""

    def test_a_lost_span_write_fails_the_assertion_and_degrades_health(self):
        data_dir = temp_dir(self)
        daemon = harness.Daemon("--async-retry-delays", "50ms,50ms", data_dir=data_dir).start()
        self.addCleanup(daemon.kill)
        lam = harness.boto3_client("lambda", daemon.endpoint)
        sns = harness.boto3_client("sns", daemon.endpoint)
        topic = sns.create_topic(Name="jobs")["TopicArn"]
        worker = "lost-worker"
        lam.create_function(FunctionName=worker, Runtime="nodejs20.x", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": zip_fixture("node-recorder")},
                            Environment={"Variables": {
                                "RECORD_FILE": os.path.join(temp_dir(self), "ran.jsonl")}})
        sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(worker))
        front = "lost-front"
        lam.create_function(
            FunctionName=front, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
            Code={"S3Bucket": "hot-reload", "S3Key": FRONT_CODE}, Timeout=10,
            Environment={"Variables": {"JOBS_TOPIC_ARN": topic}})
        health = json.loads(urllib.request.urlopen(daemon.endpoint + "/_offstage/health").read())
        self.assertEqual((health["status"], health["lost_writes"]), ("ok", 0))

        db = sqlite3.connect(os.path.join(data_dir, "offstage.db"), timeout=30)
        db.execute("CREATE TRIGGER lose_worker_spans BEFORE INSERT ON spans "
                   "WHEN NEW.name LIKE '%%%s%%' "
                   "BEGIN SELECT RAISE(FAIL, 'database or disk is full'); END" % worker)
        db.commit()
        db.close()
        out = lam.invoke(FunctionName=front, Payload=b'{"order": 1}')
        self.assertNotIn("FunctionError", out)
        request_id = out["ResponseMetadata"]["RequestId"]
        # The worker's span never lands, so the trace may never look finished: --wait gives up,
        # and says why no verdict can be given.
        cli = run_cli("trace", "--request-id", request_id, "--wait", "--timeout", "10",
                      "--assert-offloaded", "--endpoint", daemon.endpoint)
        self.assertEqual(cli.returncode, 1, cli.stdout + cli.stderr)
        self.assertIn("not offloaded: the daemon lost ", cli.stderr)
        self.assertIn("background writes (first: database error (step): database or disk is full",
                      cli.stderr)
        health = json.loads(urllib.request.urlopen(daemon.endpoint + "/_offstage/health").read())
        self.assertEqual(health["status"], "degraded")
        self.assertGreaterEqual(health["lost_writes"], 1)
        self.assertIn("database or disk is full", health["first_lost_write_error"])
        self.assertTrue(any("background write" in line and "lost" in line
                            for line in daemon.output), "".join(daemon.output))
        lam.close()
        sns.close()
        self.assertEqual(daemon.stop(), 0)

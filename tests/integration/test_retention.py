"""Retention (--retention, docs/config.md): the daemon prunes old telemetry in the background
and keeps work in progress and state. Asserted through the control API, the CLI and the AWS
APIs, never by reading the database."""
import json
import subprocess
import time
import urllib.error
import urllib.request

from harness import HANG_S, BIN, Daemon, temp_dir
from recorder import RecorderTestCase


def request(endpoint, method, path):
    """(status, parsed JSON) of a control API call."""
    req = urllib.request.Request(endpoint + path, method=method, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read())


class RetentionTestCase(RecorderTestCase):
    def control(self, method, path):
        return request(self.endpoint, method, path)

    def retention(self):
        status, health = self.control("GET", "/_offstage/health")
        self.assertEqual(status, 200, health)
        return health["retention"]

    def span_status(self, span_id):
        return self.control("GET", "/_offstage/invocations/" + span_id)[0]

    def logs_of(self, function):
        out = subprocess.run([BIN, "logs", function, "--format", "json", "--endpoint",
                              self.endpoint], capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        return [json.loads(line) for line in out.stdout.splitlines() if line.strip()]

    def invoke(self, name, event):
        out = self.lam.invoke(FunctionName=name, Payload=json.dumps(event).encode())
        self.assertEqual(out["StatusCode"], 200)
        return out["ResponseMetadata"]["RequestId"]


class AgeRetentionTest(RetentionTestCase):
    # Three seconds of history; failed Event invokes wait 60 s before their retry, so one stays
    # 'retrying' (work in progress) for the whole test.
    daemon_args = ("--retention", "3s", "--async-retry-delays", "60s,60s")

    def test_old_telemetry_is_pruned_in_the_background_and_work_in_progress_is_kept(self):
        worker, record = self.recorder("worker")
        topic = self.sns.create_topic(Name=self.unique("jobs"))["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="lambda",
                           Endpoint="arn:aws:lambda:us-east-1:000000000000:function:" + worker)
        message_id = self.sns.publish(TopicArn=topic, Message="old")["MessageId"]
        record.wait_for(1)
        old_request = self.invoke(worker, {"old": True})
        failing, _ = self.recorder("failing", env={"FAIL": "1"})
        retrying = self.lam.invoke(FunctionName=failing, InvocationType="Event",
                                   Payload=b'{"retry": true}')["ResponseMetadata"]["RequestId"]
        deadline = time.monotonic() + HANG_S
        while self.control("GET", "/_offstage/invocations/" + retrying)[1].get("status") != \
                "retrying":
            self.assertLess(time.monotonic(), deadline, "the failed event never got to retrying")
            time.sleep(0.1)
        self.assertEqual(self.span_status(old_request), 200)
        self.assertEqual(self.span_status(message_id), 200)
        self.assertTrue([l for l in self.logs_of(worker) if l["request_id"] == old_request])

        # The background passes (every 750 ms at 3 s) prune once the rows are 3 s old.
        deadline = time.monotonic() + HANG_S
        while self.span_status(old_request) != 404:
            self.assertLess(time.monotonic(), deadline, self.retention())
            time.sleep(0.2)
        retention = self.retention()
        self.assertEqual(retention["policy"], "3s")
        self.assertGreater(retention["passes"], 0)
        for table in ("spans", "log_lines", "deliveries"):
            self.assertGreater(retention["deleted"].get(table, 0), 0, (table, retention))

        # Pruned: the invocation, the publish, the delivered message's replayable copy, the logs.
        self.assertEqual(self.span_status(message_id), 404)
        self.assertEqual([l for l in self.logs_of(worker) if l["request_id"] == old_request], [])
        replay = subprocess.run([BIN, "replay", "message", message_id, "--endpoint",
                                 self.endpoint], capture_output=True, text=True, timeout=60)
        self.assertNotEqual(replay.returncode, 0, replay.stdout)
        self.assertIn(message_id, replay.stderr)

        # Kept: the event still waiting for its retry, and all state.
        status, event = self.control("GET", "/_offstage/invocations/" + retrying)
        self.assertEqual((status, event["kind"], event["status"]), (200, "event", "retrying"))
        self.assertEqual(self.sns.get_topic_attributes(TopicArn=topic)["Attributes"]["TopicArn"],
                         topic)
        self.assertEqual(len(self.sns.list_subscriptions_by_topic(TopicArn=topic)
                             ["Subscriptions"]), 1)
        self.lam.get_function(FunctionName=worker)

        # What happens next is recorded as before.
        new_message = self.sns.publish(TopicArn=topic, Message="new")["MessageId"]
        record.wait_for(2)
        self.assertEqual(self.span_status(new_message), 200)


class CountRetentionTest(RetentionTestCase):
    daemon_args = ("--retention", "24h,5")

    def test_only_the_newest_invocations_are_kept(self):
        name, _ = self.recorder("counted")
        ids = [self.invoke(name, {"n": i}) for i in range(12)]
        status, after = self.control("POST", "/_offstage/prune")
        self.assertEqual(status, 200, after)
        self.assertEqual(after["policy"], "1d,5")
        self.assertEqual(after["max_invocations"], 5)
        self.assertEqual(after["invocations_kept"], 5, after)
        self.assertEqual([self.span_status(i) for i in ids], [404] * 7 + [200] * 5)
        logged = {line["request_id"] for line in self.logs_of(name)}
        self.assertFalse(logged & set(ids[:7]), logged)
        self.assertTrue(set(ids[7:]) <= logged, logged)

        # A second pass finds nothing more to do.
        status, again = self.control("POST", "/_offstage/prune")
        self.assertEqual((status, again["invocations_kept"]), (200, 5))
        self.assertEqual(again["deleted"], after["deleted"])


class RowCapTest(RetentionTestCase):
    """--max-telemetry-rows: each telemetry table keeps its newest N rows whatever their age (the
    bound of --ephemeral, whose store is in memory: issue #15)."""
    daemon_args = ("--max-telemetry-rows", "20")

    def test_each_table_keeps_its_newest_rows(self):
        self.assertEqual(self.retention()["max_rows_per_table"], 20)
        topic = self.sns.create_topic(Name=self.unique("capped"))["TopicArn"]
        for i in range(50):
            self.sns.publish(TopicArn=topic, Message="m%d" % i)
        status, after = self.control("POST", "/_offstage/prune")
        self.assertEqual(status, 200, after)
        # 50 young messages: 30 dropped, the newest 20 kept.
        self.assertEqual(after["deleted"]["messages"], 30, after)
        for i in range(5):
            self.sns.publish(TopicArn=topic, Message="n%d" % i)
        status, again = self.control("POST", "/_offstage/prune")
        self.assertEqual(again["deleted"]["messages"], 35, again)


class RetentionOptionTest(RetentionTestCase):
    # --ephemeral's row cap is off too: nothing is pruned at all.
    daemon_args = ("--retention", "off", "--max-telemetry-rows", "0")

    def test_off_keeps_everything_and_prune_says_so(self):
        self.assertEqual(self.retention()["policy"], "off")
        status, body = self.control("POST", "/_offstage/prune")
        self.assertEqual(status, 409)
        self.assertIn("retention is off", body["error"])

    def test_default_is_a_day_or_a_million_invocations(self):
        with Daemon() as daemon:
            health = json.loads(daemon.get("/_offstage/health")[1])
        self.assertEqual(health["retention"]["policy"], "1d,1000000")
        self.assertEqual(health["retention"]["max_age_seconds"], 86400)
        # In memory, each telemetry table is also capped (issue #15); on disk it is not.
        self.assertEqual(health["retention"]["max_rows_per_table"], 50000)
        with Daemon(data_dir=temp_dir(self)) as daemon:
            health = json.loads(daemon.get("/_offstage/health")[1])
        self.assertIsNone(health["retention"]["max_rows_per_table"])

    def test_bad_values_are_refused_with_a_clear_message(self):
        for value in ("5x", "0", "1h,2h", "10,20", "-1", "", "1.5h"):
            with self.subTest(value=value):
                out = subprocess.run([BIN, "serve", "--ephemeral", "--port", "0", "--retention",
                                      value], capture_output=True, text=True, timeout=30)
                self.assertNotEqual(out.returncode, 0, out.stdout)
                self.assertIn("--retention", out.stderr)

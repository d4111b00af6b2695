"""`offstage replay` and `offstage events generate` against a real daemon (docs/cli.md).

Each replay source and target is driven through the real CLI binary; what arrives is observed
through recorder functions (recorder.py), and the replay spans through the control API.
"""
import base64
import json
import os
import subprocess
import time
import unittest

from harness import HANG_S, BIN
from recorder import RecorderTestCase


class ReplayTest(RecorderTestCase):
    daemon_args = ("--async-retry-delays", "1s,2s")

    def topic_with_recorder(self):
        name, record = self.recorder("sub")
        topic = self.sns.create_topic(Name=self.unique("topic"))["TopicArn"]
        fn_arn = self.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn_arn)
        return topic, name, record

    def cli(self, *args, stdin=None):
        env = dict(os.environ, OFFSTAGE_ENDPOINT=self.endpoint)
        return subprocess.run([BIN] + list(args), input=stdin, env=env, capture_output=True,
                              text=True, timeout=120)

    def wait_failed(self, function, count, timeout=HANG_S):
        """Waits until `offstage replay failed --dry-run` lists `count` failed events of
        `function`: their outcomes are committed (the deadline only bounds a hang)."""
        deadline = time.monotonic() + timeout
        while True:
            out = self.cli("replay", "failed", "--function", function, "--since", "1h",
                           "--dry-run")
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
            if "%d event(s) to redrive" % count in out.stdout:
                return
            self.assertLess(time.monotonic(), deadline, out.stdout)
            time.sleep(0.1)

    @staticmethod
    def sns_message(record):
        return record["event"]["Records"][0]["Sns"]

    def test_replay_message_publishes_the_same_body_with_a_new_message_id(self):
        topic, _, record = self.topic_with_recorder()
        original = self.sns.publish(TopicArn=topic, Message="hello replay", Subject="s1",
                                    MessageAttributes={"kind": {"DataType": "String",
                                                                "StringValue": "order"}})
        record.wait_for(1)
        out = self.cli("replay", "message", original["MessageId"])
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        got = [self.sns_message(r) for r in record.wait_for(2)]
        self.assertEqual(got[0]["MessageId"], original["MessageId"])
        self.assertNotEqual(got[1]["MessageId"], original["MessageId"])
        self.assertEqual(got[1]["Message"], "hello replay")
        self.assertEqual(got[1]["Subject"], "s1")
        self.assertEqual(got[1]["MessageAttributes"]["kind"]["Value"], "order")
        self.assertEqual(record.count_after(1.0), 2)

    def test_replay_message_dry_run_sends_nothing(self):
        topic, _, record = self.topic_with_recorder()
        original = self.sns.publish(TopicArn=topic, Message="dry")
        record.wait_for(1)
        out = self.cli("replay", "message", original["MessageId"], "--dry-run")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn(original["MessageId"], out.stdout + out.stderr)
        self.assertEqual(record.count_after(1.0), 1)

    def test_replay_of_an_unknown_message_or_invocation_fails_clearly(self):
        out = self.cli("replay", "message", "00000000-0000-0000-0000-000000000000")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("00000000-0000-0000-0000-000000000000", out.stdout + out.stderr)
        out = self.cli("replay", "invocation", "no-such-request")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("no-such-request", out.stdout + out.stderr)

    def test_replay_invocation_to_another_function(self):
        first, first_record = self.recorder("inv1")
        second, second_record = self.recorder("inv2")
        response = self.lam.invoke(FunctionName=first, Payload=b'{"n":7}')
        request_id = response["ResponseMetadata"]["RequestId"]
        first_record.wait_for(1)
        out = self.cli("replay", "invocation", request_id, "--function", second)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        got = second_record.wait_for(1)
        self.assertEqual(got[0]["event"], {"n": 7})
        self.assertNotEqual(got[0]["requestId"], request_id)
        self.assertEqual(first_record.count_after(0.5), 1)
        # The same payload again to the recorded function, as an Event invoke.
        out = self.cli("replay", "invocation", request_id, "--async")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        again = first_record.wait_for(2)[1]
        self.assertEqual(again["event"], {"n": 7})
        self.assertNotEqual(again["requestId"], request_id)

    def test_replay_of_an_sns_delivery_sends_the_event_as_delivered_signature_included(self):
        # SNS queues a Lambda delivery unsigned and signs it when it is dispatched; a replay
        # (sync, async, or a redrive of the failed event) must send the same signed bytes.
        name, record = self.recorder("snsreplay", env={"FAIL": "1"})
        self.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        topic = self.sns.create_topic(Name=self.unique("topic"))["TopicArn"]
        fn_arn = self.lam.get_function(FunctionName=name)["Configuration"]["FunctionArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=fn_arn)
        self.sns.publish(TopicArn=topic, Message="replay me signed")
        delivered = record.wait_for(1)[0]
        signature = self.sns_message(delivered)["Signature"]
        self.assertEqual(len(base64.b64decode(signature, validate=True)), 256)
        self.wait_failed(name, 1)
        out = self.cli("replay", "invocation", delivered["requestId"])
        self.assertNotEqual(out.returncode, 0)  # the handler still fails: exit code says so
        out = self.cli("replay", "invocation", delivered["requestId"], "--async")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        record.wait_for(3)
        self.wait_failed(name, 2)
        # Both failed events: the SNS delivery itself and the asynchronous replay of it.
        out = self.cli("replay", "failed", "--function", name, "--since", "1h")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("2 event(s) redriven", out.stdout)
        runs = record.wait_for(5)
        self.assertEqual(record.count_after(1.0), 5)
        for run in runs[1:]:
            self.assertEqual(run["event"], delivered["event"])
            self.assertNotEqual(run["requestId"], delivered["requestId"])

    def test_replay_failed_redrives_each_failed_event_once_after_the_fix(self):
        name, record = self.recorder("worker", env={"FAIL": "1"})
        self.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        ids = []
        for n in range(3):
            out = self.lam.invoke(FunctionName=name, InvocationType="Event",
                                  Payload=json.dumps({"job": n}).encode())
            ids.append(out["ResponseMetadata"]["RequestId"])
        record.wait_for(3)
        self.wait_failed(name, 3)
        # "Fix the code": the same function without FAIL.
        self.lam.update_function_configuration(
            FunctionName=name, Environment={"Variables": {"RECORD_FILE": record.path}})
        out = self.cli("replay", "failed", "--function", name, "--since", "1h")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("3 event(s) redriven", out.stdout)
        redriven = record.wait_for(6)
        self.assertEqual(sorted(r["event"]["job"] for r in redriven[3:]), [0, 1, 2])
        # A redriven event is marked and never redriven again.
        out = self.cli("replay", "failed", "--function", name, "--since", "1h")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("nothing to redrive", out.stdout)
        self.assertEqual(record.count_after(1.5), 6)

    def test_replay_file_to_a_topic_at_a_rate_with_a_malformed_line(self):
        topic, _, record = self.topic_with_recorder()
        path = os.path.join(self.dir, "events.jsonl")
        lines = [json.dumps({"Message": "m%d" % n}) for n in range(1000)]
        lines.insert(100, "{not json")
        with open(path, "w") as f:
            f.write("\n".join(lines) + "\n")
        started = time.monotonic()
        out = self.cli("replay", "file", path, "--topic", topic, "--rate", "400/s")
        elapsed = time.monotonic() - started
        # The malformed line (line 101) is named and makes the replay exit 1; the others go.
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("events.jsonl:101: not valid JSON", out.stderr)
        # 1,000 sends at 400/s cannot take less than ~2.5 s (a floor, not a timing assertion).
        self.assertGreaterEqual(elapsed, 2.4)
        got = record.wait_for(1000, timeout=120)
        self.assertEqual(sorted(self.sns_message(r)["Message"] for r in got),
                         sorted("m%d" % n for n in range(1000)))
        self.assertEqual(record.count_after(1.0), 1000)

    def test_replay_file_stop_on_error_stops_at_the_malformed_line(self):
        topic, _, record = self.topic_with_recorder()
        path = os.path.join(self.dir, "events.jsonl")
        with open(path, "w") as f:
            f.write('{"Message": "a"}\n{"Message": "b"}\n{oops\n{"Message": "c"}\n')
        out = self.cli("replay", "file", path, "--topic", topic, "--stop-on-error")
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("events.jsonl:3: not valid JSON", out.stderr)
        record.wait_for(2)
        self.assertEqual(sorted(self.sns_message(r)["Message"] for r in record.records()), ["a", "b"])
        self.assertEqual(record.count_after(1.0), 2)

    def test_replay_to_a_target_that_does_not_exist(self):
        path = os.path.join(self.dir, "one.jsonl")
        with open(path, "w") as f:
            f.write('{"Message": "x"}\n')
        out = self.cli("replay", "file", path, "--topic", "arn:aws:sns:us-east-1:000000000000:nope")
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("does not exist", out.stdout + out.stderr)
        first, record = self.recorder("exists")
        request_id = self.lam.invoke(FunctionName=first, Payload=b"{}")["ResponseMetadata"]["RequestId"]
        record.wait_for(1)
        out = self.cli("replay", "invocation", request_id, "--function", "no-such-function")
        self.assertNotEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("no-such-function", out.stdout + out.stderr)

    def test_replay_message_to_one_subscription_only(self):
        topic, _, record = self.topic_with_recorder()
        other, other_record = self.recorder("other")
        other_arn = self.lam.get_function(FunctionName=other)["Configuration"]["FunctionArn"]
        subscription = self.sns.subscribe(TopicArn=topic, Protocol="lambda",
                                          Endpoint=other_arn)["SubscriptionArn"]
        original = self.sns.publish(TopicArn=topic, Message="one only")
        record.wait_for(1)
        other_record.wait_for(1)
        out = self.cli("replay", "message", original["MessageId"], "--subscription", subscription)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(self.sns_message(other_record.wait_for(2)[1])["Message"], "one only")
        self.assertEqual(record.count_after(1.0), 1)

    def test_a_replay_is_a_trace_naming_what_it_replays(self):
        topic, _, record = self.topic_with_recorder()
        original = self.sns.publish(TopicArn=topic, Message="traced")["MessageId"]
        record.wait_for(1)
        out = self.cli("replay", "message", original)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        record.wait_for(2)
        _, body = self.daemon.get("/_offstage/traces?limit=50")
        roots = [t for t in json.loads(body)["traces"]
                 if t["root_kind"] == "replay" and t["root_name"] == "replay of message " + original]
        self.assertEqual(len(roots), 1, body)
        self.assertGreaterEqual(roots[0]["spans"], 2)  # the replay and the publish it made

    def test_convenience_commands(self):
        topic, fn, record = self.topic_with_recorder()
        out = self.cli("publish", topic, "hello cli", "--subject", "sub", "--attribute", "k=v")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        got = self.sns_message(record.wait_for(1)[0])
        self.assertEqual((got["Message"], got["Subject"]), ("hello cli", "sub"))
        self.assertEqual(got["MessageAttributes"]["k"]["Value"], "v")
        out = self.cli("invoke", fn, '{"direct": true}')
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(record.wait_for(2)[1]["event"], {"direct": True})
        out = self.cli("topics")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(topic, out.stdout)
        out = self.cli("functions")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn(fn, out.stdout)
        out = self.cli("publish", "no-such-topic", "x")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("Topic does not exist", out.stderr)

    def test_no_daemon_answering_is_exit_2_with_a_clear_message(self):
        env = dict(os.environ, OFFSTAGE_ENDPOINT="http://127.0.0.1:1")
        out = subprocess.run([BIN, "topics"], env=env, capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 2)
        self.assertIn("no daemon answers at http://127.0.0.1:1", out.stderr)

    def test_replay_file_to_a_function_as_events(self):
        name, record = self.recorder("filefn")
        path = os.path.join(self.dir, "events.jsonl")
        with open(path, "w") as f:
            for n in range(20):
                f.write(json.dumps({"n": n}) + "\n")
        out = self.cli("replay", "file", path, "--function", name, "--async")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        got = record.wait_for(20)
        self.assertEqual(sorted(r["event"]["n"] for r in got), list(range(20)))

    def test_replay_file_errors(self):
        out = self.cli("replay", "file", os.path.join(self.dir, "missing.jsonl"), "--topic", "x")
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("missing.jsonl", out.stderr)
        path = os.path.join(self.dir, "one.jsonl")
        with open(path, "w") as f:
            f.write('{"Message": "x"}\n')
        out = self.cli("replay", "file", path)  # neither --topic nor --function
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)

    def test_events_generate_sns_is_the_lambda_event_shape(self):
        out = self.cli("events", "generate", "sns", "--message", '{"order":1}',
                       "--attribute", "kind=order")
        self.assertEqual(out.returncode, 0, out.stderr)
        event = json.loads(out.stdout)
        sns = event["Records"][0]["Sns"]
        self.assertEqual(event["Records"][0]["EventSource"], "aws:sns")
        self.assertEqual(sns["Message"], '{"order":1}')
        self.assertEqual(sns["MessageAttributes"]["kind"], {"Type": "String", "Value": "order"})
        self.assertIsNone(sns["Subject"])  # Lambda events always carry Subject, null if none

    def test_generated_sns_event_matches_what_a_subscriber_receives(self):
        topic, _, record = self.topic_with_recorder()
        self.sns.publish(TopicArn=topic, Message="same shape", Subject="subj")
        delivered = record.wait_for(1)[0]["event"]
        out = self.cli("events", "generate", "sns", "--message", "same shape", "--subject", "subj",
                       "--topic-arn", topic)
        self.assertEqual(out.returncode, 0, out.stderr)
        generated = json.loads(out.stdout)
        self.assertEqual(list(generated["Records"][0]), list(delivered["Records"][0]))
        self.assertEqual(list(generated["Records"][0]["Sns"]), list(delivered["Records"][0]["Sns"]))
        for key in ("Type", "TopicArn", "Subject", "Message", "SignatureVersion"):
            self.assertEqual(generated["Records"][0]["Sns"][key], delivered["Records"][0]["Sns"][key])

    def test_generated_destination_record_matches_a_delivered_one(self):
        target, target_record = self.recorder("dst")
        name, record = self.recorder("failing", env={"FAIL": "1"})
        target_arn = self.lam.get_function(FunctionName=target)["Configuration"]["FunctionArn"]
        self.lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": target_arn}})
        self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b'{"a":1}')
        delivered = target_record.wait_for(1)[0]["event"]
        out = self.cli("events", "generate", "destination", "--condition", "RetriesExhausted",
                       "--payload", '{"a":1}')
        self.assertEqual(out.returncode, 0, out.stderr)
        generated = json.loads(out.stdout)
        self.assertEqual(list(generated), list(delivered))
        self.assertEqual(list(generated["requestContext"]), list(delivered["requestContext"]))
        self.assertEqual(generated["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(generated["requestPayload"], delivered["requestPayload"])
        self.assertEqual(generated["responseContext"], delivered["responseContext"])
        out = self.cli("events", "generate", "destination", "--condition", "Bogus")
        self.assertEqual(out.returncode, 2)

    def test_events_generate_sns_http_is_the_http_notification_body(self):
        out = self.cli("events", "generate", "sns-http", "--subject", "S", "--message", "m")
        self.assertEqual(out.returncode, 0, out.stderr)
        body = json.loads(out.stdout)
        self.assertEqual(list(body)[:6], ["Type", "MessageId", "TopicArn", "Subject", "Message",
                                          "Timestamp"])
        self.assertEqual((body["Type"], body["Subject"], body["Message"]), ("Notification", "S", "m"))
        self.assertIn("SigningCertURL", body)  # HTTP bodies spell URL in capitals
        self.assertIn("UnsubscribeURL", body)
        out = self.cli("events", "generate", "sns", "--attribute", "novalue")
        self.assertEqual(out.returncode, 2)
        self.assertIn("NAME=VALUE", out.stderr)

    # ---- what the CLI and the control API say must be true (issue #14, point 7) ----

    def post(self, path, body=None):
        """POSTs raw bytes (None: no body at all) to the control API: (status, JSON answer)."""
        import urllib.error
        import urllib.request
        request = urllib.request.Request(self.endpoint + path, data=body or b"", method="POST")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read())

    def replay_trace_count(self):
        _, body = self.daemon.get("/_offstage/traces?limit=1000")
        return sum(1 for t in json.loads(body)["traces"] if t["root_kind"] == "replay")

    def test_an_empty_redrive_records_no_trace_and_says_nothing_to_redrive(self):
        name, _ = self.recorder("calm")
        before = self.replay_trace_count()
        for extra in ((), ("--dry-run",)):
            with self.subTest(extra=extra):
                out = self.cli("replay", "failed", "--function", name, *extra)
                self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
                self.assertIn("nothing to redrive", out.stdout)
        status, answer = self.post("/_offstage/replay/failed",
                                   json.dumps({"function": name}).encode())
        self.assertEqual((status, answer), (200, {"redriven": []}))
        self.assertEqual(self.replay_trace_count(), before)

    def test_replay_file_dry_run_reports_nothing_sent(self):
        topic, _, record = self.topic_with_recorder()
        path = os.path.join(self.dir, "dry.jsonl")
        with open(path, "w") as f:
            f.write('{"Message": "a"}\n{"Message": "b"}\n')
        out = self.cli("replay", "file", path, "--topic", topic, "--dry-run")
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertIn("would send line 2", out.stdout)
        self.assertIn("sent nothing; would send 2 line(s)", out.stdout)
        self.assertNotIn("sent 2", out.stdout)
        out = self.cli("replay", "file", path, "--topic", topic, "--dry-run", "--format", "json")
        summary = json.loads(out.stdout.strip().splitlines()[-1])
        self.assertEqual((summary["sent"], summary["would_send"]), (0, 2))
        self.assertEqual(record.count_after(1.0), 0)

    def test_invoke_exit_codes_tell_a_function_error_from_a_missing_function(self):
        name, _ = self.recorder("failing", env={"FAIL": "1"})
        out = self.cli("invoke", name, "{}")
        self.assertEqual(out.returncode, 1, out.stdout + out.stderr)
        self.assertIn("function error", out.stderr)
        out = self.cli("invoke", "no-such-function", "{}")
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("Function not found", out.stderr)
        self.assertIn("no-such-function", out.stderr)
        out = self.cli("replay", "message", "00000000-0000-0000-0000-000000000000")
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)

    def test_events_generate_unknown_type_names_the_known_ones(self):
        out = self.cli("events", "generate", "kinesis")
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("unknown event type 'kinesis'", out.stderr)
        self.assertIn("sns, sns-http, sqs, destination", out.stderr)
        out = self.cli("events", "generate")
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("sns, sns-http, sqs, destination", out.stderr)

    def test_logs_of_a_function_that_does_not_exist(self):
        for extra in ((), ("-f",)):
            with self.subTest(extra=extra):
                out = self.cli("logs", "no-such-logs", *extra)
                self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
                self.assertIn("Function not found", out.stderr)
                self.assertIn("no-such-logs", out.stderr)
        name, _ = self.recorder("quiet")  # exists, never ran: no lines, exit 0
        out = self.cli("logs", name)
        self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        self.assertEqual(out.stdout, "")

    def test_control_api_bodies(self):
        name, record = self.recorder("direct")
        # No body at all, or an empty one: the action names what it needs.
        for path, member in (("/_offstage/invoke", "function"), ("/_offstage/publish", "topic"),
                             ("/_offstage/replay/failed", "function"),
                             ("/_offstage/replay/message", "message_id"),
                             ("/_offstage/replay/invocation", "request_id")):
            for body in (None, b" \n"):
                with self.subTest(path=path, body=body):
                    status, answer = self.post(path, body)
                    self.assertEqual(status, 400, answer)
                    self.assertEqual(answer["error"], member + " is required")
        status, answer = self.post("/_offstage/invoke", b"[1]")
        self.assertEqual((status, answer["error"]), (400, "the body must be a JSON object"))
        # payload as the event's JSON text, or as the JSON object itself.
        for payload in ('{"n": 1}', {"n": 1}):
            with self.subTest(payload=payload):
                status, answer = self.post("/_offstage/invoke", json.dumps(
                    {"function": name, "payload": payload}).encode())
                self.assertEqual(status, 200, answer)
                self.assertEqual(answer["function_error"], "")
        got = record.wait_for(2)
        self.assertEqual([r["event"] for r in got], [{"n": 1}, {"n": 1}])
        # Message attributes that are not objects of strings: a 500 InternalError (nlohmann's
        # type_error) before; the attribute named now.
        topic = self.sns.create_topic(Name="control-attrs")["TopicArn"]
        for attributes in ({"a": 5}, {"a": {"DataType": 5}}, {"a": {"StringValue": ["x"]}}):
            with self.subTest(attributes=attributes):
                status, answer = self.post("/_offstage/publish", json.dumps(
                    {"topic": topic, "message": "m", "attributes": attributes}).encode())
                self.assertEqual(status, 400, answer)
                self.assertEqual(answer["error"], "attributes.a must be an object of strings: "
                                 "DataType, StringValue or BinaryValue")
        status, answer = self.post("/_offstage/publish", json.dumps(
            {"topic": topic, "message": "m",
             "attributes": {"a": {"DataType": "String", "StringValue": "x"}}}).encode())
        self.assertEqual(status, 200, answer)


if __name__ == "__main__":
    unittest.main()

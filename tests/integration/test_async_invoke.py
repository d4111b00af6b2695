"""Asynchronous invocation (InvocationType=Event) through boto3: the 202, Lambda's retry rules,
OnSuccess / OnFailure destinations, the dead-letter topic, throttled events and the
FunctionEventInvokeConfig API (wire reference §6).

The daemon runs with --async-retry-delays 1s,2s in place of AWS's ~1 min / ~2 min, so the
retry schedule is observable; everything else is asserted as AWS behaves. Deliveries are
observed through recorder functions (recorder.py).
"""
import json
import os
import re
import time
import unittest

import botocore.exceptions

from harness import HANG_S, DaemonTestCase, boto3_client, temp_dir
from lambda_fixtures import ROLE, function_arn, zip_fixture
from recorder import ISO_MILLIS_Z, RecordFile, RecorderTestCase, create_recorder
from test_lambda_boto3 import boto3_unvalidated

SQS_ARN = "arn:aws:sqs:us-east-1:000000000000:offstage-destination-queue"


class AsyncInvokeTest(RecorderTestCase):
    daemon_args = ("--async-retry-delays", "1s,2s")

    def event_invoke(self, name, event):
        out = self.lam.invoke(FunctionName=name, InvocationType="Event",
                              Payload=json.dumps(event, separators=(",", ":")).encode())
        self.assertEqual(out["StatusCode"], 202)
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(out["Payload"].read(), b"")
        return out["ResponseMetadata"]["RequestId"]

    def assertRecordHeader(self, record, request_id, name, condition, count):
        self.assertEqual(record["version"], "1.0")
        self.assertRegex(record["timestamp"], ISO_MILLIS_Z)
        self.assertEqual(record["requestContext"], {
            "requestId": request_id, "functionArn": function_arn(name) + ":$LATEST",
            "condition": condition, "approximateInvokeCount": count})

    # ---- the 202 and the run ----

    def test_event_invoke_returns_202_and_runs_the_handler(self):
        name, record = self.recorder("ev")
        event = {"marker": "evt-%d" % time.time_ns(), "n": [1, 2]}
        request_id = self.event_invoke(name, event)
        self.assertRegex(request_id, r"^[0-9a-f-]{36}$")
        runs = record.wait_for(1)
        self.assertEqual(runs[0]["event"], event)
        # The invocation's request id is the x-amzn-RequestId of the 202.
        self.assertEqual(runs[0]["requestId"], request_id)
        self.assertEqual(record.count_after(0.5), 1)

    def test_on_success_destination_to_a_function(self):
        target, target_record = self.recorder("okdst")
        name, record = self.recorder("oksrc", runtime="python")
        put = self.lam.put_function_event_invoke_config(
            FunctionName=name,
            DestinationConfig={"OnSuccess": {"Destination": function_arn(target)}})
        self.assertEqual(put["DestinationConfig"]["OnSuccess"],
                         {"Destination": function_arn(target)})
        event = {"order": 42, "items": ["a", "b"], "nested": {"x": None}}
        request_id = self.event_invoke(name, event)
        self.assertEqual(record.wait_for(1)[0]["requestId"], request_id)
        delivered = target_record.wait_for(1)[0]
        self.assertNotEqual(delivered["requestId"], request_id)  # a separate invocation
        result = delivered["event"]
        self.assertRecordHeader(result, request_id, name, "Success", 1)
        self.assertEqual(result["requestPayload"], event)  # embedded JSON, not a string
        self.assertEqual(result["responseContext"],
                         {"statusCode": 200, "executedVersion": "$LATEST"})
        self.assertEqual(result["responsePayload"], {"recorded": request_id, "ok": True})
        self.assertEqual(set(result), {"version", "timestamp", "requestContext", "requestPayload",
                                       "responseContext", "responsePayload"})
        self.assertEqual(target_record.count_after(0.5), 1)

    # ---- retries of function errors ----

    def test_failing_handler_is_attempted_three_times_then_on_failure(self):
        target, target_record = self.recorder("faildst")
        name, record = self.recorder("fail", env={"FAIL": "1"})
        self.lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=2,
            DestinationConfig={"OnFailure": {"Destination": function_arn(target)}})
        event = {"attempt": "me"}
        request_id = self.event_invoke(name, event)
        attempts = record.wait_for(3)
        self.assertEqual([a["requestId"] for a in attempts], [request_id] * 3)
        self.assertTrue(all(a["event"] == event for a in attempts))
        # --async-retry-delays 1s,2s: ~1 s before the 2nd attempt, ~2 s before the 3rd.
        first_gap = attempts[1]["start"] - attempts[0]["end"]
        second_gap = attempts[2]["start"] - attempts[1]["end"]
        self.assertGreaterEqual(first_gap, 0.9, attempts)
        self.assertLess(first_gap, 5, attempts)
        self.assertGreaterEqual(second_gap, 1.9, attempts)
        self.assertLess(second_gap, 6, attempts)
        result = target_record.wait_for(1)[0]["event"]
        self.assertRecordHeader(result, request_id, name, "RetriesExhausted", 3)
        self.assertEqual(result["requestPayload"], event)
        self.assertEqual(result["responseContext"], {
            "statusCode": 200, "executedVersion": "$LATEST", "functionError": "Unhandled"})
        self.assertEqual(result["responsePayload"]["errorType"], "Error")
        self.assertEqual(result["responsePayload"]["errorMessage"],
                         "recorder failing on purpose: " + request_id)
        self.assertEqual(record.count_after(1.0), 3)
        self.assertEqual(len(target_record.records()), 1)

    def test_zero_retries_means_one_attempt_then_on_failure(self):
        target, target_record = self.recorder("zerodst")
        name, record = self.recorder("zero", runtime="python", env={"FAIL": "1"})
        self.lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": function_arn(target)}})
        request_id = self.event_invoke(name, {"n": 0})
        result = target_record.wait_for(1)[0]["event"]
        self.assertRecordHeader(result, request_id, name, "RetriesExhausted", 1)
        self.assertEqual(result["requestPayload"], {"n": 0})
        self.assertEqual(result["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(result["responsePayload"]["errorType"], "RuntimeError")
        self.assertEqual(result["responsePayload"]["errorMessage"],
                         "recorder failing on purpose: " + request_id)
        # No second attempt, even after the 1 s retry delay has passed.
        self.assertEqual(record.count_after(1.5), 1)

    def test_a_long_error_message_that_is_not_ascii_is_shortened_whole(self):
        # The event span keeps at most 512 bytes of errorMessage. It was cut with
        # substr(0, 509), inside a two-byte "é": dump() then threw type_error.316 on the queue
        # worker and the daemon ended. The sync answer carries the message whole (it was a 500).
        name = self.unique("utf")
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                 Handler="app.handler",
                                 Code={"ZipFile": zip_fixture("python-raises")})
        self.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=0)
        out = self.lam.invoke(FunctionName=name, Payload=json.dumps({"n": "é" * 300}).encode())
        self.assertEqual(out["FunctionError"], "Unhandled")
        self.assertEqual(json.loads(out["Payload"].read())["errorMessage"],
                         "bad value " + "é" * 300)
        request_id = self.event_invoke(name, {"n": "é" * 300})
        deadline = time.monotonic() + HANG_S
        while True:
            status, text = self.daemon.get_status("/_offstage/invocations/" + request_id)
            event = json.loads(text) if status == 200 else {}
            if event.get("status") == "failed":
                break
            self.assertLess(time.monotonic(), deadline, (status, text))
            time.sleep(0.05)
        message = event["attrs"]["last_error_message"]
        self.assertLessEqual(len(message.encode()), 512)
        self.assertTrue(message.startswith("bad value éé"), message)
        self.assertTrue(message.endswith("é..."), message)

    def test_on_failure_destination_to_a_topic(self):
        topic = self.sns.create_topic(Name=self.unique("onfail"))["TopicArn"]
        watcher, watcher_record = self.recorder("topicwatch")
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(watcher))
        name, record = self.recorder("topicsrc", env={"FAIL": "1"})
        self.lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=0,
            DestinationConfig={"OnFailure": {"Destination": topic}})
        request_id = self.event_invoke(name, {"via": "sns"})
        sns = watcher_record.wait_for(1)[0]["event"]["Records"][0]["Sns"]
        self.assertEqual(sns["TopicArn"], topic)
        result = json.loads(sns["Message"])  # the invocation record is the message body
        self.assertRecordHeader(result, request_id, name, "RetriesExhausted", 1)
        self.assertEqual(result["requestPayload"], {"via": "sns"})
        self.assertEqual(result["responseContext"]["functionError"], "Unhandled")
        self.assertEqual(len(record.records()), 1)

    def test_timeout_is_a_function_error_that_is_retried(self):
        target, target_record = self.recorder("tmodst")
        name, record = self.recorder("tmo", env={"SLEEP_MS": "5000"}, Timeout=1)
        self.lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=1,
            DestinationConfig={"OnFailure": {"Destination": function_arn(target)}})
        request_id = self.event_invoke(name, {"slow": True})
        result = target_record.wait_for(1)[0]["event"]
        self.assertRecordHeader(result, request_id, name, "RetriesExhausted", 2)
        self.assertEqual(result["responseContext"]["functionError"], "Unhandled")
        self.assertIn("Task timed out after 1.00 seconds",
                      json.dumps(result["responsePayload"]))
        self.assertEqual(record.records(), [])  # never got as far as recording

    def test_success_does_not_go_to_on_failure(self):
        ok_target, ok_record = self.recorder("bothok")
        fail_target, fail_record = self.recorder("bothfail")
        name, record = self.recorder("both")
        self.lam.put_function_event_invoke_config(
            FunctionName=name,
            DestinationConfig={"OnSuccess": {"Destination": function_arn(ok_target)},
                               "OnFailure": {"Destination": function_arn(fail_target)}})
        request_id = self.event_invoke(name, {})
        self.assertEqual(ok_record.wait_for(1)[0]["event"]["requestContext"]["requestId"],
                         request_id)
        self.assertEqual(fail_record.count_after(0.5), 0)

    # ---- reserved concurrency ----

    def test_reserved_concurrency_zero_sends_events_to_on_failure_unrun(self):
        # AWS: with reserved concurrency 0, asynchronous events go to the on-failure
        # destination / DLQ without being run (§6).
        target, target_record = self.recorder("rc0dst")
        name, record = self.recorder("rc0")
        self.lam.put_function_event_invoke_config(
            FunctionName=name,
            DestinationConfig={"OnFailure": {"Destination": function_arn(target)}})
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        request_id = self.event_invoke(name, {"held": True})
        result = target_record.wait_for(1)[0]["event"]
        self.assertEqual(result["version"], "1.0")
        self.assertEqual(result["requestContext"]["requestId"], request_id)
        self.assertEqual(result["requestContext"]["functionArn"], function_arn(name) + ":$LATEST")
        self.assertEqual(result["requestContext"]["approximateInvokeCount"], 0)
        # Which failure condition AWS names here is not documented; it is not Success.
        self.assertIn(result["requestContext"]["condition"],
                      ("RetriesExhausted", "EventAgeExceeded"))
        self.assertEqual(result["requestPayload"], {"held": True})
        self.assertEqual(record.count_after(0.5), 0, "the handler must not run")

    def test_throttled_events_run_one_at_a_time_when_concurrency_frees(self):
        name, record = self.recorder("thr", env={"SLEEP_MS": "1000"})
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        ids = [self.event_invoke(name, {"i": i}) for i in range(3)]
        runs = sorted(record.wait_for(3), key=lambda r: r["start"])
        self.assertEqual(sorted(r["requestId"] for r in runs), sorted(ids))
        self.assertEqual(sorted(r["event"]["i"] for r in runs), [0, 1, 2])
        for earlier, later in zip(runs, runs[1:]):
            self.assertGreaterEqual(later["start"], earlier["end"] - 0.01,
                                    "two invocations overlapped: %s" % runs)
        self.assertEqual(record.count_after(1.0), 3)

    # ---- dead-letter topic ----

    def test_dead_letter_topic_receives_the_failed_event(self):
        topic = self.sns.create_topic(Name=self.unique("dlq"))["TopicArn"]
        watcher, watcher_record = self.recorder("dlqwatch")
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(watcher))
        name, record = self.recorder("dlqsrc", env={"FAIL": "1"},
                                     DeadLetterConfig={"TargetArn": topic})
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)
                         ["DeadLetterConfig"], {"TargetArn": topic})
        self.lam.put_function_event_invoke_config(FunctionName=name, MaximumRetryAttempts=1)
        payload = '{"order":7,"why":"dlq"}'
        out = self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=payload.encode())
        request_id = out["ResponseMetadata"]["RequestId"]
        notification = watcher_record.wait_for(1)[0]["event"]
        self.assertEqual(len(record.records()), 2)  # 1 + MaximumRetryAttempts
        sns = notification["Records"][0]["Sns"]
        self.assertEqual(sns["TopicArn"], topic)
        self.assertEqual(sns["Message"], payload)  # the original event, unchanged
        attributes = sns["MessageAttributes"]
        self.assertEqual(set(attributes), {"RequestID", "ErrorCode", "ErrorMessage"})
        self.assertEqual(attributes["RequestID"], {"Type": "String", "Value": request_id})
        self.assertEqual(attributes["ErrorCode"]["Value"], "200")
        # Published as Number; whether Lambda-bound SNS events still relabel Number as String
        # (an old doc note) is unverified, so either label is accepted.
        self.assertIn(attributes["ErrorCode"]["Type"], ("Number", "String"))
        self.assertEqual(attributes["ErrorMessage"], {
            "Type": "String", "Value": "recorder failing on purpose: " + request_id})
        self.assertEqual(watcher_record.count_after(0.5), 1)

    # ---- FunctionEventInvokeConfig API ----

    def test_event_invoke_config_round_trips(self):
        name, _ = self.recorder("eic")
        arn = function_arn(name)
        on_success = function_arn(self.unique("somewhere"))
        on_failure = "arn:aws:sns:us-east-1:000000000000:failures"
        self.assertClientError(self.lam.get_function_event_invoke_config,
                               "ResourceNotFoundException", 404, FunctionName=name)
        self.assertEqual(self.lam.list_function_event_invoke_configs(FunctionName=name)
                         ["FunctionEventInvokeConfigs"], [])
        put = self.lam.put_function_event_invoke_config(
            FunctionName=name, MaximumRetryAttempts=1, MaximumEventAgeInSeconds=3600,
            DestinationConfig={"OnSuccess": {"Destination": on_success},
                               "OnFailure": {"Destination": on_failure}})
        self.assertEqual(put["FunctionArn"], arn + ":$LATEST")
        self.assertEqual(put["MaximumRetryAttempts"], 1)
        self.assertEqual(put["MaximumEventAgeInSeconds"], 3600)
        self.assertEqual(put["DestinationConfig"], {"OnSuccess": {"Destination": on_success},
                                                    "OnFailure": {"Destination": on_failure}})
        self.assertLess(abs(put["LastModified"].timestamp() - time.time()), 60)
        got = self.lam.get_function_event_invoke_config(FunctionName=name)
        for key in ("FunctionArn", "MaximumRetryAttempts", "MaximumEventAgeInSeconds",
                    "DestinationConfig", "LastModified"):
            self.assertEqual(got[key], put[key], key)
        # Update merges: what it does not name is kept.
        updated = self.lam.update_function_event_invoke_config(FunctionName=name,
                                                               MaximumRetryAttempts=0)
        self.assertEqual(updated["MaximumRetryAttempts"], 0)
        self.assertEqual(updated["MaximumEventAgeInSeconds"], 3600)
        self.assertEqual(updated["DestinationConfig"], put["DestinationConfig"])
        listed = self.lam.list_function_event_invoke_configs(FunctionName=name)
        self.assertEqual(len(listed["FunctionEventInvokeConfigs"]), 1)
        self.assertEqual(listed["FunctionEventInvokeConfigs"][0]["MaximumRetryAttempts"], 0)
        self.assertEqual(listed["FunctionEventInvokeConfigs"][0]["FunctionArn"], arn + ":$LATEST")
        # Put replaces: what it does not name is removed (destinations read back empty).
        replaced = self.lam.put_function_event_invoke_config(FunctionName=name,
                                                             MaximumRetryAttempts=2)
        self.assertEqual(replaced["MaximumRetryAttempts"], 2)
        self.assertNotEqual(replaced.get("MaximumEventAgeInSeconds"), 3600)
        self.assertEqual(replaced["DestinationConfig"], {"OnSuccess": {}, "OnFailure": {}})
        deleted = self.lam.delete_function_event_invoke_config(FunctionName=name)
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertClientError(self.lam.get_function_event_invoke_config,
                               "ResourceNotFoundException", 404, FunctionName=name)
        self.assertClientError(self.lam.delete_function_event_invoke_config,
                               "ResourceNotFoundException", 404, FunctionName=name)
        self.assertClientError(self.lam.put_function_event_invoke_config,
                               "ResourceNotFoundException", 404,
                               FunctionName=self.unique("missing"), MaximumRetryAttempts=1)

    def test_an_alias_has_its_own_event_invoke_config(self):
        # Configs are kept per qualifier ($LATEST, a version, an alias: AWS's recorded
        # lifecycle), and an asynchronous invocation applies the invoked qualifier's own.
        target, target_record = self.recorder("eicq-dst")
        name, record = self.recorder("eicq-src")
        arn = function_arn(name)
        self.lam.publish_version(FunctionName=name)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.assertClientError(self.lam.put_function_event_invoke_config,
                               "ResourceNotFoundException", 404, "The function doesn't exist.",
                               FunctionName=name, Qualifier="nosuchalias", MaximumRetryAttempts=1)
        put = self.lam.put_function_event_invoke_config(
            FunctionName=name, Qualifier="live",
            DestinationConfig={"OnSuccess": {"Destination": function_arn(target)}})
        self.assertEqual(put["FunctionArn"], arn + ":live")
        latest = self.lam.put_function_event_invoke_config(FunctionName=name,
                                                           MaximumRetryAttempts=0)
        self.assertEqual(latest["FunctionArn"], arn + ":$LATEST")
        by_version = self.lam.put_function_event_invoke_config(FunctionName=name + ":1",
                                                               MaximumRetryAttempts=1)
        self.assertEqual(by_version["FunctionArn"], arn + ":1")
        listed = self.lam.list_function_event_invoke_configs(FunctionName=name)
        self.assertEqual(sorted(c["FunctionArn"] for c in listed["FunctionEventInvokeConfigs"]),
                         [arn + ":$LATEST", arn + ":1", arn + ":live"])
        self.assertEqual(self.lam.get_function_event_invoke_config(
            FunctionName=name, Qualifier="live")["DestinationConfig"]["OnSuccess"],
            {"Destination": function_arn(target)})
        self.assertClientError(
            self.lam.put_function_event_invoke_config, "InvalidParameterValueException", 400,
            "The derived qualifier from the function name does not match the specified "
            "qualifier.", FunctionName=name + ":1", Qualifier="live", MaximumRetryAttempts=1)
        # The alias's invocation goes to its OnSuccess; the function's own config has none.
        via_alias = self.event_invoke(name + ":live", {"via": "alias"})
        delivered = target_record.wait_for(1)[0]["event"]
        self.assertEqual(delivered["requestContext"]["requestId"], via_alias)
        self.assertEqual(delivered["requestContext"]["functionArn"], arn + ":live")
        unqualified = self.event_invoke(name, {"via": "function"})
        record.wait_for(1, where=lambda r: r["requestId"] == unqualified)
        self.assertEqual(target_record.count_after(1.0), 1)
        # Deleting the alias deletes its config.
        self.lam.delete_alias(FunctionName=name, Name="live")
        self.assertClientError(self.lam.get_function_event_invoke_config,
                               "ResourceNotFoundException", 404,
                               "The function %s:live doesn't have an EventInvokeConfig" % arn,
                               FunctionName=name, Qualifier="live")

    def test_event_invoke_config_validation(self):
        name, _ = self.recorder("eicbad")
        # botocore checks the model's minimum itself, before any request is sent ...
        with self.assertRaises(botocore.exceptions.ParamValidationError):
            self.lam.put_function_event_invoke_config(FunctionName=name,
                                                      MaximumEventAgeInSeconds=59)
        # ... but not maximums: those are the service's ValidationException.
        self.assertClientError(
            self.lam.put_function_event_invoke_config, "ValidationException", 400,
            "1 validation error detected: Value '21601' at 'maximumEventAgeInSeconds' failed to "
            "satisfy constraint: Member must have value less than or equal to 21600",
            FunctionName=name, MaximumEventAgeInSeconds=21601)
        self.assertClientError(
            self.lam.put_function_event_invoke_config, "ValidationException", 400,
            "1 validation error detected: Value '3' at 'maximumRetryAttempts' failed to satisfy "
            "constraint: Member must have value less than or equal to 2",
            FunctionName=name, MaximumRetryAttempts=3)
        raw = boto3_unvalidated(self.endpoint)
        self.addCleanup(raw.close)
        self.assertClientError(
            raw.put_function_event_invoke_config, "ValidationException", 400,
            "1 validation error detected: Value '59' at 'maximumEventAgeInSeconds' failed to "
            "satisfy constraint: Member must have value greater than or equal to 60",
            FunctionName=name, MaximumEventAgeInSeconds=59)
        # Every violated range is named in one answer, in the model's member order, and the
        # constraints come before the function is looked up (or a qualifier refused).
        for function, qualifier in ((name, None), (self.unique("missing"), None),
                                    (name, "7")):
            with self.subTest(function=function, qualifier=qualifier):
                extra = {"Qualifier": qualifier} if qualifier else {}
                self.assertClientError(
                    raw.put_function_event_invoke_config, "ValidationException", 400,
                    "2 validation errors detected: Value '-1' at 'maximumRetryAttempts' failed "
                    "to satisfy constraint: Member must have value greater than or equal to 0; "
                    "Value '21601' at 'maximumEventAgeInSeconds' failed to satisfy constraint: "
                    "Member must have value less than or equal to 21600",
                    FunctionName=function, MaximumRetryAttempts=-1,
                    MaximumEventAgeInSeconds=21601, **extra)
        err = self.assertClientError(
            self.lam.put_function_event_invoke_config, "InvalidParameterValueException", 400,
            FunctionName=name, DestinationConfig={"OnFailure": {"Destination": "not-an-arn"}})
        self.assertIn("not-an-arn", err["Error"]["Message"])
        # Nothing was stored by the refused calls.
        self.assertClientError(self.lam.get_function_event_invoke_config,
                               "ResourceNotFoundException", 404, FunctionName=name)

    def test_sqs_destinations_and_dead_letter_queue_receive_for_real(self):
        sqs = boto3_client("sqs", self.endpoint)
        self.addCleanup(sqs.close)
        queue = sqs.create_queue(QueueName=self.unique("dst"))["QueueUrl"]
        queue_arn = sqs.get_queue_attributes(
            QueueUrl=queue, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        name, record = self.recorder("sqsdst")
        self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": queue_arn}})
        request_id = self.event_invoke(name, {"to": "sqs"})
        self.assertEqual(record.wait_for(1)[0]["requestId"], request_id)
        got = sqs.receive_message(QueueUrl=queue, WaitTimeSeconds=20)["Messages"]
        result = json.loads(got[0]["Body"])
        self.assertRecordHeader(result, request_id, name, "Success", 1)
        self.assertEqual(result["requestPayload"], {"to": "sqs"})

        dlq = sqs.create_queue(QueueName=self.unique("dlq"))["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(
            QueueUrl=dlq, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        failing, _ = self.recorder("sqsdlq", env={"FAIL": "1"},
                                   DeadLetterConfig={"TargetArn": dlq_arn})
        self.lam.put_function_event_invoke_config(FunctionName=failing, MaximumRetryAttempts=0)
        payload = '{"order":8,"why":"dlq"}'
        failed_id = self.lam.invoke(FunctionName=failing, InvocationType="Event",
                                    Payload=payload.encode())["ResponseMetadata"]["RequestId"]
        dead = sqs.receive_message(QueueUrl=dlq, WaitTimeSeconds=20,
                                   MessageAttributeNames=["All"])["Messages"][0]
        self.assertEqual(dead["Body"], payload)  # the original event, unchanged
        self.assertEqual(dead["MessageAttributes"]["RequestID"],
                         {"DataType": "String", "StringValue": failed_id})
        self.assertEqual(dead["MessageAttributes"]["ErrorCode"],
                         {"DataType": "Number", "StringValue": "200"})
        self.assertEqual(dead["MessageAttributes"]["ErrorMessage"]["StringValue"],
                         "recorder failing on purpose: " + failed_id)

    def test_sqs_destination_that_does_not_exist_is_reported_not_delivered(self):
        name, record = self.recorder("sqsmissing")
        put = self.lam.put_function_event_invoke_config(
            FunctionName=name, DestinationConfig={"OnSuccess": {"Destination": SQS_ARN},
                                                  "OnFailure": {"Destination": SQS_ARN}})
        self.assertEqual(put["DestinationConfig"]["OnSuccess"], {"Destination": SQS_ARN})
        request_id = self.event_invoke(name, {"to": "sqs"})
        self.assertEqual(record.wait_for(1)[0]["requestId"], request_id)
        deadline = time.monotonic() + HANG_S
        warning = []
        while not warning and time.monotonic() < deadline:
            warning = [line for line in list(self.daemon.output)
                       if SQS_ARN in line and request_id in line]
            time.sleep(0.05)
        self.assertTrue(warning, "no warning about the SQS destination in the daemon's output")
        self.assertIn("could not deliver", warning[0])
        self.assertIn("The specified queue does not exist.", warning[0])
        # The daemon is still serving.
        out = self.lam.invoke(FunctionName=name, Payload=b"{}")
        self.assertEqual(out["StatusCode"], 200)
        self.assertIsNone(self.daemon.proc.poll())


class AsyncAccountConcurrencyTest(DaemonTestCase):
    """--max-environments 2 stands for the account's concurrency limit: Event invocations over
    it are throttled and go back to the queue (AWS retries throttles for up to 6 hours), so every
    one runs, never more than two at once."""

    daemon_args = ("--async-retry-delays", "1s,2s", "--max-environments", "2")

    def test_events_over_the_account_limit_wait_their_turn(self):
        lam = boto3_client("lambda", self.endpoint)
        self.addCleanup(lam.close)
        record = RecordFile(temp_dir(self), "account")
        names = ["acct-%d-%d" % (os.getpid(), i) for i in range(3)]
        for name in names:
            create_recorder(lam, name, record, env={"SLEEP_MS": "700"})
        ids = set()
        for i in range(6):
            out = lam.invoke(FunctionName=names[i % 3], InvocationType="Event",
                             Payload=json.dumps({"i": i}).encode())
            self.assertEqual(out["StatusCode"], 202)
            ids.add(out["ResponseMetadata"]["RequestId"])
        runs = record.wait_for(6)
        self.assertEqual({r["requestId"] for r in runs}, ids)
        self.assertEqual(len(runs), 6, "an event ran twice")
        edges = sorted([(r["start"], 1) for r in runs] + [(r["end"], -1) for r in runs],
                       key=lambda edge: (edge[0], edge[1]))
        running = peak = 0
        for _, step in edges:
            running += step
            peak = max(peak, running)
        self.assertLessEqual(peak, 2, runs)


if __name__ == "__main__":
    unittest.main()

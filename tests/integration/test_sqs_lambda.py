"""SQS -> Lambda event source mappings against the real daemon: the API through boto3 (AWS's
errors for bad input), the seed pattern through a queue (front -> topic -> queue -> worker) with
its waterfall and `--assert-offloaded`, a verdict that turns red when the worker fails, partial
batch failures with ReportBatchItemFailures and redrive into a dead-letter queue, and FIFO order
from an SNS FIFO topic through an SQS FIFO queue to the worker.
"""
import json
import os
import time
import unittest

from harness import HANG_S, AwsClientsTestCase, boto3_client, temp_dir
from lambda_fixtures import ROLE, function_arn, zip_files
from recorder import RecordFile, create_recorder
from test_traces import run_cli
from test_verdicts import create_front

# A Python worker that records each batch and reports the records whose body starts with "bad"
# as failed (ReportBatchItemFailures).
PARTIAL = r'''
import json, os

def handler(event, context):
    with open(os.environ["RECORD_FILE"], "a") as f:
        f.write(json.dumps({"requestId": context.aws_request_id, "event": event}) + "\n")
    return {"batchItemFailures": [{"itemIdentifier": r["messageId"]}
                                  for r in event["Records"] if r["body"].startswith("bad")]}
'''


# A Python worker that records, for each batch, its event's size and its message ids.
SIZES = r'''
import json, os

def handler(event, context):
    with open(os.environ["RECORD_FILE"], "a") as f:
        f.write(json.dumps({"size": len(json.dumps(event)),
                            "ids": [r["messageId"] for r in event["Records"]]}) + "\n")
'''


class EventSourceMappingTest(AwsClientsTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = boto3_client("sqs", cls.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.sqs.close()
        super().tearDownClass()

    def setUp(self):
        self.dir = temp_dir(self)

    def queue(self, prefix, **attributes):
        name = self.unique(prefix) + (".fifo" if attributes.get("FifoQueue") == "true" else "")
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url,
                                            AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def recorder(self, prefix, runtime="python", env=None, **extra):
        name = self.unique(prefix)
        record = RecordFile(self.dir, name)
        create_recorder(self.lam, name, record, runtime=runtime, env=env, **extra)
        return name, record

    def front_for(self, topic_arn):
        """The seed pattern's front function, publishing to `topic_arn`."""
        return create_front(self.lam, self.unique("front"), topic_arn)

    def map(self, queue_arn, function, **kwargs):
        out = self.lam.create_event_source_mapping(EventSourceArn=queue_arn,
                                                   FunctionName=function, **kwargs)
        self.addCleanup(self.unmap, out["UUID"])
        return out

    def unmap(self, uuid):
        try:
            self.lam.delete_event_source_mapping(UUID=uuid)
        except self.lam.exceptions.ResourceNotFoundException:
            pass  # the test deleted it

    def test_api_round_trip_and_errors(self):
        _, arn = self.queue("api")
        name, _ = self.recorder("apifn")
        made = self.map(arn, name, BatchSize=5, Enabled=False)
        self.assertEqual(made["ResponseMetadata"]["HTTPStatusCode"], 202)
        self.assertEqual(made["State"], "Creating")
        self.assertEqual(made["EventSourceArn"], arn)
        self.assertEqual(made["FunctionArn"], function_arn(name))
        self.assertEqual(made["BatchSize"], 5)
        uuid = made["UUID"]
        got = self.lam.get_event_source_mapping(UUID=uuid)
        self.assertEqual(got["State"], "Disabled")
        self.assertEqual(got["LastProcessingResult"], "No records processed")
        self.assertEqual(got["EventSourceMappingArn"],
                         "arn:aws:lambda:us-east-1:000000000000:event-source-mapping:" + uuid)
        updated = self.lam.update_event_source_mapping(
            UUID=uuid, Enabled=True, BatchSize=100, MaximumBatchingWindowInSeconds=2,
            FunctionResponseTypes=["ReportBatchItemFailures"],
            ScalingConfig={"MaximumConcurrency": 3})
        self.assertEqual(updated["State"], "Enabling")
        self.assertEqual(updated["FunctionResponseTypes"], ["ReportBatchItemFailures"])
        self.assertEqual(updated["ScalingConfig"], {"MaximumConcurrency": 3})
        listed = self.lam.list_event_source_mappings(FunctionName=name)["EventSourceMappings"]
        self.assertEqual([m["UUID"] for m in listed], [uuid])
        self.assertEqual(self.lam.list_event_source_mappings(
            EventSourceArn=arn)["EventSourceMappings"][0]["State"], "Enabled")

        self.assertClientError(self.map, "ResourceConflictException", 409, queue_arn=arn,
                               function=name)
        slow, _ = self.recorder("slowfn", Timeout=60)
        self.assertClientError(self.map, "InvalidParameterValueException", 400,
                               "Queue visibility timeout: 30 seconds is less than Function "
                               "timeout: 60 seconds", queue_arn=arn, function=slow)
        self.assertClientError(self.map, "ResourceNotFoundException", 404, queue_arn=arn,
                               function=self.unique("nofn"))
        err = self.assertClientError(self.map, "InvalidParameterValueException", 400,
                                     queue_arn=arn.replace(":api", ":nope"), function=name)
        self.assertIn("AWS.SimpleQueueService.NonExistentQueue", err["Error"]["Message"])
        self.assertClientError(self.lam.update_event_source_mapping,
                               "InvalidParameterValueException", 400,
                               "Maximum batch window in seconds must be greater than 0 if maximum "
                               "batch size is greater than 10", UUID=uuid,
                               MaximumBatchingWindowInSeconds=0)
        self.assertClientError(self.lam.update_event_source_mapping, "ValidationException", 400,
                               UUID=uuid, BatchSize=10001)
        err = self.assertClientError(self.lam.update_event_source_mapping,
                                     "InvalidParameterValueException", 400, UUID=uuid,
                                     FilterCriteria={"Filters": [{"Pattern": "not json"}]})
        self.assertIn("Invalid filter pattern definition.", err["Error"]["Message"])
        err = self.assertClientError(
            self.lam.update_event_source_mapping, "InvalidParameterValueException", 400, UUID=uuid,
            FilterCriteria={"Filters": [{"Pattern": '{"body": {"k": ["%d"]}}' % i}
                                        for i in range(6)]})
        self.assertIn("the limit is 5", err["Error"]["Message"])
        err = self.assertClientError(self.lam.update_event_source_mapping,
                                     "InvalidParameterValueException", 400, UUID=uuid,
                                     ParallelizationFactor=2)
        self.assertIn("ParallelizationFactor", err["Error"]["Message"])
        self.assertEqual(self.lam.delete_event_source_mapping(UUID=uuid)["State"], "Deleting")
        self.assertClientError(self.lam.get_event_source_mapping, "ResourceNotFoundException", 404,
                               UUID=uuid)

    def test_filter_criteria_deliver_matches_and_delete_the_rest(self):
        url, arn = self.queue("filtered")
        worker, record = self.recorder("filtered")
        criteria = {"Filters": [{"Pattern": json.dumps({"body": {"kind": ["keep"]}})},
                                {"Pattern": json.dumps({"body": [{"prefix": "plain-"}]})}]}
        made = self.map(arn, worker, BatchSize=10, MaximumBatchingWindowInSeconds=1,
                        FilterCriteria=criteria)
        self.assertEqual(made["FilterCriteria"], criteria)
        self.assertEqual(self.lam.get_event_source_mapping(UUID=made["UUID"])["FilterCriteria"],
                         criteria)
        for body in (json.dumps({"kind": "keep", "n": 1}), json.dumps({"kind": "drop"}),
                     "plain-text", "other text", json.dumps({"kind": "keep", "n": 2})):
            self.sqs.send_message(QueueUrl=url, MessageBody=body)
        deadline = time.monotonic() + HANG_S
        bodies = []
        while len(bodies) < 3 and time.monotonic() < deadline:
            bodies = [r["body"] for line in record.records() for r in line["event"]["Records"]]
            time.sleep(0.1)
        self.assertEqual(sorted(bodies), sorted([json.dumps({"kind": "keep", "n": 1}),
                                                 json.dumps({"kind": "keep", "n": 2}),
                                                 "plain-text"]))
        # The records that matched no filter were deleted, not left to redrive (AWS's rule).
        while time.monotonic() < deadline:
            attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            if attrs["ApproximateNumberOfMessages"] == attrs["ApproximateNumberOfMessagesNotVisible"] == "0":
                break
            time.sleep(0.1)
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
        self.assertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "0")
        # An empty FilterCriteria removes the filters.
        cleared = self.lam.update_event_source_mapping(UUID=made["UUID"], FilterCriteria={})
        self.assertNotIn("FilterCriteria", cleared)

    def test_a_batch_is_cut_to_lambdas_6_mb_payload(self):
        # Eight messages of 900 KB ask for a 7.2 MB event: the batch is cut under 6 MB and the
        # rest come in the next one (before, the whole batch failed to invoke, again and again).
        # maxReceiveCount 1: a message cut from a batch must not have spent its receive (the
        # function never saw it), or it would be dead-lettered unseen.
        dlq_url, dlq_arn = self.queue("bigdlq")
        url, arn = self.queue("big", MaximumMessageSize="1048576", RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1}))
        name = self.unique("sizes")
        record = RecordFile(self.dir, name)
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": zip_files({"app.py": SIZES})},
                                 Environment={"Variables": {"RECORD_FILE": record.path}})
        sent = set()
        for i in range(8):
            sent.add(self.sqs.send_message(QueueUrl=url, MessageBody=str(i) * 900_000)["MessageId"])
        self.map(arn, name, BatchSize=10)
        deadline = time.monotonic() + HANG_S
        batches = []
        while sum(len(b["ids"]) for b in batches) < 8 and time.monotonic() < deadline:
            batches = record.records()
            time.sleep(0.1)
        self.assertEqual(sorted(i for b in batches for i in b["ids"]), sorted(sent))
        self.assertGreater(len(batches), 1)
        for batch in batches:
            self.assertLessEqual(batch["size"], 6 * 1024 * 1024, batch["ids"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=dlq_url))

    def test_front_topic_queue_worker_is_one_offloaded_trace(self):
        topic = self.sns.create_topic(Name=self.unique("jobs"))["TopicArn"]
        _, queue_arn = self.queue("work", VisibilityTimeout="5")
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                           Attributes={"RawMessageDelivery": "true"})
        worker, record = self.recorder("worker", env={"SLEEP_MS": "300"})
        self.map(queue_arn, worker, BatchSize=1)
        front = self.front_for(topic)
        out = self.lam.invoke(FunctionName=front, Payload=b'{"order": 1}')
        self.assertNotIn("FunctionError", out)
        request_id = out["ResponseMetadata"]["RequestId"]
        event = record.wait_for(1)[0]["event"]
        self.assertEqual(event["Records"][0]["eventSource"], "aws:sqs")
        self.assertEqual(event["Records"][0]["eventSourceARN"], queue_arn)
        trace = run_cli("trace", "--request-id", request_id, "--wait", "--timeout", "60",
                        "--assert-offloaded", "--endpoint", self.endpoint, "--width", "120")
        self.assertEqual(trace.returncode, 0, trace.stdout + trace.stderr)
        self.assertIn(worker, trace.stdout)
        self.assertIn("sqs " + queue_arn.rsplit(":", 1)[1], trace.stdout)
        data = json.loads(run_cli("trace", "--request-id", request_id, "--format", "json",
                                  "--endpoint", self.endpoint).stdout)
        self.assertTrue(data["outcome"]["assert_offloaded"], data["outcome"])

    def test_a_failing_worker_turns_the_verdict_red_and_the_message_is_dead_lettered(self):
        topic = self.sns.create_topic(Name=self.unique("jobs"))["TopicArn"]
        dlq_url, dlq_arn = self.queue("dead")
        _, queue_arn = self.queue("work", VisibilityTimeout="4", RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                           Attributes={"RawMessageDelivery": "true"})
        worker, record = self.recorder("broken", env={"FAIL": "1"})
        self.map(queue_arn, worker, BatchSize=1)
        front = self.front_for(topic)
        out = self.lam.invoke(FunctionName=front, Payload=b'{"order": 2}')
        request_id = out["ResponseMetadata"]["RequestId"]
        record.wait_for(2)
        dead = self.sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=20)["Messages"]
        self.assertEqual(len(dead), 1)
        trace = run_cli("trace", "--request-id", request_id, "--wait", "--timeout", "60",
                        "--assert-offloaded", "--endpoint", self.endpoint, "--width", "120")
        self.assertEqual(trace.returncode, 1, trace.stdout + trace.stderr)
        self.assertIn("moved to the dead-letter queue " + dlq_arn, trace.stderr)

    def test_partial_batch_failures_and_redrive(self):
        dlq_url, dlq_arn = self.queue("pdlq")
        # The visibility timeout outlasts a cold start (else a batch still running would be
        # received again, as on AWS).
        url, arn = self.queue("partial", VisibilityTimeout="4", RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 2}))
        name = self.unique("partial")
        record = RecordFile(self.dir, name)
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                 Handler="app.handler", Code={"ZipFile": zip_files({"app.py": PARTIAL})},
                                 Environment={"Variables": {"RECORD_FILE": record.path}})
        self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "g1", "MessageBody": "good 1"}, {"Id": "b1", "MessageBody": "bad 1"},
            {"Id": "g2", "MessageBody": "good 2"}])
        self.map(arn, name, BatchSize=10, MaximumBatchingWindowInSeconds=1,
                 FunctionResponseTypes=["ReportBatchItemFailures"])
        dead = []
        deadline = time.monotonic() + HANG_S
        while not dead and time.monotonic() < deadline:
            dead = self.sqs.receive_message(QueueUrl=dlq_url, WaitTimeSeconds=1).get("Messages", [])
        self.assertEqual([m["Body"] for m in dead], ["bad 1"])
        bodies = [r["body"] for line in record.records() for r in line["event"]["Records"]]
        self.assertEqual(bodies.count("good 1"), 1, bodies)  # deleted after its first run
        self.assertEqual(bodies.count("good 2"), 1, bodies)
        self.assertEqual(bodies.count("bad 1"), 2, bodies)  # maxReceiveCount
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
        self.assertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "0")

    def test_fifo_order_from_topic_through_queue_to_worker(self):
        topic = self.sns.create_topic(Name=self.unique("orders") + ".fifo", Attributes={
            "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
        _, queue_arn = self.queue("orders", FifoQueue="true")
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue_arn,
                           Attributes={"RawMessageDelivery": "true"})
        worker, record = self.recorder("ordered")
        for i in range(8):
            self.sns.publish(TopicArn=topic, Message="%s-%d" % ("ab"[i % 2], i),
                             MessageGroupId="ab"[i % 2])
        self.map(queue_arn, worker, BatchSize=2)
        deadline = time.monotonic() + HANG_S
        seen = []
        while len(seen) < 8 and time.monotonic() < deadline:
            seen = [(r["attributes"]["MessageGroupId"], r["body"])
                    for line in record.records() for r in line["event"]["Records"]]
            time.sleep(0.1)
        by_group = {}
        for group, body in seen:
            by_group.setdefault(group, []).append(body)
        self.assertEqual(by_group, {"a": ["a-0", "a-2", "a-4", "a-6"],
                                    "b": ["b-1", "b-3", "b-5", "b-7"]})


if __name__ == "__main__":
    unittest.main()

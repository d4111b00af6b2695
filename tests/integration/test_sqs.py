"""SQS through boto3 against the real daemon, in both wire protocols SQS clients speak: AWS JSON
1.0 (current botocore, the SDK v3) and awsQuery (older SDKs). Each protocol's client is built
from the botocore service model of that protocol, kept in tests/fixtures/botocore-{json,query}
(the query one is Debian's botocore 1.29 model), so both are exercised whatever botocore this
machine has. Errors are checked by the code boto3 reports: the awsQuery code in both protocols
(JSON answers carry it in x-amzn-query-error, which botocore reads).
"""
import base64
import hashlib
import json
import os
import struct
import threading
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request

import boto3
import botocore.exceptions
import botocore.session
from botocore.config import Config

import harness

FIXTURES = os.path.join(harness.REPO, "tests", "fixtures")


def sqs_client(endpoint, protocol):
    """A boto3 SQS client of `protocol` ("json" or "query"), configured as a user would."""
    old = dict(os.environ)
    try:
        os.environ.update(harness.client_env(endpoint))
        session = botocore.session.get_session()
        session.get_component("data_loader").search_paths.insert(
            0, os.path.join(FIXTURES, "botocore-" + protocol))
        client = boto3.session.Session(botocore_session=session).client(
            "sqs", config=Config(retries={"max_attempts": 1}))
        assert client.meta.service_model.protocol == protocol
        return client
    finally:
        os.environ.clear()
        os.environ.update(old)


def attributes_md5(attributes):
    """AWS's digest of message attributes, written from the developer guide's definition."""
    buf = b""
    for name in sorted(attributes):
        value = attributes[name]
        data_type = value["DataType"]
        buf += struct.pack("!I", len(name.encode())) + name.encode()
        buf += struct.pack("!I", len(data_type.encode())) + data_type.encode()
        if "BinaryValue" in value:
            raw = value["BinaryValue"]
            buf += b"\x02" + struct.pack("!I", len(raw)) + raw
        else:
            text = value["StringValue"].encode()
            buf += b"\x01" + struct.pack("!I", len(text)) + text
    return hashlib.md5(buf).hexdigest()


class SqsProtocolTests:
    """The tests every protocol runs; `protocol` is set by the subclasses below."""

    protocol = None
    counter = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = sqs_client(cls.endpoint, cls.protocol)

    @classmethod
    def tearDownClass(cls):
        cls.sqs.close()
        super().tearDownClass()

    def name(self, prefix):
        SqsProtocolTests.counter += 1
        return "%s-%s-%d" % (prefix, self.protocol, SqsProtocolTests.counter)

    def queue(self, prefix="q", **attributes):
        return self.sqs.create_queue(QueueName=self.name(prefix),
                                     Attributes={k: str(v) for k, v in attributes.items()})["QueueUrl"]

    def arn(self, url):
        return self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def assertError(self, call, code, message=None, status=400, **kwargs):
        return harness.assert_client_error(self, call, code, status, message, **kwargs)

    def test_queue_lifecycle(self):
        name = self.name("life")
        url = self.sqs.create_queue(QueueName=name, Attributes={"VisibilityTimeout": "45"},
                                    tags={"team": "a"})["QueueUrl"]
        self.assertTrue(url.startswith(self.endpoint + "/000000000000/"), url)
        self.assertTrue(url.endswith("/" + name))
        # Creating it again with the same attributes answers the same URL; others are refused.
        self.assertEqual(self.sqs.create_queue(QueueName=name,
                                               Attributes={"VisibilityTimeout": "45"})["QueueUrl"],
                         url)
        self.assertError(self.sqs.create_queue, "QueueAlreadyExists", QueueName=name,
                         Attributes={"VisibilityTimeout": "46"})
        self.assertEqual(self.sqs.get_queue_url(QueueName=name)["QueueUrl"], url)
        self.assertIn(url, self.sqs.list_queues(QueueNamePrefix=name)["QueueUrls"])
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "45")
        self.assertEqual(attrs["QueueArn"], "arn:aws:sqs:us-east-1:000000000000:" + name)
        for key in ("DelaySeconds", "MaximumMessageSize", "MessageRetentionPeriod",
                    "ReceiveMessageWaitTimeSeconds", "CreatedTimestamp", "LastModifiedTimestamp",
                    "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"):
            self.assertIn(key, attrs)
        self.sqs.set_queue_attributes(QueueUrl=url, Attributes={"DelaySeconds": "3"})
        self.assertEqual(self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["DelaySeconds"])["Attributes"], {"DelaySeconds": "3"})
        self.assertError(self.sqs.set_queue_attributes, "InvalidAttributeValue",
                         "Invalid value for the parameter DelaySeconds.", QueueUrl=url,
                         Attributes={"DelaySeconds": "901"})
        self.assertError(self.sqs.set_queue_attributes, "InvalidAttributeName",
                         "Unknown Attribute Colour.", QueueUrl=url, Attributes={"Colour": "x"})
        self.assertError(self.sqs.get_queue_attributes, "InvalidAttributeName", QueueUrl=url,
                         AttributeNames=["Colour"])
        self.sqs.tag_queue(QueueUrl=url, Tags={"env": "dev"})
        self.sqs.untag_queue(QueueUrl=url, TagKeys=["team"])
        self.assertEqual(self.sqs.list_queue_tags(QueueUrl=url)["Tags"], {"env": "dev"})
        self.sqs.add_permission(QueueUrl=url, Label="send", AWSAccountIds=["111111111111"],
                                Actions=["SendMessage"])
        policy = json.loads(self.sqs.get_queue_attributes(
            QueueUrl=url, AttributeNames=["Policy"])["Attributes"]["Policy"])
        self.assertEqual(policy["Statement"][0]["Sid"], "send")
        self.sqs.remove_permission(QueueUrl=url, Label="send")
        self.sqs.delete_queue(QueueUrl=url)
        self.assertError(self.sqs.get_queue_url, "AWS.SimpleQueueService.NonExistentQueue",
                         "The specified queue does not exist.", QueueName=name)
        self.assertError(self.sqs.send_message, "AWS.SimpleQueueService.NonExistentQueue",
                         QueueUrl=url, MessageBody="x")

    def test_aws_queue_url_forms_are_read(self):
        url = self.queue("form")
        name = url.rsplit("/", 1)[1]
        for form in ("https://sqs.us-east-1.amazonaws.com/000000000000/" + name,
                     "https://queue.amazonaws.com/000000000000/" + name):
            self.sqs.send_message(QueueUrl=form, MessageBody="via " + form)
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(len(got), 2)

    def test_send_receive_delete_with_attributes_and_digests(self):
        url = self.queue("msg")
        attributes = {"kind": {"DataType": "String", "StringValue": "order é"},
                      "count": {"DataType": "Number", "StringValue": "42"},
                      "blob": {"DataType": "Binary", "BinaryValue": b"\x00\xff\x01"}}
        body = "hello <world> & \u4e2d"
        sent = self.sqs.send_message(QueueUrl=url, MessageBody=body, MessageAttributes=attributes)
        self.assertEqual(sent["MD5OfMessageBody"], hashlib.md5(body.encode()).hexdigest())
        self.assertEqual(sent["MD5OfMessageAttributes"], attributes_md5(attributes))
        got = self.sqs.receive_message(QueueUrl=url, AttributeNames=["All"],
                                       MessageAttributeNames=["All"])["Messages"]
        self.assertEqual(len(got), 1)
        m = got[0]
        self.assertEqual(m["MessageId"], sent["MessageId"])
        self.assertEqual(m["Body"], body)
        self.assertEqual(m["MD5OfBody"], sent["MD5OfMessageBody"])
        self.assertEqual(m["MessageAttributes"], attributes)
        self.assertEqual(m["MD5OfMessageAttributes"], attributes_md5(attributes))
        self.assertEqual(m["Attributes"]["ApproximateReceiveCount"], "1")
        self.assertAlmostEqual(int(m["Attributes"]["SentTimestamp"]) / 1000, time.time(), delta=60)
        # Only the attributes asked for, with their own digest.
        self.sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"],
                                           VisibilityTimeout=0)
        again = self.sqs.receive_message(QueueUrl=url, MessageAttributeNames=["kind"])["Messages"][0]
        self.assertEqual(list(again["MessageAttributes"]), ["kind"])
        self.assertEqual(again["MD5OfMessageAttributes"], attributes_md5({"kind": attributes["kind"]}))
        self.assertNotIn("Attributes", again)
        self.sqs.delete_message(QueueUrl=url, ReceiptHandle=again["ReceiptHandle"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
        self.assertError(self.sqs.delete_message, "ReceiptHandleIsInvalid", QueueUrl=url,
                         ReceiptHandle="garbage")

    def test_batches(self):
        url = self.queue("batch")
        out = self.sqs.send_message_batch(QueueUrl=url, Entries=[
            {"Id": "a", "MessageBody": "one"},
            {"Id": "b", "MessageBody": "two", "DelaySeconds": 901},
            {"Id": "c", "MessageBody": "three"}])
        self.assertEqual(sorted(e["Id"] for e in out["Successful"]), ["a", "c"])
        self.assertEqual(out["Failed"][0]["Id"], "b")
        self.assertEqual(out["Failed"][0]["Code"], "InvalidParameterValue")
        self.assertTrue(out["Failed"][0]["SenderFault"])
        got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(sorted(m["Body"] for m in got), ["one", "three"])
        changed = self.sqs.change_message_visibility_batch(QueueUrl=url, Entries=[
            {"Id": "x", "ReceiptHandle": got[0]["ReceiptHandle"], "VisibilityTimeout": 0},
            {"Id": "y", "ReceiptHandle": "bad", "VisibilityTimeout": 0}])
        self.assertEqual([e["Id"] for e in changed["Successful"]], ["x"])
        self.assertEqual(changed["Failed"][0]["Code"], "ReceiptHandleIsInvalid")
        again = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10)["Messages"]
        handles = [m["ReceiptHandle"] for m in again] + [got[1]["ReceiptHandle"]]
        deleted = self.sqs.delete_message_batch(QueueUrl=url, Entries=[
            {"Id": "d%d" % i, "ReceiptHandle": h} for i, h in enumerate(handles)])
        self.assertEqual(len(deleted["Successful"]), 2)
        attrs = self.sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        self.assertEqual(attrs["ApproximateNumberOfMessages"], "0")
        self.assertEqual(attrs["ApproximateNumberOfMessagesNotVisible"], "0")
        self.assertError(self.sqs.send_message_batch,
                         "AWS.SimpleQueueService.TooManyEntriesInBatchRequest",
                         "Maximum number of entries per request are 10. You have sent 11.",
                         QueueUrl=url,
                         Entries=[{"Id": str(i), "MessageBody": "x"} for i in range(11)])
        self.assertError(self.sqs.send_message_batch,
                         "AWS.SimpleQueueService.BatchEntryIdsNotDistinct", QueueUrl=url,
                         Entries=[{"Id": "same", "MessageBody": "x"}] * 2)
        self.assertError(self.sqs.send_message_batch, "AWS.SimpleQueueService.InvalidBatchEntryId",
                         QueueUrl=url, Entries=[{"Id": "has space", "MessageBody": "x"}])
        self.assertError(self.sqs.delete_message_batch, "AWS.SimpleQueueService.EmptyBatchRequest",
                         QueueUrl=url, Entries=[])

    def test_bad_input_gets_aws_errors(self):
        url = self.queue("bad")
        self.assertError(self.sqs.send_message, "InvalidParameterValue",
                         "One or more parameters are invalid. Reason: Message must be shorter "
                         "than 262144 bytes.", QueueUrl=url, MessageBody="x" * 262145)
        self.assertError(self.sqs.send_message, "InvalidMessageContents", QueueUrl=url,
                         MessageBody="bell \x07")
        self.assertError(self.sqs.receive_message, "InvalidParameterValue",
                         "Value 11 for parameter MaxNumberOfMessages is invalid. Reason: Must be "
                         "between 1 and 10, if provided.", QueueUrl=url, MaxNumberOfMessages=11)
        self.assertError(self.sqs.receive_message, "InvalidParameterValue", QueueUrl=url,
                         WaitTimeSeconds=21)
        self.assertError(self.sqs.create_queue, "InvalidParameterValue", QueueName="bad name")
        fifo = self.sqs.create_queue(QueueName=self.name("f") + ".fifo",
                                     Attributes={"FifoQueue": "true"})["QueueUrl"]
        self.assertError(self.sqs.send_message, "MissingParameter",
                         "The request must contain the parameter MessageGroupId.", QueueUrl=fifo,
                         MessageBody="x", MessageDeduplicationId="d")
        self.assertError(self.sqs.send_message, "InvalidParameterValue",
                         "The queue should either have ContentBasedDeduplication enabled or "
                         "MessageDeduplicationId provided explicitly", QueueUrl=fifo,
                         MessageBody="x", MessageGroupId="g")

    def test_long_poll_waits_then_answers_a_send(self):
        url = self.queue("poll")
        started = time.monotonic()
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1))
        self.assertGreaterEqual(time.monotonic() - started, 0.9)
        sender = sqs_client(self.endpoint, self.protocol)
        timer = threading.Timer(0.3, lambda: sender.send_message(QueueUrl=url, MessageBody="late"))
        timer.start()
        try:
            got = self.sqs.receive_message(QueueUrl=url, WaitTimeSeconds=20)
        finally:
            timer.join()
            sender.close()
        self.assertEqual(got["Messages"][0]["Body"], "late")

    def test_fifo_order_groups_and_deduplication(self):
        url = self.sqs.create_queue(QueueName=self.name("order") + ".fifo",
                                    Attributes={"FifoQueue": "true",
                                                "ContentBasedDeduplication": "true"})["QueueUrl"]
        ids = [self.sqs.send_message(QueueUrl=url, MessageBody="m%d" % i,
                                     MessageGroupId="g")["MessageId"] for i in range(5)]
        dup = self.sqs.send_message(QueueUrl=url, MessageBody="m0", MessageGroupId="g")
        self.assertEqual(dup["MessageId"], ids[0])
        bodies = []
        while len(bodies) < 5:
            got = self.sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=2,
                                           AttributeNames=["All"]).get("Messages", [])
            self.assertTrue(got, "a FIFO queue stopped answering: %s" % bodies)
            # The group is held until these are deleted.
            self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=url))
            for m in got:
                bodies.append(m["Body"])
                self.sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        self.assertEqual(bodies, ["m0", "m1", "m2", "m3", "m4"])

    def test_redrive_to_a_dead_letter_queue(self):
        dlq = self.queue("dlq")
        src = self.queue("src", VisibilityTimeout=0)
        self.sqs.set_queue_attributes(QueueUrl=src, Attributes={"RedrivePolicy": json.dumps(
            {"deadLetterTargetArn": self.arn(dlq), "maxReceiveCount": 2})})
        sent = self.sqs.send_message(QueueUrl=src, MessageBody="poison")["MessageId"]
        for _ in range(2):
            self.assertEqual(len(self.sqs.receive_message(QueueUrl=src)["Messages"]), 1)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))
        dead = self.sqs.receive_message(QueueUrl=dlq)["Messages"]
        self.assertEqual(dead[0]["MessageId"], sent)
        self.assertEqual(self.sqs.list_dead_letter_source_queues(QueueUrl=dlq)["queueUrls"], [src])
        self.sqs.purge_queue(QueueUrl=dlq)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=dlq))


class SqsJsonTest(SqsProtocolTests, harness.DaemonTestCase):
    protocol = "json"

    def dead_lettered(self, bodies):
        """A dead-letter queue holding `bodies`, each received once from its source queue."""
        dlq = self.queue("mdlq")
        src = self.queue("msrc", VisibilityTimeout=0, RedrivePolicy=json.dumps(
            {"deadLetterTargetArn": self.arn(dlq), "maxReceiveCount": 1}))
        for body in bodies:
            self.sqs.send_message(QueueUrl=src, MessageBody=body)
        for _ in bodies:
            self.assertEqual(len(self.sqs.receive_message(QueueUrl=src)["Messages"]), 1)
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=src))
        return src, dlq

    def await_task(self, dlq_arn):
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            task = self.sqs.list_message_move_tasks(SourceArn=dlq_arn)["Results"][0]
            if task["Status"] not in ("RUNNING", "CANCELLING"):
                return task
            time.sleep(0.05)
        self.fail("the message move task did not end")

    # The message move tasks are in the JSON model only (the awsQuery one predates them).
    def test_message_move_task_returns_dead_letters_to_their_source(self):
        src, dlq = self.dead_lettered(["m1", "m2"])
        dead = self.sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10, VisibilityTimeout=0,
                                        MessageSystemAttributeNames=["DeadLetterQueueSourceArn"])
        self.assertEqual({m["Attributes"]["DeadLetterQueueSourceArn"] for m in dead["Messages"]},
                         {self.arn(src)})
        handle = self.sqs.start_message_move_task(SourceArn=self.arn(dlq))["TaskHandle"]
        self.assertTrue(handle)
        task = self.await_task(self.arn(dlq))
        self.assertEqual(task["Status"], "COMPLETED")
        self.assertEqual(task["ApproximateNumberOfMessagesMoved"], 2)
        self.assertEqual(task["ApproximateNumberOfMessagesToMove"], 2)
        self.assertEqual(task["SourceArn"], self.arn(dlq))
        self.assertNotIn("TaskHandle", task)  # only while running, as AWS
        self.assertNotIn("DestinationArn", task)
        self.assertGreater(task["StartedTimestamp"], 1_600_000_000_000)
        back = self.sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(sorted(m["Body"] for m in back), ["m1", "m2"])
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=dlq))
        # Cancelling a task that ended, a handle that names nothing.
        self.assertError(self.sqs.cancel_message_move_task, "AWS.SimpleQueueService.UnsupportedOperation",
                         TaskHandle=handle)
        self.assertError(self.sqs.cancel_message_move_task, "ResourceNotFoundException",
                         status=404, TaskHandle="nope")

    def test_message_move_task_errors_destination_and_cancel(self):
        src, dlq = self.dead_lettered(["x1", "x2", "x3"])
        other = self.queue("mother")
        self.assertError(self.sqs.start_message_move_task, "InvalidParameterValue",
                         "Source queue must be configured as a Dead Letter Queue.",
                         SourceArn=self.arn(other))
        self.assertError(self.sqs.start_message_move_task, "ResourceNotFoundException",
                         status=404, SourceArn=self.arn(dlq) + "-gone")
        self.assertError(self.sqs.start_message_move_task, "ResourceNotFoundException",
                         status=404, SourceArn=self.arn(dlq),
                         DestinationArn=self.arn(other) + "-gone")
        self.assertError(self.sqs.start_message_move_task, "InvalidParameterValue",
                         SourceArn=self.arn(dlq), MaxNumberOfMessagesPerSecond=501)
        self.assertError(self.sqs.list_message_move_tasks, "InvalidParameterValue",
                         SourceArn=self.arn(dlq), MaxResults=11)
        self.assertEqual(self.sqs.list_message_move_tasks(SourceArn=self.arn(dlq))["Results"], [])
        # One a second: still running when a second task is refused and a cancel stops it.
        handle = self.sqs.start_message_move_task(SourceArn=self.arn(dlq), DestinationArn=self.arn(other),
                                                  MaxNumberOfMessagesPerSecond=1)["TaskHandle"]
        running = self.sqs.list_message_move_tasks(SourceArn=self.arn(dlq), MaxResults=10)["Results"]
        self.assertEqual(running[0]["TaskHandle"], handle)
        self.assertEqual(running[0]["DestinationArn"], self.arn(other))
        self.assertEqual(running[0]["MaxNumberOfMessagesPerSecond"], 1)
        self.assertError(self.sqs.start_message_move_task, "AWS.SimpleQueueService.UnsupportedOperation",
                         SourceArn=self.arn(dlq))
        moved = self.sqs.cancel_message_move_task(TaskHandle=handle)["ApproximateNumberOfMessagesMoved"]
        self.assertLess(moved, 3)
        task = self.await_task(self.arn(dlq))
        self.assertEqual(task["Status"], "CANCELLED")
        in_other = self.sqs.receive_message(QueueUrl=other, MaxNumberOfMessages=10).get("Messages", [])
        in_dlq = self.sqs.receive_message(QueueUrl=dlq, MaxNumberOfMessages=10).get("Messages", [])
        self.assertEqual(len(in_other), task["ApproximateNumberOfMessagesMoved"])
        self.assertEqual(len(in_other) + len(in_dlq), 3)  # nothing lost, nothing doubled


class SqsQueryTest(SqsProtocolTests, harness.DaemonTestCase):
    protocol = "query"



class SqsSignatureTest(harness.DaemonTestCase):
    """With --verify-signatures, SQS requests in either protocol are checked for the sqs scope."""

    daemon_args = ("--verify-signatures", "--access-key", "test:test")

    def test_wrong_secret_is_refused_in_both_protocols(self):
        for protocol in ("json", "query"):
            good = sqs_client(self.endpoint, protocol)
            url = good.create_queue(QueueName="signed-" + protocol)["QueueUrl"]
            good.send_message(QueueUrl=url, MessageBody="signed")
            good.close()
            old = dict(os.environ)
            try:
                os.environ.update(harness.client_env(self.endpoint))
                session = botocore.session.get_session()
                session.get_component("data_loader").search_paths.insert(
                    0, os.path.join(FIXTURES, "botocore-" + protocol))
                bad = session.create_client(
                    "sqs", region_name="us-east-1", endpoint_url=self.endpoint,
                    aws_access_key_id="test", aws_secret_access_key="wrong",
                    config=Config(retries={"max_attempts": 1}))
            finally:
                os.environ.clear()
                os.environ.update(old)
            with self.assertRaises(botocore.exceptions.ClientError) as caught:
                bad.receive_message(QueueUrl=url)
            self.assertEqual(caught.exception.response["Error"]["Code"], "SignatureDoesNotMatch",
                             protocol)
            self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"], 403)
            bad.close()


class SqsRawRequestTest(harness.DaemonTestCase):
    """Requests no SDK would send, answered with AWS's error shape (never a 500)."""

    def post(self, body, headers, path="/"):
        request = urllib.request.Request(self.endpoint + path, data=body.encode(), headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=30) as response:
                return response.status, dict(response.headers), response.read().decode()
        except urllib.error.HTTPError as err:
            return err.code, dict(err.headers), err.read().decode()

    def json_call(self, action, body):
        return self.post(body, {"X-Amz-Target": "AmazonSQS." + action,
                                "Content-Type": "application/x-amz-json-1.0"})

    def test_malformed_numbers_bodies_and_actions(self):
        status, _, body = self.json_call("CreateQueue", '{"QueueName":"raw"}')
        self.assertEqual(status, 200, body)
        url = json.loads(body)["QueueUrl"]
        # A sign-only "number" once escaped as an exception (500); now AWS's 400.
        for value in ("--1", "1-2", "", "99999999999999999999"):
            status, headers, body = self.json_call(
                "ReceiveMessage", json.dumps({"QueueUrl": url, "MaxNumberOfMessages": value}))
            self.assertEqual(status, 400, (value, body))
            self.assertEqual(headers.get("x-amzn-query-error"), "InvalidParameterValue;Sender")
        status, _, body = self.post(
            "Action=ReceiveMessage&QueueUrl=" + urllib.parse.quote(url, safe="") +
            "&MaxNumberOfMessages=--1", {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 400, body)
        self.assertIn("<Code>InvalidParameterValue</Code>", body)
        status, _, body = self.json_call("SendMessage", '{"QueueUrl": [')
        self.assertEqual(status, 400, body)
        status, _, body = self.json_call("NoSuchAction", "{}")
        self.assertEqual(status, 400, body)
        self.assertIn("UnknownOperationException", body)
        status, _, body = self.json_call("SendMessage", '["not an object"]')
        self.assertEqual(status, 400, body)
        # Wrongly typed members are 400s too (a number DataType threw before: 500).
        status, _, body = self.json_call("SendMessage", json.dumps({
            "QueueUrl": url, "MessageBody": "x",
            "MessageAttributes": {"a": {"DataType": 5, "StringValue": "1"}}}))
        self.assertEqual(status, 400, body)
        status, _, body = self.json_call("SetQueueAttributes", json.dumps({
            "QueueUrl": url, "Attributes": {"Policy": json.dumps({"Statement": [{"Sid": 1}]})}}))
        self.assertEqual(status, 200, body)
        status, _, body = self.json_call("AddPermission", json.dumps({
            "QueueUrl": url, "Label": "l", "AWSAccountIds": ["111111111111"],
            "Actions": ["SendMessage"]}))
        self.assertEqual(status, 200, body)

    def test_a_form_to_a_lambda_path_is_lambdas(self):
        # Lambda's other dated paths (InvokeAsync here) are never read as an SQS form.
        status, _, body = self.post(
            "Action=CreateQueue&QueueName=not-from-lambda",
            {"Content-Type": "application/x-www-form-urlencoded"},
            path="/2014-11-13/functions/nope/invoke-async/")
        self.assertEqual(status, 404, body)
        self.assertIn("Function not found", body)

    def test_an_unknown_action_from_an_sqs_client_gets_sqs_s_error(self):
        # Signed for sqs: SQS's InvalidAction in SQS's XML (it was SNS's error before).
        status, _, body = self.post("Action=NoSuchSqsAction&Version=2012-11-05", {
            "Content-Type": "application/x-www-form-urlencoded",
            "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/"
                             "aws4_request, SignedHeaders=host, Signature=x"})
        self.assertEqual(status, 400, body)
        self.assertIn("<Code>InvalidAction</Code>", body)
        self.assertIn("queue.amazonaws.com/doc/2012-11-05", body)
        self.assertNotIn("sns.amazonaws.com", body)

    def test_message_move_tasks_in_the_query_protocol(self):
        # The awsQuery model predates the move tasks, so no SDK here sends them as a form; an
        # older SDK would: the XML is AWS's (ListMessageMoveTasksResultEntry, flattened).
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        for name in ("qdlq", "qsrc"):
            self.assertEqual(self.post("Action=CreateQueue&QueueName=" + name, form)[0], 200)
        dlq_arn = "arn:aws:sqs:us-east-1:000000000000:qdlq"
        policy = urllib.parse.quote(json.dumps({"deadLetterTargetArn": dlq_arn,
                                                "maxReceiveCount": 1}), safe="")
        status, _, body = self.post("Action=SetQueueAttributes&Attribute.1.Name=RedrivePolicy&"
                                    "Attribute.1.Value=" + policy, form, "/000000000000/qsrc")
        self.assertEqual(status, 200, body)
        status, _, body = self.post("Action=StartMessageMoveTask&SourceArn=" + dlq_arn, form)
        self.assertEqual(status, 200, body)
        self.assertRegex(body, r"<StartMessageMoveTaskResult><TaskHandle>[^<]+</TaskHandle>")
        deadline = time.monotonic() + 30
        while "<Status>RUNNING</Status>" in body or "ListMessageMoveTasksResult" not in body:
            self.assertLess(time.monotonic(), deadline)
            status, _, body = self.post("Action=ListMessageMoveTasks&SourceArn=" + dlq_arn, form)
            self.assertEqual(status, 200, body)
        self.assertRegex(body, "<ListMessageMoveTasksResult><ListMessageMoveTasksResultEntry>"
                               ".*?<Status>COMPLETED</Status></ListMessageMoveTasksResultEntry>")
        self.assertIn("<ApproximateNumberOfMessagesMoved>0</ApproximateNumberOfMessagesMoved>", body)
        status, _, body = self.post("Action=CancelMessageMoveTask&TaskHandle=nope", form)
        self.assertEqual(status, 404, body)
        self.assertIn("<Code>ResourceNotFoundException</Code>", body)


if __name__ == "__main__":
    unittest.main()

"""SQS beyond its own API: SNS delivering to SQS subscribers (the signed notification, raw
delivery with attributes, filter policies, FIFO topic -> FIFO queue order), durability across
kill -9 (acknowledged sends survive; a message in flight returns after its visibility timeout).
The AWS CLI's sqs commands are test_sqs_cli.py's.
"""
import base64
import http.server
import json
import os
import threading
import time
import unittest
import urllib.request

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

import harness
from test_sns_delivery import string_to_sign


def receive_all(sqs, url, count, **kwargs):
    """`count` messages (deleted as received), or fewer after HANG_S."""
    got = []
    deadline = time.monotonic() + harness.HANG_S
    while len(got) < count and time.monotonic() < deadline:
        r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1, **kwargs)
        for m in r.get("Messages", []):
            got.append(m)
            sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    return got


class SnsToSqsTest(harness.DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sqs = harness.boto3_client("sqs", cls.endpoint)
        cls.sns = harness.boto3_client("sns", cls.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.sqs.close()
        cls.sns.close()
        super().tearDownClass()

    def queue(self, name, **attributes):
        url = self.sqs.create_queue(QueueName=name, Attributes=attributes)["QueueUrl"]
        arn = self.sqs.get_queue_attributes(QueueUrl=url,
                                            AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        return url, arn

    def test_notification_raw_delivery_and_filter(self):
        topic = self.sns.create_topic(Name="to-queues")["TopicArn"]
        url, arn = self.queue("envelope")
        raw_url, raw_arn = self.queue("raw")
        sub = self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=raw_arn, Attributes={
            "RawMessageDelivery": "true", "FilterPolicy": json.dumps({"kind": ["order"]})})
        # Confirmed at once, as AWS confirms an SQS subscription.
        attrs = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
        self.assertEqual(attrs["PendingConfirmation"], "false")
        sent = self.sns.publish(TopicArn=topic, Message="an order", Subject="s", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "order"},
            "n": {"DataType": "Number", "StringValue": "7"}})["MessageId"]
        self.sns.publish(TopicArn=topic, Message="a refund", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "refund"}})

        notes = [json.loads(m["Body"]) for m in receive_all(self.sqs, url, 2)]
        self.assertEqual(sorted(n["Message"] for n in notes), ["a refund", "an order"])
        note = next(n for n in notes if n["MessageId"] == sent)
        self.assertEqual(note["Type"], "Notification")
        self.assertEqual(note["TopicArn"], topic)
        self.assertEqual(note["Subject"], "s")
        self.assertEqual(note["MessageAttributes"]["kind"], {"Type": "String", "Value": "order"})
        with urllib.request.urlopen(note["SigningCertURL"], timeout=60) as response:
            cert = x509.load_pem_x509_certificate(response.read())
        cert.public_key().verify(base64.b64decode(note["Signature"]), string_to_sign(note),
                                 padding.PKCS1v15(), hashes.SHA1())
        self.assertIn("SubscriptionArn=" + sub, note["UnsubscribeURL"])

        raw = receive_all(self.sqs, raw_url, 1, MessageAttributeNames=["All"])
        self.assertEqual([m["Body"] for m in raw], ["an order"])
        self.assertEqual(raw[0]["MessageAttributes"], {
            "kind": {"DataType": "String", "StringValue": "order"},
            "n": {"DataType": "Number", "StringValue": "7"}})
        time.sleep(0.5)  # the refund was filtered out, not late
        self.assertNotIn("Messages", self.sqs.receive_message(QueueUrl=raw_url))

    def test_fifo_topic_to_fifo_queue_keeps_group_order(self):
        topic = self.sns.create_topic(Name="orders.fifo", Attributes={
            "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
        url, arn = self.queue("orders.fifo", FifoQueue="true")
        self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=arn,
                           Attributes={"RawMessageDelivery": "true"})
        for i in range(6):
            self.sns.publish(TopicArn=topic, Message="%s-%d" % ("ab"[i % 2], i),
                             MessageGroupId="ab"[i % 2])
        got = receive_all(self.sqs, url, 6, AttributeNames=["All"])
        by_group = {}
        for m in got:
            by_group.setdefault(m["Attributes"]["MessageGroupId"], []).append(m["Body"])
        self.assertEqual(by_group, {"a": ["a-0", "a-2", "a-4"], "b": ["b-1", "b-3", "b-5"]})

    def test_a_missing_queue_is_a_failed_delivery_in_the_trace(self):
        topic = self.sns.create_topic(Name="to-nowhere")["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="sqs",
                           Endpoint="arn:aws:sqs:us-east-1:000000000000:never-made")
        self.sns.publish(TopicArn=topic, Message="lost?")
        deadline = time.monotonic() + harness.HANG_S
        out = ""
        while time.monotonic() < deadline and "never-made" not in out:
            time.sleep(0.2)
            out = self.daemon.get("/_offstage/failures")[1]
        self.assertIn("never-made", out)
        self.assertIn("The specified queue does not exist.", out)


class ConfirmThenFail(http.server.BaseHTTPRequestHandler):
    """An HTTP subscriber that confirms its subscription, then answers 500 to notifications."""

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if body.get("Type") == "SubscriptionConfirmation":
            urllib.request.urlopen(body["SubscribeURL"], timeout=30).read()
            self.send_response(200)
        else:
            self.send_response(500)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


class SnsRedriveTest(harness.DaemonTestCase):
    """A subscription's RedrivePolicy: deliveries that fail for good go to its SQS queue."""

    daemon_args = ("--sns-retry-delays", "10ms,10ms")

    def test_failed_deliveries_of_each_protocol_go_to_the_dead_letter_queue(self):
        sqs = harness.boto3_client("sqs", self.endpoint)
        sns = harness.boto3_client("sns", self.endpoint)
        self.addCleanup(sqs.close)
        self.addCleanup(sns.close)
        dlq = sqs.create_queue(QueueName="sns-dlq")["QueueUrl"]
        dlq_arn = "arn:aws:sqs:us-east-1:000000000000:sns-dlq"
        topic = sns.create_topic(Name="redriven")["TopicArn"]
        policy = {"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn})}
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), ConfirmThenFail)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        self.addCleanup(server.shutdown)
        endpoints = {
            "http": "http://127.0.0.1:%d/hook" % server.server_address[1],
            "lambda": "arn:aws:lambda:us-east-1:000000000000:function:never-made",
            "sqs": "arn:aws:sqs:us-east-1:000000000000:never-made",
            "sqs-envelope": "arn:aws:sqs:us-east-1:000000000000:never-made-either",
        }
        for protocol, endpoint in endpoints.items():
            attributes = dict(policy, RawMessageDelivery="true") if protocol == "sqs" else policy
            sns.subscribe(TopicArn=topic, Protocol=protocol.split("-")[0], Endpoint=endpoint,
                          Attributes=attributes, ReturnSubscriptionArn=True)
        deadline = time.monotonic() + harness.HANG_S
        while time.monotonic() < deadline and any(
                s["SubscriptionArn"] == "PendingConfirmation"
                for s in sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]):
            time.sleep(0.05)  # the HTTP endpoint confirms
        sns.publish(TopicArn=topic, Message="undeliverable")
        got = receive_all(sqs, dlq, 4, MessageAttributeNames=["All"])
        self.assertEqual(len(got), 4, got)
        bodies = sorted(m["Body"] for m in got)
        self.assertIn("undeliverable", bodies)  # the raw sqs delivery
        notifications = [json.loads(b) for b in bodies if b != "undeliverable"]
        # The HTTP subscriber's notification and the Lambda subscriber's event.
        envelopes = [n for n in notifications if n.get("Type") == "Notification"]
        self.assertEqual(len(envelopes), 2, notifications)  # the HTTP one and the SQS one
        for n in envelopes:
            self.assertEqual(n["Message"], "undeliverable")
            self.assertTrue(n["Signature"], n)  # signed, as the delivery would have been
        self.assertTrue(any("Records" in n and n["Records"][0]["Sns"]["Message"] == "undeliverable"
                            for n in notifications), notifications)
        for m in got:
            attributes = m["MessageAttributes"]
            self.assertEqual(set(attributes), {"ErrorCode", "ErrorMessage", "RequestID"})
        # The failure says where the message went.
        out = self.daemon.get("/_offstage/failures")[1]
        self.assertIn("sent to the dead-letter queue " + dlq_arn, out)


class SqsDurabilityTest(unittest.TestCase):
    def start(self, data_dir):
        daemon = harness.Daemon(data_dir=data_dir).start()
        self.addCleanup(daemon.kill)
        return daemon

    def test_acknowledged_sends_survive_kill_9_and_in_flight_messages_return(self):
        data_dir = harness.temp_dir(self)
        first = self.start(data_dir)
        sqs = harness.boto3_client("sqs", first.endpoint)
        url = sqs.create_queue(QueueName="burst", Attributes={"VisibilityTimeout": "2"})["QueueUrl"]
        sqs.send_message(QueueUrl=url, MessageBody="in flight")
        in_flight = sqs.receive_message(QueueUrl=url)["Messages"][0]
        acknowledged = []
        stop = threading.Event()

        def burst():
            client = harness.boto3_client("sqs", first.endpoint)
            i = 0
            while not stop.is_set():
                try:
                    r = client.send_message(QueueUrl=url, MessageBody="m%d" % i)
                except Exception:  # the daemon is gone
                    return
                acknowledged.append(r["MessageId"])
                i += 1

        threads = [threading.Thread(target=burst) for _ in range(4)]
        for t in threads:
            t.start()
        while len(acknowledged) < 200:
            time.sleep(0.01)
        first.kill()
        stop.set()
        for t in threads:
            t.join()
        sqs.close()

        second = self.start(data_dir)
        sqs = harness.boto3_client("sqs", second.endpoint)
        self.addCleanup(sqs.close)
        url = sqs.get_queue_url(QueueName="burst")["QueueUrl"]
        seen = {}
        deadline = time.monotonic() + harness.HANG_S
        while time.monotonic() < deadline and not (set(acknowledged) <= set(seen)
                                                    and in_flight["MessageId"] in seen):
            r = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=10, WaitTimeSeconds=1,
                                    AttributeNames=["ApproximateReceiveCount"])
            for m in r.get("Messages", []):
                seen[m["MessageId"]] = m
                sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
        missing = set(acknowledged) - set(seen)
        self.assertFalse(missing, "%d acknowledged messages lost of %d" % (len(missing),
                                                                          len(acknowledged)))
        again = seen[in_flight["MessageId"]]
        self.assertEqual(again["Body"], "in flight")
        self.assertEqual(again["Attributes"]["ApproximateReceiveCount"], "2")


if __name__ == "__main__":
    unittest.main()

"""Durability: what a client saw acknowledged survives kill -9 and a restart on the same data
directory, and one data directory serves only one daemon at a time.
"""
import json
import subprocess
import threading
import time
import unittest
import warnings

import harness
from harness import HANG_S

ACCOUNT = "000000000000"
FUNCTION = "arn:aws:lambda:us-east-1:%s:function:durable" % ACCOUNT
HOOK = "http://127.0.0.1:9/durable"


def health(daemon):
    status, text = daemon.get("/_offstage/health")
    assert status == 200, status
    return json.loads(text)


class SnsRestartTest(unittest.TestCase):
    def setUp(self):
        # The harness leaves each daemon's console pipe to its drain thread; not a leak here.
        warnings.simplefilter("ignore", ResourceWarning)

    def start(self, data_dir):
        daemon = harness.Daemon(data_dir=data_dir).start()
        self.addCleanup(daemon.kill)
        return daemon

    def test_state_survives_kill_9(self):
        data_dir = harness.temp_dir(self)
        first = self.start(data_dir)
        sns = harness.boto3_client("sns", first.endpoint)
        delivery = json.dumps({"http": {"defaultHealthyRetryPolicy": {"numRetries": 4}}})
        standard = sns.create_topic(Name="orders", Attributes={
            "DisplayName": "Orders", "DeliveryPolicy": delivery},
            Tags=[{"Key": "env", "Value": "dev"}])["TopicArn"]
        fifo = sns.create_topic(Name="ledger.fifo", Attributes={
            "FifoTopic": "true", "ContentBasedDeduplication": "false", "DisplayName": "Ledger"},
            Tags=[{"Key": "team", "Value": "pay"}, {"Key": "tier", "Value": "1"}])["TopicArn"]
        filter_policy = json.dumps({"kind": ["a"]})
        lam = sns.subscribe(TopicArn=standard, Protocol="lambda", Endpoint=FUNCTION,
                            Attributes={"FilterPolicy": filter_policy})["SubscriptionArn"]
        pending = sns.subscribe(TopicArn=standard, Protocol="http", Endpoint=HOOK,
                                ReturnSubscriptionArn=True)["SubscriptionArn"]
        acked = 0
        for i in range(25):
            sns.publish(TopicArn=standard, Message="m%d" % i, MessageAttributes={
                "kind": {"DataType": "String", "StringValue": "a"}})
            acked += 1
        out = sns.publish_batch(TopicArn=standard, PublishBatchRequestEntries=[
            {"Id": str(i), "Message": "b%d" % i} for i in range(5)])
        acked += len(out["Successful"])
        fifo_ids = {}
        last_sequence = 0
        for i in range(5):
            out = sns.publish(TopicArn=fifo, Message="f%d" % i, MessageGroupId="g",
                              MessageDeduplicationId="dedup-%d" % i)
            fifo_ids["dedup-%d" % i] = out["MessageId"]
            last_sequence = int(out["SequenceNumber"])
            acked += 1
        first.kill()  # right after the last Publish returned

        second = self.start(data_dir)
        sns = harness.boto3_client("sns", second.endpoint)
        topics = {t["TopicArn"] for t in sns.list_topics()["Topics"]}
        self.assertEqual(topics, {standard, fifo})
        got = sns.get_topic_attributes(TopicArn=standard)["Attributes"]
        self.assertEqual(got["DisplayName"], "Orders")
        self.assertEqual(json.loads(got["DeliveryPolicy"]), json.loads(delivery))
        self.assertEqual((got["SubscriptionsConfirmed"], got["SubscriptionsPending"]), ("1", "1"))
        got = sns.get_topic_attributes(TopicArn=fifo)["Attributes"]
        self.assertEqual((got["FifoTopic"], got["ContentBasedDeduplication"], got["DisplayName"]),
                         ("true", "false", "Ledger"))
        self.assertEqual(sns.list_tags_for_resource(ResourceArn=standard)["Tags"],
                         [{"Key": "env", "Value": "dev"}])
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in
                                sns.list_tags_for_resource(ResourceArn=fifo)["Tags"]),
                         [("team", "pay"), ("tier", "1")])
        listed = sns.list_subscriptions_by_topic(TopicArn=standard)["Subscriptions"]
        self.assertEqual(sorted(s["SubscriptionArn"] for s in listed),
                         sorted([lam, "PendingConfirmation"]))
        got = sns.get_subscription_attributes(SubscriptionArn=lam)["Attributes"]
        self.assertEqual((got["PendingConfirmation"], got["Endpoint"]), ("false", FUNCTION))
        self.assertEqual(json.loads(got["FilterPolicy"]), {"kind": ["a"]})
        got = sns.get_subscription_attributes(SubscriptionArn=pending)["Attributes"]
        self.assertEqual((got["PendingConfirmation"], got["Endpoint"]), ("true", HOOK))
        # Still pending: a Subscribe for it still answers "pending confirmation".
        self.assertEqual(sns.subscribe(TopicArn=standard, Protocol="http",
                                       Endpoint=HOOK)["SubscriptionArn"], "pending confirmation")
        counts = health(second)["counts"]
        self.assertEqual(counts["messages"], acked)
        self.assertEqual((counts["topics"], counts["subscriptions"]), (2, 2))
        # FIFO: the sequence continues past the last one handed out before the kill ...
        out = sns.publish(TopicArn=fifo, Message="after", MessageGroupId="g",
                          MessageDeduplicationId="after-restart")
        self.assertGreater(int(out["SequenceNumber"]), last_sequence)
        # ... and a dedup id used before the kill (well within 5 minutes) is still a duplicate.
        again = sns.publish(TopicArn=fifo, Message="f2 again", MessageGroupId="g",
                            MessageDeduplicationId="dedup-2")
        self.assertEqual(again["MessageId"], fifo_ids["dedup-2"])
        self.assertEqual(health(second)["counts"]["messages"], acked + 1)
        self.assertEqual(second.stop(), 0)

    def test_concurrent_publishes_survive_kill_9(self):
        data_dir = harness.temp_dir(self)
        first = self.start(data_dir)
        setup = harness.boto3_client("sns", first.endpoint)
        standard = setup.create_topic(Name="busy")["TopicArn"]
        fifo = setup.create_topic(Name="busy.fifo", Attributes={
            "FifoTopic": "true", "ContentBasedDeduplication": "true"})["TopicArn"]
        clients = [harness.boto3_client("sns", first.endpoint) for _ in range(8)]
        lock = threading.Lock()
        acked = []        # MessageIds with a successful response
        sequences = []    # SequenceNumbers with a successful response (FIFO)
        stop = threading.Event()

        def publish_loop(index, client):
            n = 0
            while not stop.is_set():
                n += 1
                try:
                    if index % 2:
                        out = client.publish(TopicArn=fifo, Message="t%d-%d" % (index, n),
                                             MessageGroupId="g%d" % index)
                    else:
                        out = client.publish(TopicArn=standard, Message="t%d-%d" % (index, n))
                except Exception:  # the daemon died under us
                    return
                with lock:
                    acked.append(out["MessageId"])
                    if "SequenceNumber" in out:
                        sequences.append(int(out["SequenceNumber"]))

        threads = [threading.Thread(target=publish_loop, args=(i, c), daemon=True)
                   for i, c in enumerate(clients)]
        for thread in threads:
            thread.start()
        # Killed once enough publishes went through to mean something, however long that
        # takes on this machine (the deadline only bounds a hang).
        deadline = time.monotonic() + HANG_S
        while True:
            with lock:
                if len(acked) >= 40:
                    break
            self.assertLess(time.monotonic(), deadline, "publishes did not get through")
            time.sleep(0.01)
        first.kill()
        stop.set()
        for thread in threads:
            thread.join(30)
            self.assertFalse(thread.is_alive(), "a publisher hung after kill -9")
        self.assertGreater(len(acked), 8, "too few publishes to mean anything")
        self.assertEqual(len(acked), len(set(acked)))

        second = self.start(data_dir)
        counts = health(second)["counts"]
        # Every acknowledged publish was durable; at most one unacknowledged one per thread
        # (in flight when the process died) may also have been committed.
        self.assertGreaterEqual(counts["messages"], len(acked))
        self.assertLessEqual(counts["messages"], len(acked) + len(threads))
        sns = harness.boto3_client("sns", second.endpoint)
        out = sns.publish(TopicArn=fifo, Message="after restart", MessageGroupId="g")
        self.assertGreater(int(out["SequenceNumber"]), max(sequences, default=0))
        self.assertEqual(second.stop(), 0)

    def test_second_daemon_on_same_data_dir_is_refused(self):
        data_dir = harness.temp_dir(self)
        first = self.start(data_dir)
        out = subprocess.run([harness.BIN, "serve", "--port", "0", "--data-dir", data_dir],
                             capture_output=True, text=True, timeout=20)
        self.assertNotEqual(out.returncode, 0)
        text = out.stdout + out.stderr
        self.assertNotIn("ready on", text)
        self.assertIn("another offstage daemon is using the data directory", text)
        self.assertIn(data_dir, text)
        # The first daemon is unaffected, and the directory is free again once it stops.
        self.assertEqual(health(first)["status"], "ok")
        self.assertEqual(first.stop(), 0)
        again = self.start(data_dir)
        self.assertEqual(health(again)["data_dir"], data_dir)
        self.assertEqual(again.stop(), 0)


if __name__ == "__main__":
    unittest.main()

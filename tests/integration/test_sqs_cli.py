"""SQS from the command line, against the real daemon: every SQS action through the AWS CLI
(`aws sqs ...`, whichever major version is installed, reaching the daemon only through
--endpoint-url), with AWS's errors and exit codes; and offstage's own queue commands (`queues`,
`send`, `receive`, `events generate sqs`, `replay dlq`) with theirs.
"""
import json
import subprocess
import unittest

import harness
from test_sns_cli import cli_major_version
from test_traces import run_cli


class AwsCliSqsTest(harness.DaemonTestCase):
    def cli(self, *args):
        cmd = ["aws", "sqs", *args, "--output", "json", "--endpoint-url", self.endpoint]
        return subprocess.run(cmd, env=harness.client_env(self.endpoint), capture_output=True,
                              text=True, timeout=60)

    def ok(self, *args):
        out = self.cli(*args)
        self.assertEqual(out.returncode, 0, out.stderr)
        return json.loads(out.stdout) if out.stdout.strip() else {}

    def failed_exit_code(self):
        return 255 if cli_major_version() == 1 else 254

    def test_every_queue_and_message_action(self):
        url = self.ok("create-queue", "--queue-name", "cli-all",
                      "--attributes", '{"VisibilityTimeout":"30"}',
                      "--tags", '{"team":"a"}')["QueueUrl"]
        self.assertEqual(self.ok("get-queue-url", "--queue-name", "cli-all")["QueueUrl"], url)
        self.assertIn(url, self.ok("list-queues", "--queue-name-prefix", "cli-")["QueueUrls"])
        self.ok("set-queue-attributes", "--queue-url", url,
                "--attributes", '{"DelaySeconds":"0","MessageRetentionPeriod":"3600"}')
        attrs = self.ok("get-queue-attributes", "--queue-url", url,
                        "--attribute-names", "All")["Attributes"]
        self.assertEqual(attrs["VisibilityTimeout"], "30")
        self.assertEqual(attrs["MessageRetentionPeriod"], "3600")
        self.ok("tag-queue", "--queue-url", url, "--tags", '{"env":"dev"}')
        self.assertEqual(self.ok("list-queue-tags", "--queue-url", url)["Tags"],
                         {"team": "a", "env": "dev"})
        self.ok("untag-queue", "--queue-url", url, "--tag-keys", "team")
        self.assertEqual(self.ok("list-queue-tags", "--queue-url", url)["Tags"], {"env": "dev"})
        self.ok("add-permission", "--queue-url", url, "--label", "p1",
                "--aws-account-ids", "000000000000", "--actions", "SendMessage")
        policy = json.loads(self.ok("get-queue-attributes", "--queue-url", url, "--attribute-names",
                                    "Policy")["Attributes"]["Policy"])
        self.assertEqual([s["Sid"] for s in policy["Statement"]], ["p1"])
        self.ok("remove-permission", "--queue-url", url, "--label", "p1")

        sent = self.ok("send-message", "--queue-url", url, "--message-body", "from the cli",
                       "--message-attributes", '{"k":{"DataType":"String","StringValue":"v"}}')
        self.assertEqual(len(sent["MD5OfMessageBody"]), 32)
        batch = self.ok("send-message-batch", "--queue-url", url, "--entries",
                        json.dumps([{"Id": "a", "MessageBody": "one"},
                                    {"Id": "b", "MessageBody": "two"}]))
        self.assertEqual(sorted(e["Id"] for e in batch["Successful"]), ["a", "b"])
        got = []
        while len(got) < 3:
            page = self.ok("receive-message", "--queue-url", url, "--max-number-of-messages", "10",
                           "--message-attribute-names", "All", "--attribute-names", "All",
                           "--wait-time-seconds", "1")
            got += page.get("Messages", [])
        first = next(m for m in got if m["MessageId"] == sent["MessageId"])
        self.assertEqual(first["Body"], "from the cli")
        self.assertEqual(first["MessageAttributes"]["k"]["StringValue"], "v")
        self.assertEqual(first["Attributes"]["ApproximateReceiveCount"], "1")
        others = [m for m in got if m is not first]
        self.ok("change-message-visibility", "--queue-url", url,
                "--receipt-handle", first["ReceiptHandle"], "--visibility-timeout", "0")
        changed = self.ok("change-message-visibility-batch", "--queue-url", url, "--entries",
                          json.dumps([{"Id": "x%d" % i, "ReceiptHandle": m["ReceiptHandle"],
                                       "VisibilityTimeout": 60} for i, m in enumerate(others)]))
        self.assertEqual(len(changed["Successful"]), 2)
        again = self.ok("receive-message", "--queue-url", url, "--attribute-names", "All")
        self.assertEqual(again["Messages"][0]["MessageId"], sent["MessageId"])
        self.assertEqual(again["Messages"][0]["Attributes"]["ApproximateReceiveCount"], "2")
        self.ok("delete-message", "--queue-url", url,
                "--receipt-handle", again["Messages"][0]["ReceiptHandle"])
        deleted = self.ok("delete-message-batch", "--queue-url", url, "--entries",
                          json.dumps([{"Id": "d%d" % i, "ReceiptHandle": m["ReceiptHandle"]}
                                      for i, m in enumerate(others)]))
        self.assertEqual(len(deleted["Successful"]), 2)
        counts = self.ok("get-queue-attributes", "--queue-url", url, "--attribute-names",
                         "ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        self.assertEqual(counts["Attributes"], {"ApproximateNumberOfMessages": "0",
                                                "ApproximateNumberOfMessagesNotVisible": "0"})

        dlq = self.ok("create-queue", "--queue-name", "cli-all-dlq")["QueueUrl"]
        dlq_arn = self.ok("get-queue-attributes", "--queue-url", dlq, "--attribute-names",
                          "QueueArn")["Attributes"]["QueueArn"]
        self.ok("set-queue-attributes", "--queue-url", url, "--attributes", json.dumps(
            {"RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 3})}))
        self.assertEqual(self.ok("list-dead-letter-source-queues", "--queue-url", dlq)["queueUrls"],
                         [url])
        self.ok("send-message", "--queue-url", url, "--message-body", "to purge")
        self.ok("purge-queue", "--queue-url", url)
        self.assertNotIn("Messages", self.ok("receive-message", "--queue-url", url))
        self.ok("delete-queue", "--queue-url", url)
        self.ok("delete-queue", "--queue-url", dlq)
        self.assertNotIn(url, self.ok("list-queues").get("QueueUrls", []))

    def test_errors_and_exit_codes(self):
        missing = self.cli("get-queue-url", "--queue-name", "cli-nope")
        self.assertEqual(missing.returncode, self.failed_exit_code())
        self.assertIn("AWS.SimpleQueueService.NonExistentQueue", missing.stderr)
        self.assertIn("The specified queue does not exist.", missing.stderr)
        url = self.ok("create-queue", "--queue-name", "cli-err.fifo",
                      "--attributes", '{"FifoQueue":"true"}')["QueueUrl"]
        no_group = self.cli("send-message", "--queue-url", url, "--message-body", "x")
        self.assertEqual(no_group.returncode, self.failed_exit_code())
        self.assertIn("MissingParameter", no_group.stderr)
        self.assertIn("The request must contain the parameter MessageGroupId.", no_group.stderr)
        bad_handle = self.cli("delete-message", "--queue-url", url, "--receipt-handle", "nope")
        self.assertEqual(bad_handle.returncode, self.failed_exit_code())
        self.assertIn("ReceiptHandleIsInvalid", bad_handle.stderr)
        bad_value = self.cli("set-queue-attributes", "--queue-url", url,
                             "--attributes", '{"VisibilityTimeout":"99999"}')
        self.assertEqual(bad_value.returncode, self.failed_exit_code())
        self.assertIn("InvalidAttributeValue", bad_value.stderr)

    def test_message_move_tasks(self):
        # Message move tasks came to the CLI in 2023 (aws-cli 1.29 / 2.13); an older CLI has no
        # such command, which says nothing of the daemon.
        probe = subprocess.run(["aws", "sqs", "list-message-move-tasks", "help"],
                               capture_output=True, text=True, timeout=60,
                               env=dict(harness.client_env(self.endpoint), PAGER="cat"))
        if probe.returncode != 0:
            self.skipTest("this AWS CLI has no message move task commands")
        dlq = self.ok("create-queue", "--queue-name", "cli-move-dlq")["QueueUrl"]
        dlq_arn = self.ok("get-queue-attributes", "--queue-url", dlq, "--attribute-names",
                          "QueueArn")["Attributes"]["QueueArn"]
        src = self.ok("create-queue", "--queue-name", "cli-move-src", "--attributes", json.dumps(
            {"VisibilityTimeout": "0", "RedrivePolicy": json.dumps(
                {"deadLetterTargetArn": dlq_arn, "maxReceiveCount": 1})}))["QueueUrl"]
        self.ok("send-message", "--queue-url", src, "--message-body", "poison")
        self.assertEqual(len(self.ok("receive-message", "--queue-url", src)["Messages"]), 1)
        self.assertNotIn("Messages", self.ok("receive-message", "--queue-url", src))
        handle = self.ok("start-message-move-task", "--source-arn", dlq_arn)["TaskHandle"]
        self.assertTrue(handle)
        for _ in range(300):
            task = self.ok("list-message-move-tasks", "--source-arn", dlq_arn)["Results"][0]
            if task["Status"] != "RUNNING":
                break
        self.assertEqual(task["Status"], "COMPLETED")
        self.assertEqual(task["ApproximateNumberOfMessagesMoved"], 1)
        self.assertEqual(self.ok("receive-message", "--queue-url", src)["Messages"][0]["Body"],
                         "poison")
        cancel = self.cli("cancel-message-move-task", "--task-handle", handle)
        self.assertEqual(cancel.returncode, self.failed_exit_code())
        self.assertIn("UnsupportedOperation", cancel.stderr)


class OffstageQueueCommandsTest(harness.DaemonTestCase):
    def offstage(self, *args):
        return run_cli(*args, "--endpoint", self.endpoint)

    def test_send_receive_and_list(self):
        sqs = harness.boto3_client("sqs", self.endpoint)
        self.addCleanup(sqs.close)
        url = sqs.create_queue(QueueName="own-q")["QueueUrl"]
        sent = self.offstage("send", "own-q", "hello queue", "--attribute", "kind=greeting",
                             "--attribute", "n=3:Number")
        self.assertEqual(sent.returncode, 0, sent.stderr)
        message_id = sent.stdout.strip()
        listed = self.offstage("queues")
        self.assertEqual(listed.returncode, 0, listed.stderr)
        self.assertIn("own-q  1 visible, 0 in flight, 0 delayed", listed.stdout)
        got = self.offstage("receive", url, "--delete", "--format", "json")
        self.assertEqual(got.returncode, 0, got.stderr)
        messages = json.loads(got.stdout)["messages"]
        self.assertEqual([m["message_id"] for m in messages], [message_id])
        self.assertEqual(messages[0]["body"], "hello queue")
        self.assertEqual(messages[0]["message_attributes"]["n"],
                         {"DataType": "Number", "StringValue": "3"})
        self.assertTrue(messages[0]["deleted"])
        self.assertNotIn("Messages", sqs.receive_message(QueueUrl=url))
        # Text output: the body on stdout, the rest on stderr.
        self.offstage("send", "own-q", "second")
        text = self.offstage("receive", "own-q")
        self.assertEqual(text.stdout, "second\n")
        self.assertIn("1 message(s)", text.stderr)
        self.assertIn("in flight", self.offstage("queues").stdout)
        # Errors: AWS's message, exit 2.
        missing = self.offstage("send", "own-nope", "x")
        self.assertEqual(missing.returncode, 2)
        self.assertIn("The specified queue does not exist.", missing.stderr)
        fifo = sqs.create_queue(QueueName="own.fifo", Attributes={"FifoQueue": "true"})["QueueUrl"]
        no_group = self.offstage("send", fifo, "x")
        self.assertEqual(no_group.returncode, 2)
        self.assertIn("MessageGroupId", no_group.stderr)
        in_group = self.offstage("send", fifo, "x", "--group-id", "g", "--dedup-id", "d")
        self.assertEqual(in_group.returncode, 0, in_group.stderr)
        self.assertIn("sequence number", in_group.stdout)

    def test_events_generate_sqs_is_the_mapping_event(self):
        out = run_cli("events", "generate", "sqs", "--body", "hi", "--attribute", "k=v",
                      "--queue-arn", "arn:aws:sqs:eu-west-1:123456789012:q")
        self.assertEqual(out.returncode, 0, out.stderr)
        record = json.loads(out.stdout)["Records"][0]
        self.assertEqual(record["body"], "hi")
        self.assertEqual(record["md5OfBody"], "49f68a5c8493ec2c0bf489821c21fc3b")
        self.assertEqual(record["eventSource"], "aws:sqs")
        self.assertEqual(record["eventSourceARN"], "arn:aws:sqs:eu-west-1:123456789012:q")
        self.assertEqual(record["awsRegion"], "eu-west-1")
        self.assertEqual(record["messageAttributes"]["k"]["stringValue"], "v")
        self.assertEqual(len(record["md5OfMessageAttributes"]), 32)
        unknown = run_cli("events", "generate", "kafka")
        self.assertEqual(unknown.returncode, 2)
        self.assertIn("sns, sns-http, sqs, destination", unknown.stderr)

    def test_replay_dlq_moves_each_dead_letter_once(self):
        sqs = harness.boto3_client("sqs", self.endpoint)
        self.addCleanup(sqs.close)
        dlq = sqs.create_queue(QueueName="own-dlq")["QueueUrl"]
        dlq_arn = sqs.get_queue_attributes(QueueUrl=dlq,
                                           AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        src = sqs.create_queue(QueueName="own-src", Attributes={
            "VisibilityTimeout": "0",
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn,
                                         "maxReceiveCount": 1})})["QueueUrl"]
        for body in ("p1", "p2"):
            sqs.send_message(QueueUrl=src, MessageBody=body)
        for _ in range(2):
            self.assertEqual(len(sqs.receive_message(QueueUrl=src)["Messages"]), 1)
        self.assertNotIn("Messages", sqs.receive_message(QueueUrl=src))
        dry = self.offstage("replay", "dlq", "own-dlq", "--dry-run")
        self.assertEqual(dry.returncode, 0, dry.stderr)
        self.assertEqual(dry.stdout, "would move 2 message(s) from own-dlq to their source queues\n")
        done = self.offstage("replay", "dlq", "own-dlq")
        self.assertEqual(done.returncode, 0, done.stderr)
        self.assertEqual(done.stdout,
                         "moved 2 of 2 message(s) from own-dlq to their source queues: COMPLETED\n")
        back = sqs.receive_message(QueueUrl=src, MaxNumberOfMessages=10)["Messages"]
        self.assertEqual(sorted(m["Body"] for m in back), ["p1", "p2"])
        # At most once per redrive: a second replay finds nothing to move.
        again = self.offstage("replay", "dlq", "own-dlq")
        self.assertEqual(again.stdout,
                         "moved 0 of 0 message(s) from own-dlq to their source queues: COMPLETED\n")
        zero = self.offstage("replay", "dlq", "own-dlq", "--rate", "0")
        self.assertEqual(zero.returncode, 2)  # refused, not taken as "no rate"
        self.assertIn("MaxNumberOfMessagesPerSecond", zero.stderr)
        not_dlq = self.offstage("replay", "dlq", "own-src")
        self.assertEqual(not_dlq.returncode, 2)
        self.assertIn("Source queue must be configured as a Dead Letter Queue.", not_dlq.stderr)
        # A message sent to the dead-letter queue directly has no source queue: the task fails,
        # says why, and exits 1; --to moves it anyway.
        sqs.send_message(QueueUrl=dlq, MessageBody="stray")
        stray = self.offstage("replay", "dlq", "own-dlq")
        self.assertEqual(stray.returncode, 1)
        self.assertIn("FAILED", stray.stdout)
        self.assertIn("no source queue to return to", stray.stderr)
        moved = self.offstage("replay", "dlq", dlq_arn, "--to", "own-src", "--format", "json")
        self.assertEqual(moved.returncode, 0, moved.stderr)
        self.assertEqual(json.loads(moved.stdout)["moved"], 1)
        self.assertEqual(sqs.receive_message(QueueUrl=src)["Messages"][0]["Body"], "stray")


if __name__ == "__main__":
    unittest.main()

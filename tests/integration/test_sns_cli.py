"""The SNS commands of the AWS CLI (v1) against offstage: parsed JSON output, and for service
errors the exit code and the "(Code)" the CLI prints on stderr.

The CLI gets the endpoint both from AWS_ENDPOINT_URL (client_env) and --endpoint-url, since
Debian's awscli v2 ignores the variable.
"""
import json
import re
import subprocess
import unittest
import uuid

import harness

ACCOUNT = "000000000000"
LAMBDA = "arn:aws:lambda:us-east-1:%s:function:cli-fn" % ACCOUNT


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:10])


def cli_major_version():
    out = subprocess.run(["aws", "--version"], capture_output=True, text=True, timeout=60)
    match = re.search(r"aws-cli/(\d+)", out.stdout + out.stderr)
    return int(match.group(1)) if match else 1


class SnsCliTest(harness.DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = harness.client_env(cls.endpoint)
        # Service errors: v1 exits 255, v2 exits 254.
        cls.service_error_rc = 255 if cli_major_version() == 1 else 254

    def run_cli(self, *args):
        cmd = ["aws", "sns", *args, "--output", "json", "--endpoint-url", self.endpoint]
        return subprocess.run(cmd, env=self.env, capture_output=True, text=True, timeout=60)

    def aws(self, *args):
        out = self.run_cli(*args)
        self.assertEqual(out.returncode, 0, "aws sns %s failed: %s" % (args[0], out.stderr))
        return json.loads(out.stdout) if out.stdout.strip() else {}

    def aws_error(self, code, *args):
        out = self.run_cli(*args)
        self.assertEqual(out.returncode, self.service_error_rc, out.stderr)
        self.assertIn("(%s)" % code, out.stderr)
        self.assertIn("when calling the", out.stderr)
        return out.stderr

    def test_topic_lifecycle(self):
        name = unique("cli")
        arn = self.aws("create-topic", "--name", name, "--attributes", "DisplayName=Cli Topic",
                       "--tags", "Key=env,Value=dev", "Key=team,Value=a")["TopicArn"]
        self.assertEqual(arn, "arn:aws:sns:us-east-1:%s:%s" % (ACCOUNT, name))
        self.assertEqual(self.aws("create-topic", "--name", name)["TopicArn"], arn)
        listed = [t["TopicArn"] for t in self.aws("list-topics")["Topics"]]
        self.assertIn(arn, listed)
        attributes = self.aws("get-topic-attributes", "--topic-arn", arn)["Attributes"]
        self.assertEqual(attributes["DisplayName"], "Cli Topic")
        self.assertEqual(attributes["Owner"], ACCOUNT)
        self.assertEqual(attributes["SubscriptionsConfirmed"], "0")
        self.assertEqual(json.loads(attributes["Policy"])["Statement"][0]["Resource"], arn)
        self.aws("set-topic-attributes", "--topic-arn", arn, "--attribute-name", "DisplayName",
                 "--attribute-value", "Renamed")
        attributes = self.aws("get-topic-attributes", "--topic-arn", arn)["Attributes"]
        self.assertEqual(attributes["DisplayName"], "Renamed")
        self.aws("delete-topic", "--topic-arn", arn)
        self.aws("delete-topic", "--topic-arn", arn)
        self.assertNotIn(arn, [t["TopicArn"] for t in self.aws("list-topics")["Topics"]])

    def test_subscriptions(self):
        arn = self.aws("create-topic", "--name", unique("subs"))["TopicArn"]
        sub = self.aws("subscribe", "--topic-arn", arn, "--protocol", "lambda",
                       "--notification-endpoint", LAMBDA)["SubscriptionArn"]
        self.assertTrue(sub.startswith(arn + ":"), sub)
        pending = self.aws("subscribe", "--topic-arn", arn, "--protocol", "http",
                           "--notification-endpoint", "http://127.0.0.1:9/cli")
        self.assertEqual(pending["SubscriptionArn"], "pending confirmation")
        listed = self.aws("list-subscriptions-by-topic", "--topic-arn", arn)["Subscriptions"]
        self.assertEqual(sorted(s["SubscriptionArn"] for s in listed),
                         sorted([sub, "PendingConfirmation"]))
        self.assertIn(sub, [s["SubscriptionArn"] for s in
                            self.aws("list-subscriptions")["Subscriptions"]])
        self.aws("set-subscription-attributes", "--subscription-arn", sub, "--attribute-name",
                 "FilterPolicy", "--attribute-value", json.dumps({"color": ["red"]}))
        attributes = self.aws("get-subscription-attributes",
                              "--subscription-arn", sub)["Attributes"]
        self.assertEqual(attributes["Protocol"], "lambda")
        self.assertEqual(attributes["Endpoint"], LAMBDA)
        self.assertEqual(attributes["PendingConfirmation"], "false")
        self.assertEqual(json.loads(attributes["FilterPolicy"]), {"color": ["red"]})
        self.aws("unsubscribe", "--subscription-arn", sub)
        listed = self.aws("list-subscriptions-by-topic", "--topic-arn", arn)["Subscriptions"]
        self.assertEqual([s["SubscriptionArn"] for s in listed], ["PendingConfirmation"])
        self.aws_error("NotFound", "get-subscription-attributes", "--subscription-arn", sub)

    def test_publish_with_attributes_and_fifo(self):
        arn = self.aws("create-topic", "--name", unique("pub"))["TopicArn"]
        attributes = {"color": {"DataType": "String", "StringValue": "red"},
                      "n": {"DataType": "Number", "StringValue": "42"},
                      "list": {"DataType": "String.Array", "StringValue": "[\"a\",\"b\"]"},
                      "blob": {"DataType": "Binary", "BinaryValue": "AAE="}}
        out = self.aws("publish", "--topic-arn", arn, "--message", "hello", "--subject", "Hi",
                       "--message-attributes", json.dumps(attributes))
        self.assertRegex(out["MessageId"], r"^[0-9a-f-]{36}$")
        self.assertNotIn("SequenceNumber", out)
        fifo = self.aws("create-topic", "--name", unique("pub") + ".fifo", "--attributes",
                        "FifoTopic=true,ContentBasedDeduplication=true")["TopicArn"]
        first = self.aws("publish", "--topic-arn", fifo, "--message", "a",
                         "--message-group-id", "g")
        again = self.aws("publish", "--topic-arn", fifo, "--message", "a",
                         "--message-group-id", "g")
        later = self.aws("publish", "--topic-arn", fifo, "--message", "b",
                         "--message-group-id", "g", "--message-deduplication-id", "explicit")
        self.assertEqual(first["MessageId"], again["MessageId"])
        self.assertGreater(int(later["SequenceNumber"]), int(first["SequenceNumber"]))

    def test_publish_batch(self):
        arn = self.aws("create-topic", "--name", unique("batch"))["TopicArn"]
        entries = [{"Id": "e%d" % i, "Message": "m%d" % i} for i in range(10)]
        entries[0]["MessageAttributes"] = {"k": {"DataType": "String", "StringValue": "v"}}
        out = self.aws("publish-batch", "--topic-arn", arn,
                       "--publish-batch-request-entries", json.dumps(entries))
        self.assertEqual([s["Id"] for s in out["Successful"]], [e["Id"] for e in entries])
        self.assertEqual(out.get("Failed", []), [])
        self.aws_error("BatchEntryIdsNotDistinct", "publish-batch", "--topic-arn", arn,
                       "--publish-batch-request-entries",
                       json.dumps([{"Id": "a", "Message": "1"}, {"Id": "a", "Message": "2"}]))
        self.aws_error("TooManyEntriesInBatchRequest", "publish-batch", "--topic-arn", arn,
                       "--publish-batch-request-entries",
                       json.dumps([{"Id": str(i), "Message": "m"} for i in range(11)]))

    def test_tagging(self):
        arn = self.aws("create-topic", "--name", unique("tags"))["TopicArn"]
        self.aws("tag-resource", "--resource-arn", arn, "--tags", "Key=a,Value=1",
                 "Key=b,Value=2")
        tags = self.aws("list-tags-for-resource", "--resource-arn", arn)["Tags"]
        self.assertEqual(sorted((t["Key"], t["Value"]) for t in tags), [("a", "1"), ("b", "2")])
        self.aws("untag-resource", "--resource-arn", arn, "--tag-keys", "a")
        self.assertEqual(self.aws("list-tags-for-resource", "--resource-arn", arn)["Tags"],
                         [{"Key": "b", "Value": "2"}])
        self.aws_error("ResourceNotFound", "list-tags-for-resource", "--resource-arn",
                       arn + "-missing")
        self.aws_error("InvalidParameter", "tag-resource", "--resource-arn", arn, "--tags",
                       "Key=k,Value=1", "Key=k,Value=2")

    def test_errors(self):
        arn = self.aws("create-topic", "--name", unique("err"))["TopicArn"]
        stderr = self.aws_error("NotFound", "get-topic-attributes", "--topic-arn",
                                arn + "-missing")
        self.assertIn("Topic does not exist", stderr)
        stderr = self.aws_error("InvalidParameter", "publish", "--topic-arn", "foo",
                                "--message", "x")
        self.assertIn("An ARN must have at least 6 elements, not 1", stderr)
        self.aws_error("InvalidParameter", "create-topic", "--name", "bad name!")
        stderr = self.aws_error("InvalidParameter", "subscribe", "--topic-arn", arn,
                                "--protocol", "carrier-pigeon", "--notification-endpoint", "x")
        self.assertIn("does not support this protocol string: carrier-pigeon", stderr)
        stderr = self.aws_error("InvalidParameter", "set-topic-attributes", "--topic-arn", arn,
                                "--attribute-name", "Bogus", "--attribute-value", "x")
        self.assertIn("Invalid parameter: AttributeName", stderr)
        stderr = self.aws_error("InvalidParameter", "confirm-subscription", "--topic-arn", arn,
                                "--token", "not a token")
        self.assertIn("Invalid token", stderr)
        self.aws_error("ParameterValueInvalid", "publish", "--topic-arn", arn, "--message", "x",
                       "--message-attributes",
                       json.dumps({"a^b": {"DataType": "String", "StringValue": "v"}}))
        stderr = self.aws_error("InvalidParameter", "publish", "--topic-arn", arn,
                                "--message", "x", "--message-structure", "json")
        self.assertIn("Message Structure", stderr)
        out = self.run_cli("create-platform-application", "--name", "app", "--platform", "GCM",
                           "--attributes", "PlatformCredential=x")
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("CreatePlatformApplication", out.stderr)


if __name__ == "__main__":
    unittest.main()

"""A real CDK app (tests/iac/cdk-app: a topic, a Node worker subscribed with a filter policy, a
Python auditor, a queue subscribed with raw delivery and consumed by a third function through an
SQS event source), synthesized in the test by the real `cdk` CLI (aws-cdk from npm,
offline), deployed from its cloud assembly with `offstage deploy cdk.out`: the assets become
local code, both runtimes run on a publish (the queue's consumer too), the filter policy holds, and a redeploy of the app
with another allowlist updates the subscription in place. Owned by the IaC maintainers.
"""
import json
import os
import re
import subprocess
import unittest

from harness import BIN, HANG_S, REPO, Daemon, boto3_client, temp_dir, wait_for_logs

APP = os.path.join(REPO, "tests", "iac", "cdk-app")
CDK = os.path.join(APP, "node_modules", ".bin", "cdk")


def synth(out, kinds):
    env = dict(os.environ, CDK_DISABLE_VERSION_CHECK="1", CDK_DISABLE_CLI_TELEMETRY="true",
               WORKER_KINDS=kinds)
    proc = subprocess.run([CDK, "synth", "--app", "node app.js", "-o", out, "--no-notices", "-q"],
                          cwd=APP, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return out


def run(*args):
    proc = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300)
    return proc.returncode, proc.stdout, proc.stderr


class CdkAppTest(unittest.TestCase):

    def test_a_synthesized_cdk_app_deploys_runs_and_redeploys(self):
        assembly = synth(os.path.join(temp_dir(self), "cdk.out"), "order")
        with Daemon() as daemon:
            code, out, err = run("deploy", assembly, "--endpoint", daemon.endpoint)
            self.assertEqual(code, 0, out + err)
            self.assertRegex(out, r"CdkOrders: CREATE_COMPLETE  Worker[0-9A-F]{8}  "
                                  r"AWS::Lambda::Function  cdk-worker")
            self.assertRegex(out, r"CdkOrders: CREATE_COMPLETE  Auditor[0-9A-F]{8}  "
                                  r"AWS::Lambda::Function  cdk-auditor")
            self.assertRegex(out, r"CdkOrders: CREATE_COMPLETE  Jobs[0-9A-F]{8}  AWS::SQS::Queue  ")
            self.assertRegex(out, r"CdkOrders: CREATE_COMPLETE  QueueWorkerSqsEventSource"
                                  r"CdkOrdersJobs[0-9A-F]{8}[0-9A-F]{8}  "
                                  r"AWS::Lambda::EventSourceMapping  ")
            self.assertIn("CREATE_COMPLETE  CdkOrders", out)
            self.assertIn("TopicArn = arn:aws:sns:us-east-1:000000000000:cdk-orders", out)

            sns = boto3_client("sns", daemon.endpoint)
            try:
                topic = "arn:aws:sns:us-east-1:000000000000:cdk-orders"
                sns.publish(TopicArn=topic, Message="first", MessageAttributes={
                    "kind": {"DataType": "String", "StringValue": "order"}})
                self.assertIn("cdk worker: hello from cdk: first",
                              wait_for_logs(daemon.endpoint, "cdk-worker", "first"))
                self.assertIn("cdk auditor: first",
                              wait_for_logs(daemon.endpoint, "cdk-auditor", "first"))
                # Through the queue: topic -> queue (raw) -> the event source mapping.
                self.assertIn("cdk queue worker: first",
                              wait_for_logs(daemon.endpoint, "cdk-queue-worker", "first"))
                # The waterfall of that publish: both functions ran under it.
                code, out, err = run("trace", "--last", "--wait", "--timeout", str(int(HANG_S)),
                                     "--width", "120", "--endpoint", daemon.endpoint)
                self.assertEqual(code, 0, out + err)
                self.assertIn("cdk-orders  publish", out)
                self.assertIn("cdk-worker  async succeeded", out)
                self.assertIn("cdk-auditor  async succeeded", out)
                self.assertIn("cdk-queue-worker", out)
                self.assertRegex(out, r"cdk-orders returned [0-9.]+ ms before the background "
                                      r"work finished")

                # The app changes its allowlist; synthesized and deployed again.
                synth(assembly, "refund")
                code, out, err = run("deploy", assembly, "--endpoint", daemon.endpoint)
                self.assertEqual(code, 0, out + err)
                self.assertRegex(out, r"CdkOrders: UPDATE_COMPLETE  WorkerOrders[0-9A-F]{8}  "
                                      r"AWS::SNS::Subscription")
                self.assertNotRegex(out, r"(CREATE|DELETE)_COMPLETE")
                subs = sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"]
                worker = [s for s in subs if s["Endpoint"].endswith(":cdk-worker")]
                self.assertEqual(len(worker), 1, subs)
                policy = sns.get_subscription_attributes(
                    SubscriptionArn=worker[0]["SubscriptionArn"])["Attributes"]["FilterPolicy"]
                self.assertEqual(json.loads(policy), {"kind": ["refund"]})

                sns.publish(TopicArn=topic, Message="second", MessageAttributes={
                    "kind": {"DataType": "String", "StringValue": "order"}})
                self.assertIn("cdk auditor: second",
                              wait_for_logs(daemon.endpoint, "cdk-auditor", "second"))
                _, worker_logs, _ = run("logs", "cdk-worker", "--endpoint", daemon.endpoint)
                self.assertNotIn("second", worker_logs)
            finally:
                sns.close()


if __name__ == "__main__":
    unittest.main()

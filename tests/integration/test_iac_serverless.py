"""A Serverless Framework v3 service (tests/iac/sls-app/service: a topic, a Node worker with a
filter policy, a Python auditor) deployed into offstage two ways: its serverless.yml read
directly (variables from --parameter and the deploying shell's environment), and the package
the real `serverless package` (serverless 3.40.0 from npm) writes into .serverless/. Each time a
publish reaches both runtimes and the filter policy holds. Owned by the IaC maintainers.
"""
import os
import shutil
import subprocess
import unittest

from harness import BIN, HANG_S, REPO, Daemon, boto3_client, temp_dir, wait_for_logs

APP = os.path.join(REPO, "tests", "iac", "sls-app")
SLS = os.path.join(APP, "node_modules", ".bin", "serverless")


def run(*args, env=None):
    proc = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=300, env=env)
    return proc.returncode, proc.stdout, proc.stderr


class ServerlessTest(unittest.TestCase):

    def service(self):
        root = os.path.join(temp_dir(self), "service")
        shutil.copytree(os.path.join(APP, "service"), root)
        return root

    def publish_and_check(self, endpoint, stage, greeting):
        topic = "arn:aws:sns:us-east-1:000000000000:sls-orders-%s-orders" % stage
        sns = boto3_client("sns", endpoint)
        try:
            sns.publish(TopicArn=topic, Message="an order", MessageAttributes={
                "kind": {"DataType": "String", "StringValue": "order"}})
            sns.publish(TopicArn=topic, Message="a refund", MessageAttributes={
                "kind": {"DataType": "String", "StringValue": "refund"}})
        finally:
            sns.close()
        worker = "sls-orders-%s-worker" % stage
        self.assertIn("sls worker (%s): %s: an order" % (stage, greeting),
                      wait_for_logs(endpoint, worker, "an order"))
        self.assertIn("sls auditor: a refund",
                      wait_for_logs(endpoint, "sls-orders-%s-auditor" % stage, "a refund"))
        _, out, _ = run("logs", worker, "--endpoint", endpoint)
        self.assertNotIn("a refund", out)
        # The waterfall of the refund: the auditor ran under it, the worker's delivery filtered.
        code, out, err = run("trace", "--last", "--wait", "--timeout", str(int(HANG_S)),
                             "--width", "120", "--endpoint", endpoint)
        self.assertEqual(code, 0, out + err)
        self.assertIn("sls-orders-%s-orders  publish" % stage, out)
        self.assertIn("sls-orders-%s-auditor  async succeeded" % stage, out)
        self.assertIn("lambda sls-orders-%s-worker  filtered" % stage, out)

    def test_serverless_yml_read_directly(self):
        root = self.service()
        env = dict(os.environ, SLS_GREETING="hi from the shell")
        with Daemon() as daemon:
            code, out, err = run("deploy", root, "--parameter", "stage=test",
                                 "--endpoint", daemon.endpoint, env=env)
            self.assertEqual(code, 0, out + err)
            self.assertIn("CREATE_COMPLETE  WorkerLambdaFunction  AWS::Lambda::Function  "
                          "sls-orders-test-worker", out)
            self.assertIn("CREATE_COMPLETE  SNSTopicSlsorderstestorders  AWS::SNS::Topic  "
                          "arn:aws:sns:us-east-1:000000000000:sls-orders-test-orders", out)
            self.assertIn("CREATE_COMPLETE  WorkerSnsSubscriptionSlsorderstestorders", out)
            self.assertIn("ACCEPTED  IamRoleLambdaExecution  AWS::IAM::Role", out)
            self.assertIn("CREATE_COMPLETE  sls-orders-test", out)
            self.assertIn("WorkerName = sls-orders-test-worker", out)
            self.publish_and_check(daemon.endpoint, "test", "hi from the shell")

            # A variable with no value and no fallback is the framework's error.
            with open(os.path.join(root, "serverless.yml"), "a") as f:
                f.write("\nparams:\n  default:\n    missing: ${env:OFFSTAGE_NOT_SET_ANYWHERE}\n")
            code, out, err = run("deploy", root, "--endpoint", daemon.endpoint, env=env)
            self.assertEqual(code, 1, out + err)
            self.assertIn('Cannot resolve variable at "params.default.missing": Value not found '
                          'at "env" source', err)

    def test_the_package_serverless_package_writes(self):
        root = self.service()
        env = dict(os.environ, SLS_TELEMETRY_DISABLED="1", SLS_NOTIFICATIONS_MODE="off",
                   SLS_DEPRECATION_DISABLE="*", SLS_GREETING="packaged")
        proc = subprocess.run([SLS, "package"], cwd=root, env=env, capture_output=True,
                              text=True, timeout=600)
        self.assertEqual(proc.returncode, 0, proc.stdout + proc.stderr)
        package = os.path.join(root, ".serverless")
        with Daemon() as daemon:
            code, out, err = run("deploy", package, "--endpoint", daemon.endpoint)
            self.assertEqual(code, 0, out + err)
            self.assertIn("NOTE  deployed the package in %s (serverless package)" % package, out)
            self.assertIn("SKIPPED  ServerlessDeploymentBucket  AWS::S3::Bucket", out)
            self.assertIn("CREATE_COMPLETE  WorkerLambdaFunction  AWS::Lambda::Function  "
                          "sls-orders-dev-worker", out)
            self.assertRegex(out, r"CREATE_COMPLETE  WorkerLambdaVersion\w+  "
                                  r"AWS::Lambda::Version  arn:aws:lambda:us-east-1:000000000000:"
                                  r"function:sls-orders-dev-worker:1")
            self.assertIn("CREATE_COMPLETE  sls-orders-dev", out)
            self.publish_and_check(daemon.endpoint, "dev", "packaged")
            # The service's directory, with a package newer than serverless.yml, deploys it too.
            code, out, err = run("deploy", root, "--endpoint", daemon.endpoint)
            self.assertEqual(code, 0, out + err)
            self.assertIn("NOTE  deployed the package", out)
            self.assertIn("UPDATE_COMPLETE  sls-orders-dev", out)


if __name__ == "__main__":
    unittest.main()

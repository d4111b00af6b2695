"""AWS's official Node.js runtime interface client (npm aws-lambda-ric 3.3.0, with its native
Runtime API client) runs a handler against offstage's Runtime API.

The function is provided.al2023, code from a local directory: an executable `bootstrap` that
execs the RIC (path given in the function's environment as RIC_BIN) with `index.handler`.
Install the RIC with `npm install` in tests/ric.
"""
import json
import os
import shutil
import subprocess
import time
import unittest

from harness import HANG_S, BIN, REPO, DaemonTestCase, boto3_client, temp_dir
from lambda_fixtures import ROLE, fixture, function_arn, tail_log

RIC_BIN = os.path.join(REPO, "tests", "ric", "node_modules", ".bin", "aws-lambda-ric")


class RuntimeInterfaceClientTest(DaemonTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = boto3_client("lambda", cls.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.lam.close()  # an idle keep-alive connection would hold up the daemon's exit
        super().tearDownClass()

    def setUp(self):
        self.assertTrue(os.access(RIC_BIN, os.X_OK),
                        "%s is missing: run `npm install` in tests/ric" % RIC_BIN)
        code_dir = os.path.join(temp_dir(self), "ric-fn")
        shutil.copytree(fixture("ric-node"), code_dir)
        self.name = "ric-%d-%s" % (os.getpid(), self._testMethodName[-12:].replace("_", "-"))
        self.lam.create_function(
            FunctionName=self.name, Runtime="provided.al2023", Role=ROLE,
            Handler="index.handler", Timeout=10,
            Code={"S3Bucket": "hot-reload", "S3Key": code_dir},
            Environment={"Variables": {"RIC_BIN": RIC_BIN}})

    def invoke(self, event, **kwargs):
        out = self.lam.invoke(FunctionName=self.name, Payload=json.dumps(event).encode(),
                              **kwargs)
        out["Body"] = json.loads(out["Payload"].read())
        return out

    def test_sync_invocations_reuse_the_environment(self):
        first = self.invoke({"n": 1}, LogType="Tail")
        self.assertNotIn("FunctionError", first, first["Body"])
        body = first["Body"]
        self.assertEqual(body["via"], "aws-lambda-ric")
        self.assertEqual(body["event"], {"n": 1})
        self.assertEqual(body["functionName"], self.name)
        self.assertEqual(body["functionVersion"], "$LATEST")
        self.assertEqual(body["memoryLimitInMB"], "128")
        self.assertEqual(body["invokedFunctionArn"], function_arn(self.name))
        self.assertEqual(body["awsRequestId"], first["ResponseMetadata"]["RequestId"])
        self.assertEqual(body["logGroupName"], "/aws/lambda/" + self.name)
        self.assertTrue(body["logStreamName"])
        self.assertTrue(0 < body["remainingMs"] <= 10000)
        log = tail_log(first)
        self.assertIn("Init Duration", log)
        # The RIC's own console format: timestamp, request id, level, message.
        self.assertIn("\t%s\tINFO\tric handler event {\"n\":1}" % body["awsRequestId"], log)

        second = self.invoke({"n": 2}, LogType="Tail")
        self.assertNotIn("FunctionError", second, second["Body"])
        self.assertEqual(second["Body"]["event"], {"n": 2})
        self.assertEqual(second["Body"]["pid"], body["pid"], "a warm environment")
        self.assertNotIn("Init Duration", tail_log(second))
        # The process really is AWS's RIC: its launcher prints this line at start-up.
        logs = subprocess.run([BIN, "logs", self.name, "--endpoint", self.endpoint],
                              capture_output=True, text=True, timeout=10).stdout
        self.assertIn("Executing 'index.handler' in function directory", logs)

    def test_pure_javascript_client(self):
        # The RIC's fallback HTTP client (Node's http module instead of the native one).
        self.lam.update_function_configuration(
            FunctionName=self.name, Environment={"Variables": {
                "RIC_BIN": RIC_BIN, "AWS_LAMBDA_NODEJS_USE_ALTERNATIVE_CLIENT_1": "true"}})
        first = self.invoke({"n": 1})
        self.assertNotIn("FunctionError", first, first["Body"])
        second = self.invoke({"n": 2})
        self.assertEqual(second["Body"]["event"], {"n": 2})
        self.assertEqual(second["Body"]["pid"], first["Body"]["pid"])
        failed = self.invoke({"fail": "js client"})
        self.assertEqual(failed["FunctionError"], "Unhandled")
        self.assertEqual(failed["Body"]["errorMessage"], "ric failure: js client")

    def test_response_streaming(self):
        # AWS's client streams in AWS's mode (chunked, error trailers) to offstage's Runtime API.
        self.lam.update_function_configuration(FunctionName=self.name, Handler="stream.handler")
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=self.name)
        out = self.lam.invoke_with_response_stream(FunctionName=self.name, Payload=b"{}")
        events = [next(iter(e.items())) for e in out["EventStream"]]
        self.assertEqual(b"".join(v["Payload"] for n, v in events if n == "PayloadChunk"),
                         b"ric-one|ric-two")
        self.assertEqual(events[-1], ("InvokeComplete", {}))
        failed = self.lam.invoke_with_response_stream(FunctionName=self.name, LogType="Tail",
                                                      Payload=b'{"fail": true}')
        events = [next(iter(e.items())) for e in failed["EventStream"]]
        complete = events[-1][1]
        self.assertEqual(complete["ErrorCode"], "Unhandled")
        details = json.loads(complete["ErrorDetails"])
        log = __import__("base64").b64decode(complete["LogResult"]).decode()
        self.assertIn("ric stream failure", log)
        if "cannot read the error's type and message" in details["errorMessage"]:
            # cpp-httplib before trailer support (Debian 12's 0.11): the error is reported, its
            # type and message are in the log only (docs/compatibility.md).
            self.assertEqual(details["errorType"], "Unhandled")
        else:
            self.assertEqual(details["errorMessage"], "ric stream failure")

    def test_handler_error_body(self):
        out = self.invoke({"fail": "bad thing"}, LogType="Tail")
        self.assertEqual(out["StatusCode"], 200)
        self.assertEqual(out["FunctionError"], "Unhandled")
        body = out["Body"]
        self.assertEqual(body["errorType"], "TypeError")
        self.assertEqual(body["errorMessage"], "ric failure: bad thing")
        self.assertIsInstance(body["trace"], list)
        self.assertEqual(body["trace"][0], "TypeError: ric failure: bad thing")
        self.assertTrue(any("index.js" in frame for frame in body["trace"][1:]), body["trace"])
        self.assertNotIn("stackTrace", body)
        self.assertIn("Invoke Error", tail_log(out))
        # The environment survives a handler error.
        again = self.invoke({"n": 3})
        self.assertNotIn("FunctionError", again)
        self.assertEqual(again["Body"]["event"], {"n": 3})

    def test_event_invocation(self):
        marker = "ric-event-%d" % time.time_ns()
        out = self.lam.invoke(FunctionName=self.name, InvocationType="Event",
                              Payload=json.dumps({"marker": marker}).encode())
        self.assertEqual(out["StatusCode"], 202)
        deadline = time.monotonic() + HANG_S
        logs = ""
        while time.monotonic() < deadline:
            logs = subprocess.run([BIN, "logs", self.name, "--endpoint", self.endpoint],
                                  capture_output=True, text=True, timeout=10).stdout
            if marker in logs and "REPORT RequestId" in logs:
                break
            time.sleep(0.2)
        self.assertIn('ric handler event {"marker":"%s"}' % marker, logs)
        self.assertIn("START RequestId: " + out["ResponseMetadata"]["RequestId"], logs)
        self.assertIn("REPORT RequestId: " + out["ResponseMetadata"]["RequestId"], logs)


if __name__ == "__main__":
    unittest.main()

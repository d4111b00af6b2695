"""Lambda through the real AWS CLI v1 (`aws lambda ...`), against one offstage daemon.

Each command gets both AWS_ENDPOINT_URL and --endpoint-url. CLI v1 sends --payload as given
(it has no --cli-binary-format option, which is CLI v2 only), and exits with 255 on a service
error, printing "An error occurred (<Code>) when calling the <Operation> operation: <message>".
"""
import base64
import hashlib
import json
import os
import subprocess
import unittest

from harness import DaemonTestCase, client_env, temp_dir
from lambda_fixtures import ROLE, function_arn, zip_fixture


class LambdaCliTest(DaemonTestCase):

    counter = 0

    def unique(self, prefix):
        LambdaCliTest.counter += 1
        return "%s-%d-%d" % (prefix, os.getpid(), LambdaCliTest.counter)

    def aws(self, *args, check=True, env_extra=None):
        env = client_env(self.endpoint)
        env.update(env_extra or {})
        proc = subprocess.run(["aws", "lambda", *args, "--endpoint-url", self.endpoint],
                              capture_output=True, text=True, env=env, timeout=60)
        if check:
            self.assertEqual(proc.returncode, 0, "aws lambda %s failed:\n%s" % (args, proc.stderr))
        return proc

    def aws_json(self, *args):
        out = self.aws(*args).stdout
        return json.loads(out) if out.strip() else {}

    def write_zip(self, fixture_name, **kwargs):
        path = os.path.join(temp_dir(self), "code.zip")
        data = zip_fixture(fixture_name, **kwargs)
        with open(path, "wb") as f:
            f.write(data)
        return path, data

    def create(self, prefix, fixture_name="node-cjs"):
        name = self.unique(prefix)
        path, data = self.write_zip(fixture_name)
        out = self.aws_json("create-function", "--function-name", name, "--runtime", "nodejs20.x",
                            "--role", ROLE, "--handler", "index.handler",
                            "--zip-file", "fileb://" + path)
        return name, out, data

    def assertServiceError(self, proc, code, operation, message=None):
        self.assertEqual(proc.returncode, 255, proc.stderr)
        expected = "An error occurred (%s) when calling the %s operation" % (code, operation)
        self.assertIn(expected, proc.stderr)
        if message is not None:
            self.assertIn(message, proc.stderr)

    def test_create_wait_get_list_delete(self):
        name, created, data = self.create("life")
        self.assertEqual(created["FunctionArn"], function_arn(name))
        self.assertEqual(created["CodeSize"], len(data))
        self.assertEqual(created["CodeSha256"],
                         base64.b64encode(hashlib.sha256(data).digest()).decode())
        self.aws("wait", "function-active", "--function-name", name)
        self.aws("wait", "function-active-v2", "--function-name", name)
        got = self.aws_json("get-function", "--function-name", name)
        self.assertEqual(got["Configuration"]["State"], "Active")
        self.assertEqual(got["Configuration"]["Handler"], "index.handler")
        listed = self.aws_json("list-functions")
        self.assertIn(name, [f["FunctionName"] for f in listed["Functions"]])
        # --max-items is the CLI's own pagination: it hands back a NextToken.
        other, _, _ = self.create("life2")
        page = self.aws_json("list-functions", "--max-items", "1")
        self.assertEqual(len(page["Functions"]), 1)
        self.assertIn("NextToken", page)
        rest = self.aws_json("list-functions", "--starting-token", page["NextToken"])
        self.assertNotIn(page["Functions"][0]["FunctionName"],
                         [f["FunctionName"] for f in rest["Functions"]])
        self.aws("delete-function", "--function-name", other)
        # botocore's model binds DeleteFunction's StatusCode to the HTTP status (204).
        self.assertEqual(self.aws_json("delete-function", "--function-name", name),
                         {"StatusCode": 204})
        self.assertServiceError(self.aws("get-function", "--function-name", name, check=False),
                                "ResourceNotFoundException", "GetFunction",
                                "Function not found: " + function_arn(name))

    def test_invoke_with_payload_and_tail(self):
        name, _, _ = self.create("inv")
        out_file = os.path.join(temp_dir(self), "out.json")
        meta = self.aws_json("invoke", "--function-name", name, "--payload", '{"a": 1}',
                             "--log-type", "Tail", out_file)
        self.assertEqual(meta["StatusCode"], 200)
        self.assertEqual(meta["ExecutedVersion"], "$LATEST")
        self.assertNotIn("FunctionError", meta)
        log = base64.b64decode(meta["LogResult"]).decode()
        self.assertIn("START RequestId:", log)
        self.assertIn("END RequestId:", log)
        self.assertIn("REPORT RequestId:", log)
        self.assertIn('cjs handler got {"a":1}', log)
        with open(out_file) as f:
            body = json.load(f)
        self.assertEqual(body["event"], {"a": 1})
        self.assertEqual(body["functionName"], name)
        self.assertIn("START RequestId: %s " % body["awsRequestId"], log)

    def test_invoke_event_and_function_error(self):
        name, _, _ = self.create("err", "node-throws")
        out_file = os.path.join(temp_dir(self), "out.json")
        meta = self.aws_json("invoke", "--function-name", name, "--payload", '{"reason": "cli"}',
                             out_file)
        self.assertEqual(meta["StatusCode"], 200)
        self.assertEqual(meta["FunctionError"], "Unhandled")
        with open(out_file) as f:
            body = json.load(f)
        self.assertEqual(body["errorType"], "Error")
        self.assertEqual(body["errorMessage"], "boom: cli")
        event = self.aws_json("invoke", "--function-name", name, "--invocation-type", "Event",
                              "--payload", "{}", out_file)
        self.assertEqual(event, {"StatusCode": 202})

    def test_update_function_code(self):
        name, _, _ = self.create("upd", "node-env")
        out_file = os.path.join(temp_dir(self), "out.json")
        self.aws("invoke", "--function-name", name, out_file)
        with open(out_file) as f:
            self.assertEqual(json.load(f)["version"], "v1")
        path, data = self.write_zip("node-env", replace=[("'v1'", "'v2'")])
        updated = self.aws_json("update-function-code", "--function-name", name,
                                "--zip-file", "fileb://" + path)
        self.assertEqual(updated["CodeSha256"],
                         base64.b64encode(hashlib.sha256(data).digest()).decode())
        self.aws("wait", "function-updated", "--function-name", name)
        self.aws("invoke", "--function-name", name, out_file)
        with open(out_file) as f:
            self.assertEqual(json.load(f)["version"], "v2")

    # ---- errors: exit status 255 and the service's error code on stderr ----

    def test_error_not_found(self):
        proc = self.aws("invoke", "--function-name", "missing-fn", "--payload", "{}",
                        os.path.join(temp_dir(self), "out.json"), check=False)
        self.assertServiceError(proc, "ResourceNotFoundException", "Invoke",
                                "Function not found: " + function_arn("missing-fn"))

    def test_error_conflict(self):
        name, _, _ = self.create("conf")
        path, _ = self.write_zip("node-cjs")
        proc = self.aws("create-function", "--function-name", name, "--runtime", "nodejs20.x",
                        "--role", ROLE, "--handler", "index.handler",
                        "--zip-file", "fileb://" + path, check=False)
        self.assertServiceError(proc, "ResourceConflictException", "CreateFunction",
                                "Function already exist: " + name)

    def test_error_payload_not_json(self):
        name, _, _ = self.create("badjson")
        proc = self.aws("invoke", "--function-name", name, "--payload", "{not json",
                        os.path.join(temp_dir(self), "out.json"), check=False)
        self.assertServiceError(proc, "InvalidRequestContentException", "Invoke",
                                "Could not parse request body into json")

    def test_error_reserved_variable(self):
        path, _ = self.write_zip("node-cjs")
        proc = self.aws("create-function", "--function-name", self.unique("resv"),
                        "--runtime", "nodejs20.x", "--role", ROLE, "--handler", "index.handler",
                        "--zip-file", "fileb://" + path,
                        "--environment", "Variables={AWS_REGION=eu-west-1}", check=False)
        self.assertServiceError(proc, "InvalidParameterValueException", "CreateFunction",
                                "Reserved keys used in this request: AWS_REGION")

    def test_error_throttled(self):
        name, _, _ = self.create("thr")
        self.aws("put-function-concurrency", "--function-name", name,
                 "--reserved-concurrent-executions", "0")
        proc = self.aws("invoke", "--function-name", name, "--payload", "{}",
                        os.path.join(temp_dir(self), "out.json"), check=False,
                        env_extra={"AWS_MAX_ATTEMPTS": "1"})
        self.assertServiceError(proc, "TooManyRequestsException", "Invoke", "Rate Exceeded.")


if __name__ == "__main__":
    unittest.main()

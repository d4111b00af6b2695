"""Lambda control plane and Invoke through boto3, against one offstage daemon.

The client finds the daemon only through AWS_ENDPOINT_URL (harness.boto3_client). Expected
values are AWS's behaviour (wire reference §4); where offstage differs the test still asserts
AWS's behaviour. Handlers live in tests/fixtures/functions/.
"""
import base64
import hashlib
import json
import os
import subprocess
import threading
import time
import unittest

import botocore.exceptions
from botocore.config import Config

from harness import HANG_S, BIN, AwsClientsTestCase, client_env
from lambda_fixtures import ROLE, function_arn, tail_log, zip_files, zip_fixture


def payload(response):
    return json.loads(response["Payload"].read())


class LambdaBoto3Test(AwsClientsTestCase):

    def create(self, prefix, fixture_name, handler="index.handler", runtime="nodejs20.x", **extra):
        name = self.unique(prefix)
        self.lam.create_function(FunctionName=name, Runtime=runtime, Role=ROLE, Handler=handler,
                                 Code={"ZipFile": zip_fixture(fixture_name)}, **extra)
        return name

    def invoke(self, name, event=None, **kwargs):
        body = json.dumps(event if event is not None else {}).encode()
        return self.lam.invoke(FunctionName=name, Payload=body, **kwargs)

    def log_lines(self, name, until_report_of, timeout=HANG_S):
        """`offstage logs NAME --format json`, parsed, once the REPORT line of the invocation
        `until_report_of` is in (the deadline only bounds a hang)."""
        deadline = time.monotonic() + timeout
        while True:
            out = subprocess.run([BIN, "logs", name, "--endpoint", self.endpoint, "--format",
                                  "json"], capture_output=True, text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            lines = [json.loads(line) for line in out.stdout.splitlines() if line.strip()]
            if any(line["request_id"] == until_report_of and line["text"].startswith("REPORT ")
                   for line in lines):
                return lines
            self.assertLess(time.monotonic(), deadline, lines)
            time.sleep(0.1)

    # ---- create / get / list / update / delete ----

    def test_create_from_zip_reports_the_configuration(self):
        name = self.unique("cfg")
        zip_bytes = zip_fixture("node-cjs")
        out = self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                       Handler="index.handler", Code={"ZipFile": zip_bytes})
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(out["FunctionName"], name)
        self.assertEqual(out["FunctionArn"], function_arn(name))
        self.assertEqual(out["Runtime"], "nodejs20.x")
        self.assertEqual(out["Handler"], "index.handler")
        self.assertEqual(out["Role"], ROLE)
        self.assertEqual(out["CodeSize"], len(zip_bytes))
        self.assertEqual(out["CodeSha256"],
                         base64.b64encode(hashlib.sha256(zip_bytes).digest()).decode())
        self.assertEqual(out["Version"], "$LATEST")
        self.assertEqual(out["Timeout"], 3)
        self.assertEqual(out["MemorySize"], 128)
        self.assertEqual(out["PackageType"], "Zip")
        self.assertEqual(out["Architectures"], ["x86_64"])
        self.assertRegex(out["LastModified"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")
        conf = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(conf["State"], "Active")
        self.assertEqual(conf["LastUpdateStatus"], "Successful")
        self.assertEqual(conf["CodeSha256"], out["CodeSha256"])
        # The waiters poll GetFunction's State / LastUpdateStatus.
        self.lam.get_waiter("function_active_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 3})
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 3})

    def test_get_function_and_delete(self):
        name = self.create("get", "node-cjs", Tags={"team": "a"})
        got = self.lam.get_function(FunctionName=name)
        self.assertEqual(got["Configuration"]["FunctionArn"], function_arn(name))
        self.assertEqual(got["Configuration"]["State"], "Active")
        self.assertIn("Location", got["Code"])
        self.assertEqual(got["Tags"], {"team": "a"})
        by_arn = self.lam.get_function_configuration(FunctionName=function_arn(name))
        self.assertEqual(by_arn["FunctionName"], name)
        deleted = self.lam.delete_function(FunctionName=name)
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertClientError(self.lam.get_function, "ResourceNotFoundException", 404,
                               "Function not found: " + function_arn(name), FunctionName=name)
        self.assertClientError(self.lam.invoke, "ResourceNotFoundException", 404,
                               FunctionName=name, Payload=b"{}")

    def test_unknown_function_is_not_found(self):
        err = self.assertClientError(self.lam.get_function_configuration,
                                     "ResourceNotFoundException", 404,
                                     "Function not found: " + function_arn("no-such-fn"),
                                     FunctionName="no-such-fn")
        self.assertEqual(err.get("Type"), "User")
        self.assertClientError(self.lam.invoke, "ResourceNotFoundException", 404,
                               "Function not found: " + function_arn("no-such-fn"),
                               FunctionName="no-such-fn", Payload=b"{}")
        self.assertClientError(self.lam.delete_function, "ResourceNotFoundException", 404,
                               FunctionName="no-such-fn")

    def test_create_twice_conflicts(self):
        name = self.create("dup", "node-cjs")
        self.assertClientError(self.lam.create_function, "ResourceConflictException", 409,
                               "Function already exist: " + name,
                               FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                               Handler="index.handler", Code={"ZipFile": zip_fixture("node-cjs")})

    def test_list_functions_pages_by_marker(self):
        prefix = self.unique("page")
        names = ["%s-%02d" % (prefix, i) for i in range(55)]
        zip_bytes = zip_fixture("node-cjs")
        for name in names:
            self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                     Handler="index.handler", Code={"ZipFile": zip_bytes})
        seen, marker, pages = [], None, 0
        while True:
            kwargs = {"MaxItems": 20}
            if marker:
                kwargs["Marker"] = marker
            page = self.lam.list_functions(**kwargs)
            pages += 1
            self.assertLessEqual(len(page["Functions"]), 20)
            seen += [f["FunctionName"] for f in page["Functions"]]
            marker = page.get("NextMarker")
            if not marker:
                break
        self.assertEqual(len(seen), len(set(seen)), "a function was listed twice")
        self.assertTrue(set(names) <= set(seen))
        self.assertGreaterEqual(pages, 3)
        # Without MaxItems a page holds at most 50.
        first = self.lam.list_functions()
        self.assertEqual(len(first["Functions"]), 50)
        self.assertIn("NextMarker", first)
        everything = [f["FunctionName"] for p in self.lam.get_paginator("list_functions").paginate()
                      for f in p["Functions"]]
        self.assertTrue(set(names) <= set(everything))

    def test_update_code_takes_effect_on_next_invoke(self):
        name = self.create("code", "node-env")
        self.assertEqual(payload(self.invoke(name))["version"], "v1")
        new_zip = zip_fixture("node-env", replace=[("'v1'", "'v2'")])
        out = self.lam.update_function_code(FunctionName=name, ZipFile=new_zip)
        self.assertEqual(out["CodeSha256"],
                         base64.b64encode(hashlib.sha256(new_zip).digest()).decode())
        self.assertEqual(out["CodeSize"], len(new_zip))
        self.lam.get_waiter("function_updated_v2").wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 3})
        self.assertEqual(payload(self.invoke(name))["version"], "v2")

    def test_update_configuration_environment_and_timeout(self):
        name = self.create("conf", "node-env")
        first = payload(self.invoke(name))
        self.assertIsNone(first["env"]["GREETING"])
        self.assertLessEqual(first["remainingMs"], 3000)
        out = self.lam.update_function_configuration(
            FunctionName=name, Timeout=10, MemorySize=256,
            Environment={"Variables": {"GREETING": "hello"}})
        self.assertEqual(out["Timeout"], 10)
        self.assertEqual(out["MemorySize"], 256)
        self.assertEqual(out["Environment"], {"Variables": {"GREETING": "hello"}})
        got = payload(self.invoke(name))
        self.assertEqual(got["env"]["GREETING"], "hello")
        self.assertEqual(got["env"]["AWS_REGION"], "us-east-1")
        self.assertEqual(got["env"]["AWS_LAMBDA_FUNCTION_NAME"], name)
        self.assertGreater(got["remainingMs"], 3000)

    # ---- invoke ----

    def test_invoke_node_cjs_with_context_fields(self):
        name = self.create("cjs", "node-cjs")
        out = self.invoke(name, {"a": 1, "b": [1, 2]})
        self.assertEqual(out["StatusCode"], 200)
        self.assertEqual(out["ExecutedVersion"], "$LATEST")
        self.assertNotIn("FunctionError", out)
        body = payload(out)
        self.assertEqual(body["kind"], "cjs")
        self.assertEqual(body["event"], {"a": 1, "b": [1, 2]})
        self.assertEqual(body["functionName"], name)
        self.assertEqual(body["functionVersion"], "$LATEST")
        self.assertEqual(body["memoryLimitInMB"], "128")
        self.assertEqual(body["invokedFunctionArn"], function_arn(name))
        self.assertEqual(body["logGroupName"], "/aws/lambda/" + name)
        # The invocation's request id is the Invoke response's x-amzn-RequestId.
        self.assertEqual(body["awsRequestId"], out["ResponseMetadata"]["RequestId"])
        self.assertTrue(0 < body["remainingMs"] <= 3000)

    def test_function_name_forms_and_qualifiers(self):
        name = self.create("qual", "node-cjs")
        arn = function_arn(name)
        for function_name, qualifier, invoked in ((arn, None, arn),
                                                  ("000000000000:function:" + name, None, arn),
                                                  (name + ":$LATEST", None, arn + ":$LATEST"),
                                                  (name, "$LATEST", arn + ":$LATEST")):
            with self.subTest(function_name=function_name, qualifier=qualifier):
                kwargs = {"Qualifier": qualifier} if qualifier else {}
                out = self.lam.invoke(FunctionName=function_name, Payload=b"{}", **kwargs)
                self.assertEqual(out["ExecutedVersion"], "$LATEST")
                self.assertEqual(payload(out)["invokedFunctionArn"], invoked)
        self.assertClientError(self.lam.invoke, "ResourceNotFoundException", 404,
                               "Function not found: %s:7" % arn,
                               FunctionName=name, Qualifier="7", Payload=b"{}")

    def test_tail_is_the_last_4_kb(self):
        name = self.create("tail4k", "node-cjs")
        out = self.invoke(name, {"pad": "x" * 10000}, LogType="Tail")
        raw = base64.b64decode(out["LogResult"])
        self.assertLessEqual(len(raw), 4096)
        self.assertGreater(len(raw), 3000)
        self.assertTrue(raw.decode().rstrip("\n").split("\n")[-1].startswith("REPORT RequestId:"))

    def test_tail_log_and_warm_reuse(self):
        name = self.create("tail", "node-cjs")
        cold = self.invoke(name, {"n": 1}, LogType="Tail")
        log = tail_log(cold)
        request_id = cold["ResponseMetadata"]["RequestId"]
        self.assertIn("START RequestId: %s Version: $LATEST" % request_id, log)
        self.assertIn("END RequestId: " + request_id, log)
        self.assertRegex(log, r"REPORT RequestId: %s\tDuration: [\d.]+ ms\tBilled Duration: \d+ ms"
                         r"\tMemory Size: 128 MB\tMax Memory Used: \d+ MB" % request_id)
        self.assertRegex(log, "\t%s\tINFO\tcjs handler got {\"n\":1}" % request_id)
        self.assertIn("Init Duration", log)
        warm = tail_log(self.invoke(name, {"n": 2}, LogType="Tail"))
        self.assertIn("REPORT RequestId:", warm)
        self.assertNotIn("Init Duration", warm)
        self.assertNotIn("LogResult", self.invoke(name, {"n": 3}))

    def test_invoke_node_esm(self):
        name = self.create("esm", "node-esm")
        body = payload(self.invoke(name, {"x": "y"}))
        self.assertEqual(body, {"kind": "esm", "event": {"x": "y"}, "functionName": name})

    def test_invoke_node_callback_waits_for_empty_event_loop(self):
        name = self.create("cb", "node-callback")
        started = time.monotonic()
        body = payload(self.invoke(name))
        self.assertEqual(body, {"kind": "callback", "waits": True})
        self.assertGreaterEqual(time.monotonic() - started, 0.45)

    def test_invoke_node_callback_without_waiting(self):
        name = self.create("cbnw", "node-callback-nowait")
        self.invoke(name)  # cold start out of the way
        out = self.invoke(name)
        self.assertEqual(payload(out), {"kind": "callback-nowait", "waits": False})
        # The answer was posted before the handler's 2 s timer fired: the invocation ended
        # (REPORT) without it. Frozen, the timer fires only when a later invocation thaws it.
        request_id = out["ResponseMetadata"]["RequestId"]
        own = [line["text"] for line in self.log_lines(name, request_id)
               if line["request_id"] == request_id]
        self.assertFalse([text for text in own if "late timer" in text], own)

    def test_invoke_python(self):
        name = self.create("py", "python-echo", handler="app.handler", runtime="python3.12")
        out = self.invoke(name, {"k": "v"}, LogType="Tail")
        body = payload(out)
        self.assertEqual(body["kind"], "python")
        self.assertEqual(body["event"], {"k": "v"})
        self.assertEqual(body["function_name"], name)
        self.assertEqual(body["function_version"], "$LATEST")
        self.assertEqual(body["memory_limit_in_mb"], "128")
        self.assertEqual(body["invoked_function_arn"], function_arn(name))
        self.assertEqual(body["aws_request_id"], out["ResponseMetadata"]["RequestId"])
        self.assertIn("python handler got {'k': 'v'}", tail_log(out))

    def test_python_handler_raises(self):
        name = self.create("pyerr", "python-raises", handler="app.handler", runtime="python3.12")
        out = self.invoke(name, {"n": 7})
        self.assertEqual(out["StatusCode"], 200)
        self.assertEqual(out["FunctionError"], "Unhandled")
        body = payload(out)
        self.assertEqual(body["errorType"], "ValueError")
        self.assertEqual(body["errorMessage"], "bad value 7")
        self.assertEqual(body["requestId"], out["ResponseMetadata"]["RequestId"])
        self.assertIsInstance(body["stackTrace"], list)

    def test_invoke_provided_runtime(self):
        name = self.create("prov", "provided-bash", handler="my.handler",
                           runtime="provided.al2023")
        for n in (1, 2):
            out = self.invoke(name, {"n": n}, LogType="Tail")
            self.assertNotIn("FunctionError", out)
            self.assertEqual(payload(out), {"kind": "provided", "handler": "my.handler",
                                            "function": name, "event": {"n": n}})
            self.assertIn("provided runtime handling " + out["ResponseMetadata"]["RequestId"],
                          tail_log(out))

    def test_node_handler_error(self):
        name = self.create("throw", "node-throws")
        out = self.invoke(name, {"reason": "bad input"}, LogType="Tail")
        self.assertEqual(out["StatusCode"], 200)
        self.assertEqual(out["FunctionError"], "Unhandled")
        body = payload(out)
        self.assertEqual(body["errorType"], "Error")
        self.assertEqual(body["errorMessage"], "boom: bad input")
        self.assertEqual(body["trace"][0], "Error: boom: bad input")
        self.assertIn("about to throw", tail_log(out))
        # The environment survives a handler error: the next call is warm.
        again = self.invoke(name, {"reason": "again"}, LogType="Tail")
        self.assertEqual(payload(again)["errorMessage"], "boom: again")
        self.assertNotIn("Init Duration", tail_log(again))

    def test_timeout(self):
        name = self.create("slow", "node-sleep", Timeout=1)
        out = self.invoke(name, {"ms": 5000}, LogType="Tail")
        request_id = out["ResponseMetadata"]["RequestId"]
        self.assertEqual(out["StatusCode"], 200)
        self.assertEqual(out["FunctionError"], "Unhandled")
        self.assertEqual(payload(out), {
            "errorType": "Sandbox.Timedout",
            "errorMessage": "RequestId: %s Error: Task timed out after 1.00 seconds" % request_id})
        log = tail_log(out)
        self.assertIn("%s Task timed out after 1.00 seconds" % request_id, log)
        self.assertIn("Status: timeout", log)
        # The timed-out environment is gone; the next invoke starts a fresh one.
        again = self.invoke(name, {"ms": 10}, LogType="Tail")
        self.assertEqual(payload(again)["slept"], 10)
        self.assertIn("Init Duration", tail_log(again))

    def test_crash_mid_invocation_then_recovers(self):
        name = self.create("exit", "node-exit")
        first_pid = payload(self.invoke(name))["pid"]
        out = self.invoke(name, {"exit": True}, LogType="Tail")
        request_id = out["ResponseMetadata"]["RequestId"]
        self.assertEqual(out["FunctionError"], "Unhandled")
        self.assertEqual(payload(out), {
            "errorType": "Runtime.ExitError",
            "errorMessage": "RequestId: %s Error: Runtime exited with error: exit status 3"
                            % request_id})
        self.assertIn("exiting with 3", tail_log(out))
        again = self.invoke(name, LogType="Tail")
        self.assertNotIn("FunctionError", again)
        self.assertNotEqual(payload(again)["pid"], first_pid)
        self.assertIn("Init Duration", tail_log(again))

    def test_import_errors(self):
        cases = [("node-missing-module", "index.handler", "nodejs20.x",
                  "Runtime.ImportModuleError", "Cannot find module 'no-such-package-offstage'"),
                 ("node-syntax-error", "index.handler", "nodejs20.x",
                  "Runtime.UserCodeSyntaxError", "SyntaxError"),
                 ("python-echo", "nomodule.handler", "python3.12", "Runtime.ImportModuleError",
                  "Unable to import module 'nomodule': No module named 'nomodule'")]
        for fixture_name, handler, runtime, error_type, text in cases:
            with self.subTest(fixture=fixture_name, handler=handler):
                name = self.create("imp", fixture_name, handler=handler, runtime=runtime)
                out = self.invoke(name)
                self.assertEqual(out["StatusCode"], 200)
                self.assertEqual(out["FunctionError"], "Unhandled")
                body = payload(out)
                self.assertEqual(body["errorType"], error_type)
                self.assertIn(text, body["errorMessage"])

    def test_bad_handler_names(self):
        cases = [("index.nothere", "Runtime.HandlerNotFound",
                  "index.nothere is undefined or not exported"),
                 ("index", "Runtime.MalformedHandlerName", "Bad handler")]
        for handler, error_type, message in cases:
            with self.subTest(handler=handler):
                name = self.create("hdl", "node-cjs", handler=handler)
                out = self.invoke(name)
                self.assertEqual(out["FunctionError"], "Unhandled")
                body = payload(out)
                self.assertEqual(body["errorType"], error_type)
                self.assertEqual(body["errorMessage"], message)

    def test_event_invocation_runs_the_handler(self):
        name = self.create("event", "node-cjs")
        marker = "evt-%d" % time.time_ns()
        out = self.invoke(name, {"marker": marker}, InvocationType="Event")
        self.assertEqual(out["StatusCode"], 202)
        self.assertEqual(out["Payload"].read(), b"")
        deadline = time.monotonic() + HANG_S
        logs = ""
        while time.monotonic() < deadline:
            logs = subprocess.run([BIN, "logs", name, "--endpoint", self.endpoint],
                                  capture_output=True, text=True, timeout=10).stdout
            if marker in logs and "REPORT RequestId" in logs:
                break
            time.sleep(0.2)
        self.assertIn('cjs handler got {"marker":"%s"}' % marker, logs)
        # The Event's request id (x-amzn-RequestId of the 202) is the invocation's.
        self.assertIn("START RequestId: " + out["ResponseMetadata"]["RequestId"], logs)

    def test_dry_run(self):
        name = self.create("dry", "node-cjs")
        out = self.invoke(name, InvocationType="DryRun")
        self.assertEqual(out["StatusCode"], 204)
        self.assertEqual(out["Payload"].read(), b"")

    def test_sync_payload_too_large(self):
        # AWS's wire code is RequestEntityTooLargeException (not the model's
        # RequestTooLargeException), e.g. "RequestEntityTooLargeException: Request must be
        # smaller than 6291456 bytes for the InvokeFunction operation" in real-AWS reports.
        name = self.create("big", "node-cjs")
        big = b'{"x":"' + b"a" * (6 * 1024 * 1024) + b'"}'
        self.assertClientError(self.lam.invoke, "RequestEntityTooLargeException", 413,
                               "Request must be smaller than 6291456 bytes for the "
                               "InvokeFunction operation", FunctionName=name, Payload=big)

    def test_event_payload_too_large(self):
        # Event invocations have a lower limit (1 MB since late 2025; 256 KB before). AWS words
        # it "<n> byte payload is too large for the Event invocation type (limit <m> bytes)".
        name = self.create("bigev", "node-cjs")
        medium = b'{"x":"' + b"a" * (1024 * 1024) + b'"}'
        err = self.assertClientError(self.lam.invoke, "RequestEntityTooLargeException", 413,
                                     FunctionName=name, Payload=medium, InvocationType="Event")
        self.assertIn("byte payload is too large for the Event invocation type",
                      err["Error"]["Message"])
        # The same payload is fine for a synchronous call.
        self.assertEqual(self.lam.invoke(FunctionName=name, Payload=medium)["StatusCode"], 200)

    def test_payload_not_json(self):
        name = self.create("notjson", "node-cjs")
        err = self.assertClientError(self.lam.invoke, "InvalidRequestContentException", 400,
                                     FunctionName=name, Payload=b"{not json")
        self.assertTrue(err["Error"]["Message"].startswith(
            "Could not parse request body into json"), err["Error"]["Message"])

    def test_payload_nested_too_deep(self):
        # Regression (issue #15): nothing downstream may recurse 20,000 levels deep.
        name = self.create("deepjson", "node-cjs")
        deep = b"[" * 20000 + b"]" * 20000
        err = self.assertClientError(self.lam.invoke, "InvalidRequestContentException", 400,
                                     FunctionName=name, Payload=deep)
        self.assertEqual(err["Error"]["Message"],
                         "Could not parse request body into json: Could not parse payload into "
                         "json: Document nesting depth exceeds the maximum allowed (1000)")
        ok = b"[" * 1000 + b"]" * 1000
        self.assertEqual(self.lam.invoke(FunctionName=name, Payload=ok)["StatusCode"], 200)

    # ---- concurrency ----

    def test_reserved_concurrency_throttles(self):
        name = self.create("thr", "node-sleep", Timeout=30)
        put = self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        self.assertEqual(put["ReservedConcurrentExecutions"], 1)
        results = []

        def call():
            try:
                results.append(payload(self.invoke(name, {"ms": 8000})))
            except botocore.exceptions.ClientError as e:
                results.append(e.response)

        # The second call goes out once the first holds the only slot (its START is logged),
        # not after a guessed delay; the first sleeps long enough that it still does.
        threads = [threading.Thread(target=call) for _ in range(2)]
        threads[0].start()
        deadline = time.monotonic() + HANG_S
        while "START RequestId" not in subprocess.run(
                [BIN, "logs", name, "--endpoint", self.endpoint], capture_output=True,
                text=True, timeout=60).stdout:
            self.assertLess(time.monotonic(), deadline, "the first call never started")
            time.sleep(0.05)
        threads[1].start()
        for t in threads:
            t.join()
        throttled = [r for r in results if "Error" in r]
        self.assertEqual(len(throttled), 1, results)
        self.assertEqual(throttled[0]["Error"]["Code"], "TooManyRequestsException")
        self.assertEqual(throttled[0]["ResponseMetadata"]["HTTPStatusCode"], 429)
        self.assertEqual(throttled[0]["Reason"],
                         "ReservedFunctionConcurrentInvocationLimitExceeded")
        successes = [r for r in results if "slept" in r]
        self.assertEqual(len(successes), 1, results)
        self.assertEqual(successes[0]["slept"], 8000)

    def test_reserved_concurrency_zero_and_get_delete(self):
        name = self.create("zero", "node-cjs")
        self.assertEqual(self.lam.get_function_concurrency(FunctionName=name)
                         .get("ReservedConcurrentExecutions"), None)
        self.lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=0)
        self.assertEqual(self.lam.get_function_concurrency(FunctionName=name)
                         ["ReservedConcurrentExecutions"], 0)
        self.assertEqual(self.lam.get_function(FunctionName=name)["Concurrency"],
                         {"ReservedConcurrentExecutions": 0})
        err = self.assertClientError(self.lam.invoke, "TooManyRequestsException", 429,
                                     FunctionName=name, Payload=b"{}")
        self.assertEqual(err["Reason"], "ReservedFunctionConcurrentInvocationLimitExceeded")
        deleted = self.lam.delete_function_concurrency(FunctionName=name)
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertIsNone(self.lam.get_function_concurrency(FunctionName=name)
                          .get("ReservedConcurrentExecutions"))
        out = self.invoke(name)
        self.assertEqual(out["StatusCode"], 200)
        # The throttled call was refused outright, never started (not queued for a slot): the
        # only invocation the function ever had is the one after the limit was lifted.
        request_id = out["ResponseMetadata"]["RequestId"]
        starts = [line["request_id"] for line in self.log_lines(name, request_id)
                  if line["text"].startswith("START ")]
        self.assertEqual(starts, [request_id])

    # ---- permissions, tags, account ----

    def test_add_get_remove_permission(self):
        name = self.create("perm", "node-cjs")
        topic = "arn:aws:sns:us-east-1:000000000000:orders"
        out = self.lam.add_permission(FunctionName=name, StatementId="sns-invoke",
                                      Action="lambda:InvokeFunction",
                                      Principal="sns.amazonaws.com", SourceArn=topic)
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 201)
        statement = json.loads(out["Statement"])
        self.assertEqual(statement, {
            "Sid": "sns-invoke", "Effect": "Allow",
            "Principal": {"Service": "sns.amazonaws.com"},
            "Action": "lambda:InvokeFunction", "Resource": function_arn(name),
            "Condition": {"ArnLike": {"AWS:SourceArn": topic}}})
        self.assertClientError(self.lam.add_permission, "ResourceConflictException", 409,
                               FunctionName=name, StatementId="sns-invoke",
                               Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
        policy = self.lam.get_policy(FunctionName=name)
        document = json.loads(policy["Policy"])
        self.assertEqual(document["Version"], "2012-10-17")
        self.assertEqual(document["Statement"], [statement])
        self.assertTrue(policy["RevisionId"])
        removed = self.lam.remove_permission(FunctionName=name, StatementId="sns-invoke")
        self.assertEqual(removed["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertClientError(self.lam.get_policy, "ResourceNotFoundException", 404,
                               FunctionName=name)
        self.assertClientError(self.lam.remove_permission, "ResourceNotFoundException", 404,
                               "No policy is associated with the given resource.",
                               FunctionName=name, StatementId="sns-invoke")
        # With a policy, an unknown statement id is named.
        self.lam.add_permission(FunctionName=name, StatementId="kept",
                                Action="lambda:InvokeFunction", Principal="sns.amazonaws.com")
        self.assertClientError(self.lam.remove_permission, "ResourceNotFoundException", 404,
                               "Statement gone is not found in resource policy.",
                               FunctionName=name, StatementId="gone")

    def test_tags(self):
        name = self.create("tags", "node-cjs")
        arn = function_arn(name)
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {})
        self.lam.tag_resource(Resource=arn, Tags={"env": "dev", "team": "x"})
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"env": "dev", "team": "x"})
        self.lam.untag_resource(Resource=arn, TagKeys=["team"])
        self.assertEqual(self.lam.list_tags(Resource=arn)["Tags"], {"env": "dev"})
        self.assertEqual(self.lam.get_function(FunctionName=name)["Tags"], {"env": "dev"})
        self.assertClientError(self.lam.list_tags, "ResourceNotFoundException", 404,
                               Resource=function_arn("no-such-tagged"))

    def test_account_settings(self):
        self.create("acct", "node-cjs")
        out = self.lam.get_account_settings()
        self.assertEqual(out["AccountLimit"]["ConcurrentExecutions"], 1000)
        self.assertIn("UnreservedConcurrentExecutions", out["AccountLimit"])
        self.assertGreaterEqual(out["AccountUsage"]["FunctionCount"], 1)
        self.assertGreater(out["AccountUsage"]["TotalCodeSize"], 0)

    # ---- bad input on create ----

    def create_args(self, **overrides):
        args = {"FunctionName": self.unique("bad"), "Runtime": "nodejs20.x", "Role": ROLE,
                "Handler": "index.handler", "Code": {"ZipFile": zip_fixture("node-cjs")}}
        args.update(overrides)
        return args

    def test_bad_zip_files(self):
        self.assertClientError(self.lam.create_function, "InvalidParameterValueException", 400,
                               "Could not unzip uploaded file. Please check your file, then try "
                               "to upload again.",
                               **self.create_args(Code={"ZipFile": b"this is not a zip file"}))
        # A traversal entry must never be written outside the function's directory. (Whether AWS
        # refuses such a zip at create time is not verified; offstage refuses it.)
        evil = zip_files({"index.js": "exports.handler = async () => 1;",
                          "../evil.js": "// escaped"})
        self.assertClientError(self.lam.create_function, "InvalidParameterValueException", 400,
                               **self.create_args(Code={"ZipFile": evil}))

    def test_zip_files_refused_with_a_400(self):
        # Issue #15: an empty ZipFile was accepted; AWS answers "non-empty zip" for it and for an
        # archive without entries.
        for empty in (b"", zip_files({})):
            self.assertClientError(self.lam.create_function, "InvalidParameterValueException", 400,
                                   "Uploaded file must be a non-empty zip",
                                   **self.create_args(Code={"ZipFile": empty}))
        # Issue #15: an entry path too long for the file system answered 500.
        long_entry = zip_files({"index.js": "exports.handler = async () => 1;",
                                "a" * 4000 + ".js": "// long"})
        self.assertClientError(self.lam.create_function, "InvalidParameterValueException", 400,
                               "Could not unzip uploaded file. Please check your file, then try "
                               "to upload again.",
                               **self.create_args(Code={"ZipFile": long_entry}))
        self.assertClientError(self.lam.create_function, "InvalidParameterValueException", 400,
                               **self.create_args(Code={"ZipFile": zip_files(
                                   {"index.js": "//", "d/" + "b" * 300: "// long component"})}))

    def test_function_names_with_dots_refused_on_create(self):
        # Issue #15: "." and ".." were accepted, their code landing outside code/<name>/.
        # CreateFunction's FunctionName pattern has no '.'; GetFunction's (namespaced) has.
        for name in (".", "..", "a.b"):
            err = self.assertClientError(self.lam.create_function, "ValidationException", 400,
                                         **self.create_args(FunctionName=name))
            self.assertIn("at 'functionName' failed to satisfy constraint: Member must satisfy "
                          "regular expression pattern", err["Error"]["Message"])
            self.assertIn("(function:)?([a-zA-Z0-9-_]+)", err["Error"]["Message"])
        kept = self.create("dots", "node-cjs")
        self.assertClientError(self.lam.delete_function, "ResourceNotFoundException", 404,
                               FunctionName="a.b")
        self.assertEqual(self.lam.get_function(FunctionName=kept)["Configuration"]["FunctionName"],
                         kept)

    def test_reserved_environment_variable(self):
        self.assertClientError(
            self.lam.create_function, "InvalidParameterValueException", 400,
            "Lambda was unable to configure your environment variables because the environment "
            "variables you have provided contains reserved keys that are currently not supported "
            "for modification. Reserved keys used in this request: AWS_REGION",
            **self.create_args(Environment={"Variables": {"AWS_REGION": "eu-west-1"}}))

    def test_invalid_runtime_and_role(self):
        # AWS answers an unknown runtime with InvalidParameterValueException (not the
        # "1 validation error detected" ValidationException of model constraints).
        err = self.assertClientError(self.lam.create_function, "InvalidParameterValueException",
                                     400, **self.create_args(Runtime="nodejs99.x"))
        self.assertTrue(err["Error"]["Message"].startswith(
            "Value nodejs99.x at 'runtime' failed to satisfy constraint: Member must satisfy "
            "enum value set"), err["Error"]["Message"])
        self.assertClientError(
            self.lam.create_function, "ValidationException", 400,
            "1 validation error detected: Value 'not-a-role' at 'role' failed to satisfy "
            "constraint: Member must satisfy regular expression pattern: "
            "arn:(aws[a-zA-Z-]*)?:iam::\\d{12}:role/?[a-zA-Z_0-9+=,.@\\-_/]+",
            **self.create_args(Role="not-a-role"))
        # A role of another account is refused as AWS refuses it (moto's recorded message).
        self.assertClientError(
            self.lam.create_function, "AccessDeniedException", 403,
            "Cross-account pass role is not allowed.",
            **self.create_args(Role="arn:aws:iam::123456789012:role/lambda-role"))
        name = self.create("role", "node-cjs")
        self.assertClientError(
            self.lam.update_function_configuration, "AccessDeniedException", 403,
            "Cross-account pass role is not allowed.",
            FunctionName=name, Role="arn:aws:iam::123456789012:role/lambda-role")
        self.assertEqual(self.lam.get_function_configuration(FunctionName=name)["Role"], ROLE)

    def test_architectures_and_ephemeral_storage_constraints(self):
        # LocalStack's real-AWS snapshots give the architectures texts; every one is a
        # ValidationException, answered before anything else about the request.
        raw = boto3_unvalidated(self.endpoint)
        self.addCleanup(raw.close)
        prefix = "1 validation error detected: "
        for architectures, rule in (
                (["x86_64", "arm64"], "Member must have length less than or equal to 1"),
                (["foo"], "Member must satisfy constraint: [Member must satisfy enum value set: "
                          "[x86_64, arm64], Member must not be null]")):
            with self.subTest(architectures=architectures):
                self.assertClientError(
                    raw.create_function, "ValidationException", 400,
                    prefix + "Value '[%s]' at 'architectures' failed to satisfy constraint: %s"
                    % (", ".join(architectures), rule),
                    **self.create_args(Architectures=architectures))
        for size, rule in ((511, "greater than or equal to 512"),
                           (10241, "less than or equal to 10240")):
            with self.subTest(size=size):
                self.assertClientError(
                    raw.create_function, "ValidationException", 400,
                    prefix + "Value '%d' at 'ephemeralStorage.size' failed to satisfy "
                    "constraint: Member must have value %s" % (size, rule),
                    **self.create_args(EphemeralStorage={"Size": size}))
        # Two violations are one answer naming both; a constraint violation comes before the
        # missing Handler (InvalidParameterValueException).
        args = self.create_args(Architectures=["foo"], EphemeralStorage={"Size": 1})
        del args["Handler"]
        err = self.assertClientError(raw.create_function, "ValidationException", 400, **args)
        message = err["Error"]["Message"]
        self.assertTrue(message.startswith("2 validation errors detected: "), message)
        self.assertIn("at 'architectures'", message)
        self.assertIn("Value '1' at 'ephemeralStorage.size'", message)
        # Nothing was created by the refused calls; valid values are kept.
        name = self.create("arch", "node-cjs", Architectures=["arm64"],
                           EphemeralStorage={"Size": 1024})
        conf = self.lam.get_function_configuration(FunctionName=name)
        self.assertEqual(conf["Architectures"], ["arm64"])
        self.assertEqual(conf["EphemeralStorage"], {"Size": 1024})

    def test_timeout_and_memory_out_of_range(self):
        # botocore itself refuses values under the model's minimum, before any request.
        for field, value in (("Timeout", 0), ("MemorySize", 64)):
            with self.assertRaises(botocore.exceptions.ParamValidationError):
                self.lam.create_function(**self.create_args(**{field: value}))
        # With client validation off the service answers with its own ValidationException.
        raw = boto3_unvalidated(self.endpoint)
        self.addCleanup(raw.close)
        for field, value, member, rule in (
                ("Timeout", 0, "timeout", "greater than or equal to 1"),
                ("MemorySize", 64, "memorySize", "greater than or equal to 128")):
            with self.subTest(field=field):
                err = self.assertClientError(raw.create_function, "ValidationException", 400,
                                             **self.create_args(**{field: value}))
                self.assertEqual(err["Error"]["Message"],
                                 "1 validation error detected: Value '%d' at '%s' failed to "
                                 "satisfy constraint: Member must have value %s"
                                 % (value, member, rule))


def boto3_unvalidated(endpoint):
    import boto3
    old = dict(os.environ)
    try:
        os.environ.update(client_env(endpoint))
        return boto3.session.Session().client(
            "lambda", config=Config(retries={"max_attempts": 1}, parameter_validation=False))
    finally:
        os.environ.clear()
        os.environ.update(old)


if __name__ == "__main__":
    unittest.main()

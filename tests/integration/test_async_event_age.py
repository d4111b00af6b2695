"""MaximumEventAgeInSeconds, for real: an Event invocation that cannot run before it is older
than the function's maximum event age (60 s, the smallest AWS allows) is discarded unrun and
sent to the OnFailure destination with condition EventAgeExceeded (wire reference §6).

The event is held back honestly: reserved concurrency 1 and a first invocation that runs for
65 s, so the held event is about 63 s old when the slot frees. This file takes over a minute,
on purpose.
"""
import json
import os
import subprocess
import time
import unittest

from harness import HANG_S, BIN, DaemonTestCase, boto3_client, temp_dir
from lambda_fixtures import ROLE, function_arn, zip_fixture
from recorder import ISO_MILLIS_Z, RecordFile, create_recorder

HOLD_MS = 65000


class AsyncEventAgeTest(DaemonTestCase):

    def test_event_older_than_the_maximum_age_goes_to_on_failure_unrun(self):
        lam = boto3_client("lambda", self.endpoint)
        self.addCleanup(lam.close)
        suffix = "%d-%d" % (os.getpid(), time.time_ns() % 100000)
        target = "age-dst-" + suffix
        record = RecordFile(temp_dir(self), target)
        create_recorder(lam, target, record)
        name = "age-" + suffix
        lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": zip_fixture("node-sleep")},
                            Timeout=90)
        lam.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=1)
        lam.put_function_event_invoke_config(
            FunctionName=name, MaximumEventAgeInSeconds=60, MaximumRetryAttempts=0,
            DestinationConfig={"OnSuccess": {"Destination": function_arn(target)},
                               "OnFailure": {"Destination": function_arn(target)}})

        def event_invoke(ms):
            out = lam.invoke(FunctionName=name, InvocationType="Event",
                             Payload=json.dumps({"ms": ms}).encode())
            self.assertEqual(out["StatusCode"], 202)
            return out["ResponseMetadata"]["RequestId"]

        holder = event_invoke(HOLD_MS)
        # The held event goes in once the holder runs and has the only slot (its START is
        # logged), not after a guessed delay; the deadline only bounds a hang.
        deadline = time.monotonic() + HANG_S
        while "START RequestId: " + holder not in subprocess.run(
                [BIN, "logs", name, "--endpoint", self.endpoint], capture_output=True,
                text=True, timeout=60).stdout:
            self.assertLess(time.monotonic(), deadline, "the holder never started")
            time.sleep(0.05)
        held = event_invoke(1)
        results = {r["event"]["requestContext"]["requestId"]: r["event"]
                   for r in record.wait_for(2, timeout=HOLD_MS / 1000 + HANG_S)}
        self.assertEqual(set(results), {holder, held})
        self.assertEqual(results[holder]["requestContext"]["condition"], "Success")
        self.assertEqual(results[holder]["responsePayload"]["slept"], HOLD_MS)
        expired = results[held]
        self.assertEqual(expired["version"], "1.0")
        self.assertRegex(expired["timestamp"], ISO_MILLIS_Z)
        self.assertEqual(expired["requestContext"], {
            "requestId": held, "functionArn": function_arn(name) + ":$LATEST",
            "condition": "EventAgeExceeded", "approximateInvokeCount": 0})
        self.assertEqual(expired["requestPayload"], {"ms": 1})
        self.assertNotIn("functionError", expired.get("responseContext", {}))


if __name__ == "__main__":
    unittest.main()

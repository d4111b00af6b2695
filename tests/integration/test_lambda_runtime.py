"""Execution environments as processes: freeze between invocations, timeouts and crashes,
the idle reaper, hot reload of a local code directory, `serve --config`, and `offstage logs`.

Processes are found through /proc: a runtime process carries AWS_LAMBDA_FUNCTION_NAME=<name>
in its environment, and its state letter in /proc/<pid>/stat is 'T' while it is stopped.
"""
import base64
import json
import os
import shutil
import socket
import subprocess
import time
import unittest

from harness import HANG_S, BIN, Daemon, DaemonTestCase, boto3_client, temp_dir
from lambda_fixtures import ROLE, fixture, function_arn, tail_log, zip_files, zip_fixture


def proc_state(pid):
    """The state letter of a process, or None once it is gone (a zombie counts as gone)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            state = f.read().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return None
    return None if state in ("Z", "X") else state


def pids_for_function(name):
    wanted = ("AWS_LAMBDA_FUNCTION_NAME=" + name).encode()
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open("/proc/%s/environ" % entry, "rb") as f:
                if wanted in f.read().split(b"\0") and proc_state(int(entry)):
                    pids.append(int(entry))
        except OSError:
            continue
    return pids


def wait_for(predicate, timeout, interval=0.05):
    """`predicate()` once it is true, or its last value after `timeout` seconds (callers pass
    tens of seconds: the deadline bounds a hang, it is not a speed requirement)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


class LambdaProcessMixin:
    counter = 0

    def unique(self, prefix):
        LambdaProcessMixin.counter += 1
        return "%s-%d-%d" % (prefix, os.getpid(), LambdaProcessMixin.counter)

    def create(self, prefix, fixture_name, **extra):
        name = self.unique(prefix)
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler",
                                 Code={"ZipFile": zip_fixture(fixture_name)}, **extra)
        return name

    def invoke(self, name, event=None, **kwargs):
        out = self.lam.invoke(FunctionName=name, Payload=json.dumps(event or {}).encode(),
                              **kwargs)
        out["Body"] = json.loads(out["Payload"].read())
        return out


class FreezeOnTest(LambdaProcessMixin, DaemonTestCase):
    """The default daemon: idle environments are stopped (SIGSTOP) between invocations."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = boto3_client("lambda", cls.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.lam.close()  # an idle keep-alive connection would hold up the daemon's exit
        super().tearDownClass()

    def test_counter_does_not_advance_while_frozen(self):
        name = self.create("frz", "node-freeze")
        first = self.invoke(name)["Body"]
        time.sleep(1.0)
        second = self.invoke(name)["Body"]
        self.assertEqual(first["pid"], second["pid"], "the same warm environment")
        # Twenty 50 ms ticks would fit in the idle second; a frozen environment runs none.
        self.assertLessEqual(second["counter"] - first["counter"], 5, (first, second))

    def test_idle_process_is_stopped(self):
        name = self.create("stat", "node-freeze")
        pid = self.invoke(name)["Body"]["pid"]
        self.assertEqual(pids_for_function(name), [pid])
        self.assertEqual(wait_for(lambda: proc_state(pid) == "T", HANG_S), True,
                         "state is %r, not T (stopped)" % proc_state(pid))
        # Thawed for the next invocation, then stopped again.
        self.assertEqual(self.invoke(name)["Body"]["pid"], pid)
        self.assertTrue(wait_for(lambda: proc_state(pid) == "T", HANG_S))

    def create_inline(self, prefix, source, **extra):
        name = self.unique(prefix)
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler",
                                 Code={"ZipFile": zip_files({"index.js": source})}, **extra)
        return name

    def test_oversized_response_is_response_size_too_large(self):
        # Issue #15: a 100 MB response ended as Runtime.ExitError (the HTTP layer dropped it).
        name = self.create_inline("big", "exports.handler = async () => 'x'.repeat(100 * 1024 * 1024);",
                                  MemorySize=1024, Timeout=60)
        out = self.invoke(name)
        self.assertEqual(out["FunctionError"], "Unhandled")
        self.assertEqual(out["Body"]["errorType"], "Function.ResponseSizeTooLarge", out["Body"])

    def test_a_line_without_newline_is_split(self):
        # Issue #15: output without a newline was re-scanned from its start after every read and
        # held whole. A 600 KiB line arrives as 256 KiB pieces (CloudWatch Logs' event limit), and
        # the tail kept for the invocation stays within its 256 KiB bound.
        # Python writes to its stdout pipe blocking (Node's writes to a pipe are asynchronous,
        # and a frozen environment holds them until its next invocation).
        name = self.unique("line")
        self.lam.create_function(
            FunctionName=name, Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": zip_files({"app.py": (
                "import sys\n"
                "def handler(event, context):\n"
                "    sys.stdout.write('y' * (600 * 1024))\n"
                "    sys.stdout.write('\\nafter\\n')\n"
                "    sys.stdout.flush()\n"
                "    return 'ok'\n")})})
        out = self.lam.invoke(FunctionName=name, Payload=b"{}", LogType="Tail")
        self.assertEqual(json.loads(out["Payload"].read()), "ok")
        tail = base64.b64decode(out["LogResult"]).decode()
        self.assertLessEqual(len(tail), 4096)  # LogType=Tail: the last 4 KB, as AWS
        # The stored lines: the 600 KiB line as pieces of at most 256 KiB, none lost, in order,
        # then the line written after it.
        stored = subprocess.run([BIN, "logs", name, "--endpoint", self.endpoint, "--format",
                                 "json"], capture_output=True, text=True, timeout=60)
        self.assertEqual(stored.returncode, 0, stored.stderr)
        texts = [json.loads(line)["text"] for line in stored.stdout.splitlines() if line.strip()]
        pieces = [len(t) for t in texts if t and set(t) == {"y"}]
        self.assertGreaterEqual(len(pieces), 3, pieces)
        self.assertTrue(all(n <= 256 * 1024 for n in pieces), pieces)
        self.assertEqual(sum(pieces), 600 * 1024)
        self.assertIn("after", texts)

    def test_timeout_kills_the_process(self):
        name = self.create("tmo", "node-sleep", Timeout=1)
        pid = self.invoke(name, {"ms": 10})["Body"]["pid"]
        out = self.invoke(name, {"ms": 5000})
        self.assertEqual(out["FunctionError"], "Unhandled")
        self.assertEqual(out["Body"]["errorType"], "Sandbox.Timedout")
        self.assertTrue(wait_for(lambda: proc_state(pid) is None, HANG_S),
                        "pid %d still there (%s) after the timeout" % (pid, proc_state(pid)))
        self.assertEqual(pids_for_function(name), [])
        again = self.invoke(name, {"ms": 10})
        self.assertNotEqual(again["Body"]["pid"], pid)

    def test_crashed_environment_is_replaced(self):
        name = self.create("crash", "node-exit")
        pid = self.invoke(name)["Body"]["pid"]
        out = self.invoke(name, {"exit": True})
        self.assertEqual(out["Body"]["errorType"], "Runtime.ExitError")
        self.assertTrue(wait_for(lambda: proc_state(pid) is None, HANG_S))
        again = self.invoke(name, LogType="Tail")
        self.assertNotIn("FunctionError", again)
        self.assertNotEqual(again["Body"]["pid"], pid)
        self.assertIsNotNone(proc_state(again["Body"]["pid"]))
        self.assertIn("Init Duration", tail_log(again))

    def test_hot_reload_of_a_local_directory(self):
        code_dir = os.path.join(temp_dir(self), "fn")
        shutil.copytree(fixture("node-env"), code_dir)
        name = self.unique("hot")
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler",
                                 Code={"S3Bucket": "hot-reload", "S3Key": code_dir})
        self.assertEqual(self.invoke(name)["Body"]["version"], "v1")
        self.assertEqual(self.invoke(name)["Body"]["version"], "v1")
        source = os.path.join(code_dir, "index.js")
        with open(source) as f:
            text = f.read()
        time.sleep(0.6)
        with open(source, "w") as f:
            f.write(text.replace("'v1'", "'v2'"))
        self.assertEqual(self.invoke(name)["Body"]["version"], "v2")

    def test_logs_command(self):
        name = self.create("logs", "node-cjs")
        out = self.invoke(name, {"marker": "log-me"})
        request_id = out["ResponseMetadata"]["RequestId"]
        text = subprocess.run([BIN, "logs", name, "--endpoint", self.endpoint, "--since", "10m"],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(text.returncode, 0, text.stderr)
        self.assertIn("START RequestId: %s Version: $LATEST" % request_id, text.stdout)
        self.assertIn("END RequestId: " + request_id, text.stdout)
        self.assertIn("REPORT RequestId: " + request_id, text.stdout)
        self.assertIn("\t%s\tINFO\tcjs handler got {\"marker\":\"log-me\"}" % request_id,
                      text.stdout)
        as_json = subprocess.run([BIN, "logs", name, "--endpoint", self.endpoint,
                                  "--format", "json"], capture_output=True, text=True, timeout=10)
        self.assertEqual(as_json.returncode, 0, as_json.stderr)
        lines = [json.loads(line) for line in as_json.stdout.splitlines() if line.strip()]
        self.assertGreaterEqual(len(lines), 4)
        handler_lines = [line for line in lines if "cjs handler got" in line["text"]]
        self.assertEqual(len(handler_lines), 1)
        self.assertEqual(handler_lines[0]["request_id"], request_id)
        self.assertTrue(any(line["text"].startswith("REPORT RequestId: " + request_id)
                            for line in lines))

    def test_logs_command_without_a_daemon(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        proc = subprocess.run([BIN, "logs", "anything", "--endpoint",
                               "http://127.0.0.1:%d" % port],
                              capture_output=True, text=True, timeout=10)
        self.assertEqual(proc.returncode, 2)
        self.assertIn("no daemon answers at http://127.0.0.1:%d" % port, proc.stderr)


class FreezeOffTest(LambdaProcessMixin, DaemonTestCase):
    daemon_args = ("--no-freeze",)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = boto3_client("lambda", cls.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.lam.close()  # an idle keep-alive connection would hold up the daemon's exit
        super().tearDownClass()

    def test_counter_advances_while_idle(self):
        name = self.create("nofrz", "node-freeze")
        first = self.invoke(name)["Body"]
        # Twenty 50 ms ticks per idle second if it runs; a frozen environment would gain at
        # most one overdue tick per thawing invocation. Polled once a second until ten ticks
        # and more than two per poll have passed (the deadline only bounds a hang).
        deadline = time.monotonic() + HANG_S
        polls = 0
        while True:
            time.sleep(1.0)
            second = self.invoke(name)["Body"]
            polls += 1
            ticks = second["counter"] - first["counter"]
            if ticks >= 10 and ticks > 2 * polls:
                break
            self.assertLess(time.monotonic(), deadline, (first, second, polls))
        self.assertEqual(first["pid"], second["pid"])
        self.assertIn(proc_state(second["pid"]), ("S", "R"))


class IdleReaperTest(LambdaProcessMixin, DaemonTestCase):
    daemon_args = ("--idle-timeout", "2")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = boto3_client("lambda", cls.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.lam.close()  # an idle keep-alive connection would hold up the daemon's exit
        super().tearDownClass()

    def test_idle_environment_is_stopped(self):
        name = self.create("idle", "node-freeze")
        out = self.invoke(name, LogType="Tail")
        self.assertIn("Init Duration", tail_log(out))
        pid = out["Body"]["pid"]
        started = time.monotonic()
        self.assertIsNotNone(proc_state(pid))
        self.assertTrue(wait_for(lambda: proc_state(pid) is None, HANG_S, interval=0.1),
                        "the idle environment was not stopped")
        self.assertGreaterEqual(time.monotonic() - started, 1.5)
        again = self.invoke(name, LogType="Tail")
        self.assertNotEqual(again["Body"]["pid"], pid)
        self.assertIn("Init Duration", tail_log(again), "the next invoke is a cold start")


class ConfigFileTest(unittest.TestCase):

    def test_config_creates_resources_once(self):
        root = temp_dir(self)
        shutil.copytree(fixture("node-cjs"), os.path.join(root, "worker"))
        config = {
            "functions": [{"name": "cfg-worker", "runtime": "nodejs20.x",
                           "handler": "index.handler", "code": "./worker",
                           "environment": {"STAGE": "local"}, "timeout": 5, "memory": 256}],
            "topics": [{"name": "cfg-jobs"}],
            "subscriptions": [{"topic": "cfg-jobs", "protocol": "lambda",
                               "endpoint": "cfg-worker"}],
        }
        config_path = os.path.join(root, "offstage.json")
        with open(config_path, "w") as f:
            json.dump(config, f)
        data_dir = os.path.join(root, "data")
        topic_arn = "arn:aws:sns:us-east-1:000000000000:cfg-jobs"

        for attempt in (1, 2):
            daemon = Daemon("--config", config_path, data_dir=data_dir).start()
            lam = boto3_client("lambda", daemon.endpoint)
            sns = boto3_client("sns", daemon.endpoint)
            try:
                conf = lam.get_function_configuration(FunctionName="cfg-worker")
                self.assertEqual(conf["FunctionArn"], function_arn("cfg-worker"))
                self.assertEqual(conf["Timeout"], 5)
                self.assertEqual(conf["MemorySize"], 256)
                self.assertEqual(conf["Environment"], {"Variables": {"STAGE": "local"}})
                names = [f["FunctionName"] for f in lam.list_functions()["Functions"]]
                self.assertEqual(names.count("cfg-worker"), 1, names)
                topics = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
                self.assertEqual(topics.count(topic_arn), 1, topics)
                subs = sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]
                self.assertEqual(len(subs), 1, "attempt %d: %s" % (attempt, subs))
                self.assertEqual(subs[0]["Protocol"], "lambda")
                self.assertEqual(subs[0]["Endpoint"], function_arn("cfg-worker"))
                out = lam.invoke(FunctionName="cfg-worker", Payload=b'{"n": 1}')
                self.assertEqual(json.loads(out["Payload"].read())["event"], {"n": 1})
            finally:
                lam.close()
                sns.close()
                code = daemon.stop()
            self.assertEqual(code, 0, "".join(daemon.output))

    def test_config_nested_too_deep_stops_the_daemon_cleanly(self):
        # Regression (issue #15): a FilterPolicy object nested 20,000 deep in --config was a
        # SIGSEGV at start; now the daemon refuses the file with the reason and exits 2.
        root = temp_dir(self)
        config_path = os.path.join(root, "offstage.json")
        with open(config_path, "w") as f:
            f.write('{"topics": [{"name": "deep"}], "subscriptions": [{"topic": "deep", '
                    '"protocol": "http", "endpoint": "http://127.0.0.1:9/", '
                    '"attributes": {"FilterPolicy": ' + '{"a":' * 20000 + '["b"]' + "}" * 20000 +
                    "}}]}")
        proc = subprocess.run([BIN, "serve", "--port", "0", "--ephemeral", "--config", config_path],
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=60)
        self.assertEqual(proc.returncode, 2, proc.stdout[-2000:])  # a start error, not a signal
        self.assertIn("Document nesting depth exceeds the maximum allowed (1000)", proc.stdout)


if __name__ == "__main__":
    unittest.main()

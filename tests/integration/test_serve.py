"""`offstage serve` tells the truth about where it listens, and the client commands about which
region and account they act in (issue: ports, regions and accounts in the CLI).

- A port already taken is refused at start: exit 2, an error naming the port, and the daemon that
  holds it keeps every request (no SO_REUSEPORT sharing).
- `--host` errors name the host.
- Every client command honours --region, then AWS_REGION, then AWS_DEFAULT_REGION, and --account;
  `functions` and `topics` say which region and account they list.
"""
import json
import os
import socket
import subprocess
import time
import unittest
import urllib.request

from harness import BIN, Daemon, DaemonTestCase, boto3_client, temp_dir
from lambda_fixtures import ROLE, zip_fixture


def serve(*args, timeout=15):
    return subprocess.run([BIN, "serve", "--ephemeral", *args], capture_output=True, text=True,
                          timeout=timeout)


class PortTest(unittest.TestCase):
    def test_a_taken_port_is_refused_and_the_first_daemon_keeps_it(self):
        with Daemon() as first:
            port = first.endpoint.rsplit(":", 1)[1]
            _, body = first.get("/_offstage/health")
            pid = json.loads(body)["pid"]
            second = serve("--port", port)
            self.assertEqual(second.returncode, 2, second.stdout + second.stderr)
            self.assertNotIn("ready on", second.stdout)
            self.assertIn("cannot listen on 127.0.0.1:%s" % port, second.stderr)
            self.assertIn("already in use", second.stderr)
            # Every request still lands on the first daemon.
            for _ in range(20):
                with urllib.request.urlopen(first.endpoint + "/_offstage/health",
                                            timeout=10) as response:
                    self.assertEqual(json.loads(response.read())["pid"], pid)

    def test_host_errors_name_the_host(self):
        out = serve("--host", "no-such-host.invalid", "--port", "0")
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("no-such-host.invalid", out.stderr)
        # An address no interface of this machine has (TEST-NET-1, never routed).
        out = serve("--host", "192.0.2.1", "--port", "0")
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertIn("192.0.2.1", out.stderr)


class StopTest(unittest.TestCase):
    def test_sigterm_stops_the_daemon_within_a_second_despite_idle_connections(self):
        """An idle keep-alive connection (an SDK's pool keeps them) must not hold the stop: it
        used to take the keep-alive timeout (2 s). The requirement itself is a time (1 s); the
        measured stop is tens of milliseconds."""
        daemon = Daemon().start()
        host, port = daemon.endpoint.rsplit("/", 1)[1].split(":")
        with socket.create_connection((host, int(port))) as conn:
            conn.sendall(b"GET /_offstage/health HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
            self.assertIn(b"200", conn.recv(4096))
            started = time.monotonic()
            code = daemon.stop(timeout=10)
            took = time.monotonic() - started
        self.assertEqual(code, 0, "".join(daemon.output))
        self.assertLess(took, 1.0, "SIGTERM took %.2f s" % took)


class RegionTest(DaemonTestCase):
    """A function and a topic in us-west-2; the daemon's default region is us-east-1."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = boto3_client("lambda", cls.endpoint, region="us-west-2")
        cls.sns = boto3_client("sns", cls.endpoint, region="us-west-2")
        cls.lam.create_function(FunctionName="west-fn", Runtime="python3.12", Role=ROLE,
                                Handler="app.handler",
                                Code={"ZipFile": zip_fixture("python-echo")})
        cls.topic = cls.sns.create_topic(Name="west-topic")["TopicArn"]

    @classmethod
    def tearDownClass(cls):
        cls.lam.close()
        cls.sns.close()
        super().tearDownClass()

    def cli(self, *args, **env):
        full = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        full.update(env)
        return subprocess.run([BIN, *args, "--endpoint", self.endpoint], capture_output=True,
                              text=True, timeout=60, env=full)

    def test_functions_and_topics_honour_region_flag_then_environment(self):
        for how in ({"args": ("--region", "us-west-2")},
                    {"env": {"AWS_REGION": "us-west-2"}},
                    {"env": {"AWS_DEFAULT_REGION": "us-west-2"}},
                    {"args": ("--region", "us-west-2"), "env": {"AWS_REGION": "eu-west-1"}},
                    {"env": {"AWS_REGION": "us-west-2", "AWS_DEFAULT_REGION": "eu-west-1"}}):
            with self.subTest(how=how):
                out = self.cli("functions", *how.get("args", ()), **how.get("env", {}))
                self.assertEqual(out.returncode, 0, out.stderr)
                self.assertIn("region us-west-2, account 000000000000: 1 functions", out.stdout)
                self.assertIn("west-fn", out.stdout)
                out = self.cli("topics", *how.get("args", ()), **how.get("env", {}))
                self.assertIn("region us-west-2", out.stdout)
                self.assertIn(self.topic, out.stdout)
        # Elsewhere they are not there, and the output says where it looked.
        out = self.cli("functions")
        self.assertIn("region us-east-1, account 000000000000: 0 functions", out.stdout)
        self.assertNotIn("west-fn", out.stdout)
        out = self.cli("functions", "--format", "json", "--region", "us-west-2")
        listed = json.loads(out.stdout)
        self.assertEqual((listed["region"], listed["account"]), ("us-west-2", "000000000000"))

    def test_invoke_and_publish_in_the_region(self):
        out = self.cli("invoke", "west-fn", '{"a": 1}', AWS_REGION="us-west-2")
        self.assertEqual(out.returncode, 0, out.stderr)
        answer = json.loads(out.stdout)
        self.assertEqual(answer["event"], {"a": 1})
        self.assertIn(":us-west-2:", answer["invoked_function_arn"])
        out = self.cli("invoke", "west-fn", '{"a": 1}')
        self.assertNotEqual(out.returncode, 0)
        self.assertIn("west-fn", out.stderr)
        out = self.cli("publish", "west-topic", "hi", "--region", "us-west-2")
        self.assertEqual(out.returncode, 0, out.stderr)
        out = self.cli("publish", "west-topic", "hi")
        self.assertNotEqual(out.returncode, 0)

    def test_account_flag(self):
        out = self.cli("functions", "--region", "us-west-2", "--account", "111111111111")
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("region us-west-2, account 111111111111: 0 functions", out.stdout)
        out = self.cli("functions", "--account", "12")
        self.assertEqual(out.returncode, 2)


if __name__ == "__main__":
    unittest.main()

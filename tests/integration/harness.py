"""Starts a real offstage daemon for a test and points the real AWS clients at it.

Every integration test drives `build/offstage serve` (path from $OFFSTAGE_BIN) on an ephemeral
port; the daemon prints one ready line, from which the endpoint is read.
"""
import os
import re
import shutil
import signal
import subprocess
import tempfile
import threading
import time
import unittest
import urllib.error
import urllib.request

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BIN = os.environ.get("OFFSTAGE_BIN", os.path.join(REPO, "build", "offstage"))
READY = re.compile(r"ready on (http://\S+)")
# How long a test waits for something that should happen (a delivery, a retry, a log line)
# before it calls it a hang. Not a speed requirement: a busy machine starves function
# processes (nice 19, docs/architecture.md "CPU priority"), and one delivery took 18 s with
# `yes` on each core. ctest's 300 s per integration test still bounds a real hang.
HANG_S = 120.0


class Daemon:
    """One `offstage serve` process. Use as a context manager or call start()/stop()."""

    def __init__(self, *args, data_dir=None, ephemeral=None, new_session=True):
        # new_session: the daemon runs in its own session, as in a terminal of its own (with the
        # kernel's autogroup scheduling, its own CPU share against the test's processes).
        self.new_session = new_session
        self.args = list(args)
        self.data_dir = data_dir
        self.ephemeral = ephemeral if ephemeral is not None else data_dir is None
        self.proc = None
        self.endpoint = None
        self.output = []

    def start(self, timeout=30):
        cmd = [BIN, "serve", "--port", "0"]
        if self.ephemeral:
            cmd.append("--ephemeral")
        else:
            cmd += ["--data-dir", self.data_dir]
        cmd += self.args
        self.proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                     text=True, start_new_session=self.new_session)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.output.append(line)
            match = READY.search(line)
            if match:
                self.endpoint = match.group(1)
                # Keep draining the console so the daemon never blocks on a full pipe.
                threading.Thread(target=self._drain, daemon=True).start()
                return self
        self.kill()
        raise RuntimeError("offstage did not become ready: " + "".join(self.output))

    def _drain(self):
        for line in self.proc.stdout:
            self.output.append(line)

    def stop(self, sig=signal.SIGTERM, timeout=30):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise RuntimeError("offstage did not stop within %ss of %s" % (timeout, sig))
        return self.proc.returncode if self.proc else None

    def kill(self):
        """kill -9: no chance to flush anything."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def get(self, path):
        with urllib.request.urlopen(self.endpoint + path, timeout=10) as response:
            return response.status, response.read().decode()

    def get_status(self, path):
        """get(), but an HTTP error status is returned rather than raised."""
        try:
            return self.get(path)
        except urllib.error.HTTPError as err:
            return err.code, err.read().decode()


def client_env(endpoint, region="us-east-1"):
    """Environment for a client process (AWS CLI, node): only AWS_ENDPOINT_URL points it here."""
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("AWS_"):
            del env[key]
    env.update({
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",
        "AWS_DEFAULT_REGION": region,
        "AWS_REGION": region,
        "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "AWS_PAGER": "",
    })
    return env


def boto3_client(service, endpoint, region="us-east-1"):
    """A boto3 client configured only through AWS_ENDPOINT_URL, as a user would."""
    import boto3
    from botocore.config import Config
    old = dict(os.environ)
    try:
        os.environ.update(client_env(endpoint, region))
        session = boto3.session.Session()
        return session.client(service, config=Config(retries={"max_attempts": 1}))
    finally:
        os.environ.clear()
        os.environ.update(old)


class DaemonTestCase(unittest.TestCase):
    """A test class sharing one ephemeral daemon across its tests."""

    daemon_args = ()

    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon(*cls.daemon_args).start()
        cls.endpoint = cls.daemon.endpoint

    @classmethod
    def tearDownClass(cls):
        code = cls.daemon.stop()
        assert code == 0, "offstage exited with %s:\n%s" % (code, "".join(cls.daemon.output))


class AwsClientsTestCase(DaemonTestCase):
    """A shared daemon with boto3 Lambda and SNS clients (closed before the daemon stops: an
    idle keep-alive connection would hold up its exit), unique names, and AWS error checks."""

    counter = 0

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.lam = boto3_client("lambda", cls.endpoint)
        cls.sns = boto3_client("sns", cls.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.lam.close()
        cls.sns.close()
        super().tearDownClass()

    def unique(self, prefix):
        AwsClientsTestCase.counter += 1
        return "%s-%d-%d" % (prefix, os.getpid(), AwsClientsTestCase.counter)

    def assertClientError(self, call, code, status, message=None, **kwargs):
        """`call(**kwargs)` fails with AWS error `code`, HTTP `status` (and `message`)."""
        return assert_client_error(self, call, code, status, message, **kwargs)


def assert_client_error(test, call, code, status, message=None, **kwargs):
    """In `test`: `call(**kwargs)` fails with AWS error `code`, HTTP `status` (and `message`);
    the error response."""
    import botocore.exceptions
    with test.assertRaises(botocore.exceptions.ClientError) as caught:
        call(**kwargs)
    err = caught.exception.response
    test.assertEqual(err["Error"]["Code"], code, err)
    test.assertEqual(err["ResponseMetadata"]["HTTPStatusCode"], status, err)
    if message is not None:
        test.assertEqual(err["Error"]["Message"], message)
    return err


def wait_for_logs(endpoint, function, text):
    """The output of `offstage logs FUNCTION` once it holds `text` (or after HANG_S)."""
    deadline = time.monotonic() + HANG_S
    out = ""
    while time.monotonic() < deadline and text not in out:
        time.sleep(0.2)
        out = subprocess.run([BIN, "logs", function, "--endpoint", endpoint],
                             capture_output=True, text=True, timeout=60).stdout
    return out


def temp_dir(test):
    path = tempfile.mkdtemp(prefix="offstage-test-")
    test.addCleanup(shutil.rmtree, path, ignore_errors=True)
    return path

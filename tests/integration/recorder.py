"""Observing asynchronous deliveries: "recorder" functions (tests/fixtures/functions/
node-recorder and python-recorder) append every event they get as one JSON line to the file
named by their RECORD_FILE variable; the tests poll that file.

Each line is {"requestId", "functionName", "start", "end", "event"} (start/end in epoch seconds,
taken inside the handler).
"""
import json
import os
import time

from harness import HANG_S, AwsClientsTestCase, temp_dir
from lambda_fixtures import ROLE, zip_fixture

ISO_MILLIS_Z = r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$"
UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"

RUNTIMES = {
    "node": ("node-recorder", "nodejs20.x", "index.handler"),
    "python": ("python-recorder", "python3.12", "app.handler"),
}


class RecordFile:
    """The JSON lines one (or several) recorder functions append to."""

    def __init__(self, directory, name):
        self.path = os.path.join(directory, name + ".jsonl")

    def records(self):
        try:
            with open(self.path) as f:
                text = f.read()
        except FileNotFoundError:
            return []
        # A line still being written has no newline yet: leave it for the next look.
        return [json.loads(line) for line in text.split("\n")[:-1] if line.strip()]

    def wait_for(self, count, timeout=HANG_S, where=None):
        """At least `count` records (matching `where`) within `timeout` s, else AssertionError."""
        deadline = time.monotonic() + timeout
        while True:
            found = [r for r in self.records() if where is None or where(r)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError("expected %d record(s) in %s within %ss, found %d: %s"
                                     % (count, self.path, timeout, len(found), found[-3:]))
            time.sleep(0.05)

    def count_after(self, seconds, where=None):
        """How many records (matching `where`) there are once `seconds` more have passed."""
        time.sleep(seconds)
        return len([r for r in self.records() if where is None or where(r)])


def create_recorder(lam, name, record, runtime="node", env=None, **extra):
    """Creates a recorder function `name` writing to `record` (a RecordFile)."""
    fixture_name, runtime_id, handler = RUNTIMES[runtime]
    variables = {"RECORD_FILE": record.path}
    variables.update(env or {})
    lam.create_function(FunctionName=name, Runtime=runtime_id, Role=ROLE, Handler=handler,
                        Code={"ZipFile": zip_fixture(fixture_name)},
                        Environment={"Variables": variables}, **extra)
    return name


class RecorderTestCase(AwsClientsTestCase):
    """AwsClientsTestCase with a temp dir per test and recorder functions with unique names."""

    def setUp(self):
        self.dir = temp_dir(self)

    def recorder(self, prefix, runtime="node", env=None, **extra):
        """A new recorder function and its record file."""
        name = self.unique(prefix)
        record = RecordFile(self.dir, name)
        create_recorder(self.lam, name, record, runtime=runtime, env=env, **extra)
        return name, record

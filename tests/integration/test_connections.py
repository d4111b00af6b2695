"""A burst of new connections is taken at once, on the public port and on a Runtime API port.

cpp-httplib listens with a backlog of 5 (compiled into Debian's library); SYNs beyond it were
dropped and each such client waited out a 1 s retransmission (seen as 1 s Publishes in the
benchmarks). The daemon listens again with SOMAXCONN. Checked without timing anything: with
the daemon stopped (SIGSTOP), the kernel completes handshakes only for as many connections as
the listen backlog holds; a backlog of 5 lets 6 of 50 through.
"""
import json
import os
import select
import signal
import socket
import time

from harness import DaemonTestCase, boto3_client
from lambda_fixtures import ROLE, zip_fixture

BURST = 50


def established_while_stopped(pid, port):
    """How many of BURST non-blocking connects to `port` complete while `pid` is stopped."""
    socks = []
    os.kill(pid, signal.SIGSTOP)
    try:
        for _ in range(BURST):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            socks.append(s)
        deadline = time.monotonic() + 5
        done = set()
        while len(done) < BURST and time.monotonic() < deadline:
            _, writable, _ = select.select([], [s for s in socks if s not in done], [], 0.2)
            if not writable:
                break  # the rest wait for a SYN retransmission: not accepted by the backlog
            done.update(s for s in writable
                        if s.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0)
        return len(done)
    finally:
        os.kill(pid, signal.SIGCONT)
        for s in socks:
            s.close()


class ListenBacklogTest(DaemonTestCase):
    def test_public_port_takes_a_burst_of_connections(self):
        port = int(self.endpoint.rsplit(":", 1)[1])
        self.assertEqual(established_while_stopped(self.daemon.proc.pid, port), BURST)

    def test_runtime_api_port_takes_a_burst_of_connections(self):
        lam = boto3_client("lambda", self.endpoint)
        self.addCleanup(lam.close)
        lam.create_function(FunctionName="env-backlog", Runtime="nodejs20.x", Role=ROLE,
                            Handler="index.handler", Code={"ZipFile": zip_fixture("node-env")})
        out = lam.invoke(FunctionName="env-backlog",
                         Payload=json.dumps({"names": ["AWS_LAMBDA_RUNTIME_API"]}).encode())
        runtime_api = json.loads(out["Payload"].read())["env"]["AWS_LAMBDA_RUNTIME_API"]
        port = int(runtime_api.rsplit(":", 1)[1])
        self.assertEqual(established_while_stopped(self.daemon.proc.pid, port), BURST)

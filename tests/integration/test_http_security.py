"""The public port against hostile web pages and hostile HTTP (issue #15, points 2 and 7).

Browser rules: a foreign Origin, a cross-site fetch without an allowed Origin and (bound to
loopback) a foreign Host are refused with 403 before routing; allowed origins get CORS. HTTP:
pipelined requests are answered in order, a form-typed POST to a Lambda or control path is read
as JSON, slow clients do not starve others, malformed Content-Length gets 400 at once.
Raw sockets and urllib, against a real daemon; nothing here asserts a duration.
"""
import json
import select
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

from harness import HANG_S, BIN, DaemonTestCase, boto3_client
from lambda_fixtures import ROLE, zip_fixture


def address(endpoint):
    host, port = endpoint.rsplit("/", 1)[1].rsplit(":", 1)
    return host, int(port)


def connect(endpoint, timeout=30):
    sock = socket.create_connection(address(endpoint), timeout=timeout)
    return sock


def read_response(sock, buffered=b""):
    """One HTTP/1.1 response (Content-Length framed) from `sock`: (status, headers, body, rest)."""
    data = buffered
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed after %r" % data[:200])
        data += chunk
    head, data = data.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = {}
    for line in lines[1:]:
        name, value = line.split(":", 1)
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0"))
    while len(data) < length:
        chunk = sock.recv(65536)
        if not chunk:
            raise EOFError("connection closed inside a body")
        data += chunk
    return status, headers, data[:length], data[length:]


def request(endpoint, method, path, body=None, headers=None):
    """urllib request; (status, headers, body) whatever the status."""
    req = urllib.request.Request(endpoint + path, data=body, method=method,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=30) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read()


class PipeliningTest(DaemonTestCase):
    def test_pipelined_requests_are_answered_in_order(self):
        with connect(self.endpoint) as sock:
            form = b"Action=CreateTopic&Name=piped&Version=2010-03-31"
            sock.sendall(
                b"GET /_offstage/health HTTP/1.1\r\nHost: localhost\r\n\r\n"
                b"POST / HTTP/1.1\r\nHost: localhost\r\n"
                b"Content-Type: application/x-www-form-urlencoded\r\n"
                b"Content-Length: " + str(len(form)).encode() + b"\r\n\r\n" + form +
                b"GET /_offstage/topics HTTP/1.1\r\nHost: localhost\r\n\r\n")
            rest = b""
            answers = []
            for _ in range(3):
                status, headers, body, rest = read_response(sock, rest)
                answers.append((status, headers, body))
        self.assertEqual([a[0] for a in answers], [200, 200, 200])
        self.assertIn("status", json.loads(answers[0][2]))
        self.assertIn(b"<CreateTopicResponse", answers[1][2])
        self.assertIn(b"piped", answers[2][2])

    def test_a_client_that_sends_and_half_closes_still_gets_its_answer(self):
        with connect(self.endpoint) as sock:
            sock.sendall(b"GET /_offstage/health HTTP/1.1\r\nHost: localhost\r\n\r\n")
            sock.shutdown(socket.SHUT_WR)
            status, _, _, _ = read_response(sock)
        self.assertEqual(status, 200)

    def test_chunked_body_with_expect_100_continue(self):
        form = b"Action=CreateTopic&Name=chunky&Version=2010-03-31"
        with connect(self.endpoint) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nExpect: 100-continue\r\n"
                         b"Content-Type: application/x-www-form-urlencoded\r\n"
                         b"Transfer-Encoding: chunked\r\n\r\n")
            status, _, _, rest = read_response(sock)
            self.assertEqual(status, 100)
            sock.sendall(b"%x\r\n%s\r\n0\r\n\r\n" % (len(form), form))
            status, _, body, _ = read_response(sock, rest)
        self.assertEqual(status, 200)
        self.assertIn(b"chunky", body)


class ContentLengthTest(DaemonTestCase):
    def test_malformed_content_length_gets_400_at_once(self):
        for length in [b"-1", b"99999999999999999999999", b"18446744073709551616", b"12abc"]:
            with self.subTest(length=length), connect(self.endpoint) as sock:
                sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: " + length +
                             b"\r\n\r\n")
                status, headers, body, _ = read_response(sock)
                self.assertEqual(status, 400)
                self.assertIn("Content-Length", json.loads(body)["message"])
                self.assertEqual(headers.get("connection"), "close")


class FormTypedBodyTest(DaemonTestCase):
    """curl -d sends application/x-www-form-urlencoded: Lambda and control paths read JSON."""

    def test_form_typed_post_over_8_kib_to_lambda_and_control_paths(self):
        lam = boto3_client("lambda", self.endpoint)
        self.addCleanup(lam.close)
        lam.create_function(FunctionName="form-echo", Runtime="python3.12", Role=ROLE,
                            Handler="app.handler", Code={"ZipFile": zip_fixture("python-echo")})
        form = {"Content-Type": "application/x-www-form-urlencoded"}
        big = "x" * 10000
        status, _, body = request(self.endpoint, "POST",
                                  "/2015-03-31/functions/form-echo/invocations",
                                  json.dumps({"big": big}).encode(), form)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["event"], {"big": big})

        status, _, body = request(self.endpoint, "POST", "/", b"Action=CreateTopic&Name=formy",
                                  form)
        self.assertEqual(status, 200, body)
        status, _, body = request(self.endpoint, "POST", "/_offstage/publish",
                                  json.dumps({"topic": "formy", "message": big}).encode(), form)
        self.assertEqual(status, 200, body)
        self.assertIn("message_id", json.loads(body))


class SlowClientsTest(DaemonTestCase):
    SLOW = 100  # more than the 64 workers

    def test_slow_clients_do_not_starve_health(self):
        socks = [connect(self.endpoint) for _ in range(self.SLOW)]
        stop = threading.Event()

        def trickle():
            # One byte a second into every connection: never a complete head.
            while not stop.is_set():
                for s in socks:
                    try:
                        s.send(b"X")
                    except OSError:
                        pass
                stop.wait(1)

        for s in socks:
            s.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n")
        thread = threading.Thread(target=trickle, daemon=True)
        thread.start()
        try:
            with urllib.request.urlopen(self.endpoint + "/_offstage/health", timeout=20) as r:
                self.assertEqual(r.status, 200)
        finally:
            stop.set()
            thread.join()
            for s in socks:
                s.close()

    def test_a_head_that_never_completes_gets_408_and_is_closed(self):
        with connect(self.endpoint, timeout=60) as sock:
            sock.sendall(b"POST / HTTP/1.1\r\nHost: localhost\r\n")
            status, headers, _, _ = read_response(sock)
            self.assertEqual(status, 408)
            self.assertEqual(headers.get("connection"), "close")
            self.assertEqual(sock.recv(100), b"")


class ConnectionLimitTest(DaemonTestCase):
    LIMIT = 512  # per client address, ListenerOptions::max_connections_per_client
    EXTRA = 8

    def test_connections_per_client_are_bounded(self):
        socks = []
        try:
            for _ in range(self.LIMIT + self.EXTRA):
                socks.append(connect(self.endpoint))
            refused = []
            pending = list(socks)
            deadline = time.monotonic() + HANG_S
            while len(refused) < self.EXTRA and time.monotonic() < deadline:
                readable, _, _ = select.select(pending, [], [], 1)
                for s in readable:
                    pending.remove(s)
                    status, _, body, _ = read_response(s)
                    refused.append((status, json.loads(body)["message"]))
            self.assertEqual(len(refused), self.EXTRA)
            for status, message in refused:
                self.assertEqual(status, 503)
                self.assertIn("Too many connections", message)
        finally:
            for s in socks:
                s.close()
        # Closed connections are counted off: the client is served again.
        deadline = time.monotonic() + HANG_S
        while True:
            try:
                status, _, _ = request(self.endpoint, "GET", "/_offstage/health")
                if status == 200 or time.monotonic() > deadline:
                    break
            except (urllib.error.URLError, ConnectionError):
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)
        self.assertEqual(status, 200)


class BrowserRulesTest(DaemonTestCase):
    daemon_args = ("--cors-origins", "https://app.example", "--allowed-hosts", "offstage")

    def functions(self):
        status, _, body = request(self.endpoint, "GET", "/2015-03-31/functions/")
        self.assertEqual(status, 200)
        return [f["FunctionName"] for f in json.loads(body)["Functions"]]

    def topics(self):
        return json.loads(request(self.endpoint, "GET", "/_offstage/topics")[2])

    def test_foreign_origin_cannot_create_and_invoke_a_function(self):
        # A page's "simple" request: text/plain needs no preflight.
        create = json.dumps({"FunctionName": "evil", "Runtime": "python3.12", "Role": ROLE,
                             "Handler": "app.handler",
                             "Code": {"ZipFile": __import__("base64").b64encode(
                                 zip_fixture("python-echo")).decode()}}).encode()
        status, headers, body = request(
            self.endpoint, "POST", "/2015-03-31/functions", create,
            {"Content-Type": "text/plain", "Origin": "https://evil.example"})
        self.assertEqual(status, 403)
        self.assertIn("Origin 'https://evil.example' is not a loopback origin",
                      json.loads(body)["message"])
        self.assertIsNone(headers.get("Access-Control-Allow-Origin"))
        self.assertNotIn("evil", self.functions())
        status, _, _ = request(self.endpoint, "POST", "/2015-03-31/functions/evil/invocations",
                               b"{}", {"Content-Type": "text/plain", "Origin": "null"})
        self.assertEqual(status, 403)

    def test_foreign_origin_form_post_and_cross_site_get_are_refused(self):
        status, _, _ = request(self.endpoint, "POST", "/", b"Action=CreateTopic&Name=evil1",
                               {"Content-Type": "application/x-www-form-urlencoded",
                                "Origin": "https://evil.example"})
        self.assertEqual(status, 403)
        # An <img src> or a link from another site: no Origin, but marked cross-site.
        status, _, body = request(self.endpoint, "GET", "/?Action=CreateTopic&Name=evil2",
                                  headers={"Sec-Fetch-Site": "cross-site"})
        self.assertEqual(status, 403)
        self.assertIn("Sec-Fetch-Site: cross-site", json.loads(body)["message"])
        names = json.dumps(self.topics())
        self.assertNotIn("evil1", names)
        self.assertNotIn("evil2", names)
        # The same link opened directly (Sec-Fetch-Site: none) works.
        status, _, _ = request(self.endpoint, "GET", "/?Action=CreateTopic&Name=direct",
                               headers={"Sec-Fetch-Site": "none"})
        self.assertEqual(status, 200)

    def test_foreign_host_is_refused_when_bound_to_loopback(self):
        status, _, body = request(self.endpoint, "GET", "/_offstage/health",
                                  headers={"Host": "rebind.evil.example:4566"})
        self.assertEqual(status, 403)
        self.assertIn("Host 'rebind.evil.example:4566' is not a loopback name",
                      json.loads(body)["message"])
        for host in ["localhost:4566", "127.0.0.1", "offstage:4566", "[::1]:4566"]:
            with self.subTest(host=host):
                status, _, _ = request(self.endpoint, "GET", "/_offstage/health",
                                       headers={"Host": host})
                self.assertEqual(status, 200)

    def test_allowed_origins_get_cors(self):
        for origin in ["http://localhost:5173", "https://app.example"]:
            with self.subTest(origin=origin):
                status, headers, _ = request(
                    self.endpoint, "OPTIONS", "/2015-03-31/functions/x/invocations",
                    headers={"Origin": origin, "Access-Control-Request-Method": "POST",
                             "Access-Control-Request-Headers": "authorization,x-amz-date"})
                self.assertEqual(status, 204)
                self.assertEqual(headers["Access-Control-Allow-Origin"], origin)
                self.assertIn("POST", headers["Access-Control-Allow-Methods"])
                self.assertEqual(headers["Access-Control-Allow-Headers"],
                                 "authorization,x-amz-date")
                status, headers, body = request(
                    self.endpoint, "POST", "/", b"Action=ListTopics",
                    {"Origin": origin, "Sec-Fetch-Site": "cross-site",
                     "Content-Type": "application/x-www-form-urlencoded"})
                self.assertEqual(status, 200, body)
                self.assertEqual(headers["Access-Control-Allow-Origin"], origin)
                self.assertIn("x-amzn-RequestId", headers["Access-Control-Expose-Headers"])
        status, _, _ = request(self.endpoint, "OPTIONS", "/",
                               headers={"Origin": "https://evil.example",
                                        "Access-Control-Request-Method": "POST"})
        self.assertEqual(status, 403)

    def test_sdk_traffic_without_origin_is_unaffected(self):
        sns = boto3_client("sns", self.endpoint)
        self.addCleanup(sns.close)
        arn = sns.create_topic(Name="sdk-topic")["TopicArn"]
        self.assertIn(arn, [t["TopicArn"] for t in sns.list_topics()["Topics"]])


class BoundToAllAddressesTest(DaemonTestCase):
    """The container binds 0.0.0.0: service names such as offstage:4566 keep working."""

    daemon_args = ("--host", "0.0.0.0")

    def test_any_host_is_accepted_but_origin_rules_stay(self):
        endpoint = "http://127.0.0.1:%d" % address(self.endpoint)[1]
        status, _, _ = request(endpoint, "GET", "/_offstage/health",
                               headers={"Host": "offstage:4566"})
        self.assertEqual(status, 200)
        status, _, _ = request(endpoint, "GET", "/_offstage/health",
                               headers={"Origin": "https://evil.example"})
        self.assertEqual(status, 403)


class BindTest(DaemonTestCase):
    def test_a_port_in_use_fails_clearly(self):
        port = address(self.endpoint)[1]
        second = subprocess.run([BIN, "serve", "--ephemeral", "--port", str(port)],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                timeout=30)
        self.assertNotEqual(second.returncode, 0)
        self.assertIn("cannot listen on 127.0.0.1:%d" % port, second.stdout)

"""Inputs far longer than any valid one are refused with an error, never a crash (issue #15's
rule). libstdc++'s regular expression matcher recurses once per character: a 60,000-character
Host (a function URL's form) or Lambda path overflowed the daemon's stack and killed it; the
role, an environment variable's name and a permission's statement id went through the same
kind of matcher. Each is sent here, and the daemon must answer it and then still be healthy.
"""
import json
import socket
import unittest

from harness import DaemonTestCase

LONG = "a" * 60000


class LongInputTest(DaemonTestCase):

    def raw(self, head, body=b""):
        port = int(self.endpoint.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
            s.sendall(head.encode() + body)
            data = b""
            while b"\r\n\r\n" not in data:
                chunk = s.recv(65536)
                if not chunk:
                    break
                data += chunk
        self.assertTrue(data, "the daemon closed the connection without an answer")
        return int(data.split(b" ", 2)[1])

    def healthy(self):
        self.assertEqual(self.raw("GET /_offstage/health HTTP/1.1\r\nHost: localhost\r\n"
                                  "Connection: close\r\n\r\n"), 200)

    def post_json(self, path, document):
        body = json.dumps(document).encode()
        return self.raw("POST %s HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json"
                        "\r\nContent-Length: %d\r\nConnection: close\r\n\r\n"
                        % (path, len(body)), body)

    def test_a_long_function_url_host(self):
        status = self.raw("GET / HTTP/1.1\r\nHost: %s.lambda-url.%s.localhost\r\n"
                          "Connection: close\r\n\r\n" % ("a" * 32, LONG))
        self.assertIn(status, (400, 403))  # refused: not a URL, and not a name a Host can be
        self.healthy()

    def test_a_long_lambda_path(self):
        for path in ("/2015-03-31/functions/" + LONG, "/2015-03-31/functions/%s/aliases/x" % LONG,
                     "/2021-10-31/functions/%s/url" % LONG, "/lambda-url/" + LONG):
            with self.subTest(path=path[:40]):
                status = self.raw("GET %s HTTP/1.1\r\nHost: localhost\r\nConnection: close"
                                  "\r\n\r\n" % path)
                self.assertIn(status, (400, 403, 404))
                self.healthy()

    def test_long_names_in_a_function_request(self):
        base = {"FunctionName": "long-inputs", "Runtime": "nodejs20.x",
                "Role": "arn:aws:iam::000000000000:role/r", "Handler": "index.handler",
                "Code": {"S3Bucket": "hot-reload", "S3Key": "/tmp"}}
        for change in ({"Role": "arn:aws:iam::000000000000:role/" + LONG},
                       {"Environment": {"Variables": {"K" + LONG: "v"}}},
                       {"FunctionName": LONG}):
            with self.subTest(field=list(change)[0]):
                status = self.post_json("/2015-03-31/functions", {**base, **change})
                self.assertEqual(status, 400)
                self.healthy()
        status = self.post_json("/2015-03-31/functions/long-inputs/policy",
                                {"StatementId": LONG, "Action": "lambda:InvokeFunction",
                                 "Principal": "sns.amazonaws.com"})
        self.assertIn(status, (400, 404))
        self.healthy()


if __name__ == "__main__":
    unittest.main()

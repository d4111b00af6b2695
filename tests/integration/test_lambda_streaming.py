"""Lambda response streaming (issue #17, item 5): InvokeWithResponseStream through boto3 (which
decodes AWS's event stream), function URLs with InvokeMode RESPONSE_STREAM read with
http.client, and offstage's Node runtime client streaming through the Runtime API.

Streaming is proven without timing: the handler writes its first chunk and then waits for a
file that the test creates only once it has received that chunk. Were the answer buffered, the
test would never see the first chunk before the end, the file would never appear, and the
handler would fail ("the client never saw the first chunk").
"""
import base64
import http.client
import json
import os
import tempfile
import time
import unittest
import urllib.parse
import urllib.request

from harness import HANG_S, AwsClientsTestCase
from lambda_fixtures import ROLE, function_arn, zip_files

STREAMER = b"""
const fs = require('fs');
const seen = async (path) => {
  for (let i = 0; i < 2000; i++) {
    if (fs.existsSync(path)) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error('the client never saw the first chunk');
};
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  if (event.lateWrite) {
    setTimeout(() => { try { responseStream.write('late'); } catch (e) {} }, 20);
    throw new Error('failed, then wrote');
  }
  if (event.asyncThrow) {
    responseStream.write('before|');
    setTimeout(() => { throw new Error('thrown outside the handler'); }, 20);
    return new Promise(() => {});
  }
  if (event.failFirst) throw new Error('failed before any byte');
  responseStream.setContentType('text/plain');
  responseStream.write('first|');
  await seen(event.signal);
  responseStream.write('second');
  if (event.failLate) throw new Error('failed mid-stream');
  responseStream.end();
});
"""

URL_STREAMER = b"""
const fs = require('fs');
exports.handler = awslambda.streamifyResponse(async (event, responseStream) => {
  const q = event.queryStringParameters || {};
  if (q.mode === 'empty') {
    const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: 204 });
    out.end();
    return;
  }
  if (q.mode === 'oddflag') {
    const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: 200, isBase64Encoded: 'no' });
    out.write('odd');
    out.end();
    return;
  }
  if (q.mode === 'break') {
    const out = awslambda.HttpResponseStream.from(responseStream, { statusCode: 200 });
    out.write('partial|');
    await new Promise((r) => setTimeout(r, 20));
    throw new Error('broke after the head');
  }
  const signal = q.signal;
  const out = awslambda.HttpResponseStream.from(responseStream, {
    statusCode: 201, headers: { 'x-streamed': 'yes', 'content-type': 'text/plain' },
    cookies: ['kind=stream'],
  });
  out.write('first|');
  for (let i = 0; i < 2000 && !fs.existsSync(signal); i++) await new Promise((r) => setTimeout(r, 10));
  if (!fs.existsSync(signal)) throw new Error('the client never saw the first chunk');
  out.write('second');
  out.end();
});
"""

BUFFERED = b"""
exports.handler = async (event) => {
  if (event.fail) throw new TypeError('plain failure');
  return { statusCode: 200, body: 'buffered answer', n: 1 };
};
"""


class StreamingTest(AwsClientsTestCase):

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.streamer = "streamer-%d" % os.getpid()
        cls.lam.create_function(FunctionName=cls.streamer, Runtime="nodejs20.x", Role=ROLE,
                                Handler="index.handler", Timeout=60,
                                Code={"ZipFile": zip_files({"index.js": STREAMER})})
        cls.buffered = "buffered-%d" % os.getpid()
        cls.lam.create_function(FunctionName=cls.buffered, Runtime="nodejs20.x", Role=ROLE,
                                Handler="index.handler", Timeout=30,
                                Code={"ZipFile": zip_files({"index.js": BUFFERED})})

    def signal_path(self):
        path = os.path.join(tempfile.mkdtemp(prefix="offstage-stream-"), "seen")
        self.addCleanup(lambda: os.path.exists(path) and os.remove(path))
        return path

    def stream(self, payload, **kwargs):
        """Invokes the streamer; creates the payload's `signal` file once the first chunk
        arrived. Returns the events as (name, value) pairs and the response."""
        signal = payload.get("signal")
        out = self.lam.invoke_with_response_stream(
            FunctionName=self.streamer, Payload=json.dumps(payload).encode(), **kwargs)
        events = []
        for event in out["EventStream"]:
            (name, value), = event.items()
            events.append((name, value))
            if name == "PayloadChunk" and signal and not os.path.exists(signal):
                open(signal, "w").close()
        return events, out

    def test_first_chunk_reaches_the_client_before_the_handler_finishes(self):
        signal = self.signal_path()
        events, out = self.stream({"signal": signal})
        self.assertEqual(out["ResponseMetadata"]["HTTPStatusCode"], 200)
        self.assertEqual(out["ExecutedVersion"], "$LATEST")
        self.assertEqual(out["ResponseStreamContentType"], "application/vnd.amazon.eventstream")
        self.assertEqual(events, [("PayloadChunk", {"Payload": b"first|"}),
                                  ("PayloadChunk", {"Payload": b"second"}),
                                  ("InvokeComplete", {})])
        # The trace records the first byte inside the run, before its end.
        span = self.invocation_span(out["ResponseMetadata"]["RequestId"])
        self.assertEqual(span["attrs"]["streamed_bytes"], len(b"first|second"))
        self.assertLess(span["start_ns"], span["attrs"]["first_byte_ns"])
        self.assertLess(span["attrs"]["first_byte_ns"], span["end_ns"])

    def invocation_span(self, request_id):
        """The finished invocation span of `request_id` (GET /_offstage/invocations/ID)."""
        deadline = time.monotonic() + HANG_S
        while True:
            try:
                with urllib.request.urlopen(self.endpoint + "/_offstage/invocations/" + request_id,
                                            timeout=10) as response:
                    span = json.loads(response.read())
                    if span["end_ns"] is not None:
                        return span
            except urllib.error.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise AssertionError("no finished span for " + request_id)
            time.sleep(0.05)

    def test_an_error_mid_stream_ends_it_with_the_error(self):
        signal = self.signal_path()
        events, _ = self.stream({"signal": signal, "failLate": True}, LogType="Tail")
        self.assertEqual([name for name, _ in events],
                         ["PayloadChunk", "PayloadChunk", "InvokeComplete"])
        complete = events[-1][1]
        self.assertEqual(complete["ErrorCode"], "Unhandled")
        details = json.loads(complete["ErrorDetails"])
        self.assertEqual(details["errorType"], "Error")
        self.assertEqual(details["errorMessage"], "failed mid-stream")
        self.assertIn("failed mid-stream", base64.b64decode(complete["LogResult"]).decode())

    def test_an_error_before_any_byte(self):
        events, _ = self.stream({"failFirst": True})
        self.assertEqual([name for name, _ in events], ["InvokeComplete"])
        details = json.loads(events[0][1]["ErrorDetails"])
        self.assertEqual(details["errorMessage"], "failed before any byte")

    def test_a_buffered_function_streams_its_answer_as_one_chunk(self):
        out = self.lam.invoke_with_response_stream(FunctionName=self.buffered, Payload=b"{}")
        events = [next(iter(e.items())) for e in out["EventStream"]]
        self.assertEqual(len(events), 2, events)
        self.assertEqual(events[0][0], "PayloadChunk")
        self.assertEqual(json.loads(events[0][1]["Payload"]),
                         {"statusCode": 200, "body": "buffered answer", "n": 1})
        self.assertEqual(events[1], ("InvokeComplete", {}))
        failed = self.lam.invoke_with_response_stream(FunctionName=self.buffered,
                                                      Payload=b'{"fail": true}')
        events = [next(iter(e.items())) for e in failed["EventStream"]]
        self.assertEqual([name for name, _ in events], ["InvokeComplete"])
        self.assertEqual(json.loads(events[0][1]["ErrorDetails"])["errorType"], "TypeError")

    def test_plain_invoke_buffers_a_streaming_function(self):
        signal = self.signal_path()
        open(signal, "w").close()  # nothing reads the first chunk early: let it go on at once
        out = self.lam.invoke(FunctionName=self.streamer,
                              Payload=json.dumps({"signal": signal}).encode())
        self.assertNotIn("FunctionError", out)
        self.assertEqual(out["Payload"].read(), b"first|second")

    def test_refusals_are_ordinary_errors(self):
        self.assertClientError(self.lam.invoke_with_response_stream, "ResourceNotFoundException",
                               404, "Function not found: " + function_arn("nope-stream"),
                               FunctionName="nope-stream", Payload=b"{}")
        err = self.assertClientError(self.lam.invoke_with_response_stream, "ValidationException",
                                     400, FunctionName=self.streamer, Payload=b"{}",
                                     InvocationType="Event")
        self.assertIn("Member must satisfy enum value set: [RequestResponse, DryRun]",
                      err["Error"]["Message"])
        dry = self.lam.invoke_with_response_stream(FunctionName=self.streamer, Payload=b"{}",
                                                   InvocationType="DryRun")
        self.assertEqual(dry["ResponseMetadata"]["HTTPStatusCode"], 204)

    def test_a_response_stream_function_url(self):
        name = self.unique("url-streamer")
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler", Timeout=60,
                                 Code={"ZipFile": zip_files({"index.js": URL_STREAMER})})
        url = self.lam.create_function_url_config(FunctionName=name, AuthType="NONE",
                                                  InvokeMode="RESPONSE_STREAM")
        self.assertEqual(url["InvokeMode"], "RESPONSE_STREAM")
        self.assertEqual(self.lam.get_function_url_config(FunctionName=name)["InvokeMode"],
                         "RESPONSE_STREAM")
        parsed = urllib.parse.urlparse(url["FunctionUrl"])
        signal = self.signal_path()
        conn = http.client.HTTPConnection("127.0.0.1", urllib.parse.urlparse(self.endpoint).port,
                                          timeout=60)
        self.addCleanup(conn.close)
        conn.request("GET", "/stream?signal=" + urllib.parse.quote(signal),
                     headers={"Host": parsed.netloc})
        response = conn.getresponse()
        self.assertEqual(response.status, 201)
        self.assertEqual(response.getheader("x-streamed"), "yes")
        self.assertEqual(response.getheader("content-type"), "text/plain")
        self.assertEqual(response.getheader("set-cookie"), "kind=stream")
        self.assertEqual(response.getheader("transfer-encoding"), "chunked")
        self.assertEqual(response.read(len("first|")), b"first|")  # before the handler goes on
        open(signal, "w").close()
        self.assertEqual(response.read(), b"second")

    def test_errors_outside_the_handler_and_late_writes_do_not_wedge_the_runtime(self):
        # An exception thrown from a timer while the stream is open ends it with that error.
        events, _ = self.stream({"asyncThrow": True})
        self.assertEqual(events[0], ("PayloadChunk", {"Payload": b"before|"}))
        self.assertEqual(events[-1][0], "InvokeComplete")
        self.assertEqual(json.loads(events[-1][1]["ErrorDetails"])["errorMessage"],
                         "thrown outside the handler")
        # An error before any byte, then a write from a timer: the error is the answer, and
        # the late write opens no stream that would hold up the next invocation.
        events, _ = self.stream({"lateWrite": True})
        self.assertEqual(json.loads(events[-1][1]["ErrorDetails"])["errorMessage"],
                         "failed, then wrote")
        signal = self.signal_path()
        events, _ = self.stream({"signal": signal})
        self.assertEqual(events[-1], ("InvokeComplete", {}))

    def url_request(self, name, path, conn=None):
        url = self.lam.get_function_url_config(FunctionName=name)
        parsed = urllib.parse.urlparse(url["FunctionUrl"])
        conn = conn or http.client.HTTPConnection(
            "127.0.0.1", urllib.parse.urlparse(self.endpoint).port, timeout=60)
        conn.request("GET", path, headers={"Host": parsed.netloc})
        return conn, conn.getresponse()

    def test_response_stream_url_heads_without_bodies_failures_and_odd_preludes(self):
        name = self.unique("url-modes")
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler", Timeout=30,
                                 Code={"ZipFile": zip_files({"index.js": URL_STREAMER})})
        self.lam.create_function_url_config(FunctionName=name, AuthType="NONE",
                                            InvokeMode="RESPONSE_STREAM")
        # A 204 head has no body: the connection stays usable for the next request.
        conn, response = self.url_request(name, "/?mode=empty")
        self.addCleanup(conn.close)
        self.assertEqual(response.status, 204)
        self.assertEqual(response.read(), b"")
        self.assertIsNone(response.getheader("transfer-encoding"))
        _, again = self.url_request(name, "/?mode=oddflag", conn)
        # A prelude flag of the wrong type is not a crash, nor a hang.
        self.assertEqual((again.status, again.read()), (200, b"odd"))
        # A failure after the head: the body is cut short, never complete.
        broken_conn, broken = self.url_request(name, "/?mode=break")
        self.addCleanup(broken_conn.close)
        self.assertEqual(broken.status, 200)
        with self.assertRaises(http.client.IncompleteRead) as caught:
            broken.read()
        self.assertEqual(caught.exception.partial, b"partial|")

    def test_a_buffered_function_behind_a_response_stream_url(self):
        url = self.lam.create_function_url_config(FunctionName=self.buffered, AuthType="NONE",
                                                  InvokeMode="RESPONSE_STREAM")
        self.addCleanup(self.lam.delete_function_url_config, FunctionName=self.buffered)
        parsed = urllib.parse.urlparse(url["FunctionUrl"])
        conn = http.client.HTTPConnection("127.0.0.1", urllib.parse.urlparse(self.endpoint).port,
                                          timeout=60)
        self.addCleanup(conn.close)
        conn.request("GET", "/", headers={"Host": parsed.netloc})
        response = conn.getresponse()
        self.assertEqual(response.status, 200)
        self.assertEqual(response.read(), b"buffered answer")


if __name__ == "__main__":
    unittest.main()

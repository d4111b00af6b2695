"""SNS deliveries, end to end: what Lambda subscribers and HTTP endpoints receive after a Publish
from the AWS CLI or boto3 — the exact Lambda event and HTTP bodies (wire reference §3.1, §3.2),
signatures checked against the certificate at SigningCertURL (§3.3), filter policies (§3.5),
MessageStructure=json (§3.4), HTTP retries (§6.1) and Lambda's async rules behind SNS (§6).

Lambda subscribers are recorder functions (recorder.py); HTTP subscribers are a small
http.server inside the test. The daemon runs with short retry delays (--sns-retry-delays,
--async-retry-delays); everything else is asserted as AWS behaves.
"""
import base64
import collections
import datetime
import ipaddress
import json
import os
import re
import ssl
import subprocess
import threading
import time
import unittest
import urllib.request
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import botocore.exceptions
from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding
from cryptography.x509.oid import NameOID

from harness import HANG_S, Daemon, DaemonTestCase, boto3_client, client_env, temp_dir
from lambda_fixtures import function_arn
from recorder import ISO_MILLIS_Z, UUID, RecordFile, create_recorder
from test_sns_cli import cli_major_version

NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_KEYS = ("Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn",
                     "Type")


def string_to_sign(message):
    """§3.3: "Key\\nvalue\\n" for each present key, in AWS's order."""
    keys = NOTIFICATION_KEYS if message["Type"] == "Notification" else CONFIRMATION_KEYS
    return "".join("%s\n%s\n" % (k, message[k]) for k in keys
                   if message.get(k) is not None).encode()


def self_signed_certificate(directory):
    """A certificate for 127.0.0.1 that no authority signed: (certificate file, key file)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(key.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - datetime.timedelta(days=1))
                   .not_valid_after(now + datetime.timedelta(days=1))
                   .add_extension(x509.SubjectAlternativeName(
                       [x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
                   .sign(key, hashes.SHA256()))
    cert_file, key_file = os.path.join(directory, "cert.pem"), os.path.join(directory, "key.pem")
    with open(cert_file, "wb") as out:
        out.write(certificate.public_bytes(serialization.Encoding.PEM))
    with open(key_file, "wb") as out:
        out.write(key.private_bytes(serialization.Encoding.PEM,
                                    serialization.PrivateFormat.TraditionalOpenSSL,
                                    serialization.NoEncryption()))
    return cert_file, key_file


class Endpoint:
    """An HTTP subscriber: records every request per path; answers Notifications with the status
    set for the path (default 200) and everything else with 200."""

    def __init__(self, keep_alive_timeout=None, tls_dir=None):
        """keep_alive_timeout: speak HTTP/1.1 and keep each connection open until it has been
        idle that many seconds (then close it, as servers do); None: close after each request.
        tls_dir: speak HTTPS, with a self-signed certificate for 127.0.0.1 written there."""
        self.lock = threading.Lock()
        self.scheme = "https" if tls_dir else "http"
        self.requests = collections.defaultdict(list)
        self.status = {}
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            if keep_alive_timeout is not None:
                protocol_version = "HTTP/1.1"
                timeout = keep_alive_timeout

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
                headers = {k.lower(): v for k, v in self.headers.items()}
                kind = headers.get("x-amz-sns-message-type")
                with endpoint.lock:
                    endpoint.requests[self.path].append(
                        {"headers": headers, "body": body, "at": time.monotonic(),
                         "peer": self.client_address})
                    status = endpoint.status.get(self.path, 200) if kind == "Notification" else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls_dir:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*self_signed_certificate(tls_dir))
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def url(self, path):
        return "%s://127.0.0.1:%d%s" % (self.scheme, self.server.server_address[1], path)

    def received(self, path, kind=None):
        with self.lock:
            return [r for r in self.requests[path]
                    if kind is None or r["headers"].get("x-amz-sns-message-type") == kind]

    def wait_for(self, path, count, kind=None, timeout=HANG_S):
        deadline = time.monotonic() + timeout
        while True:
            found = self.received(path, kind)
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise AssertionError("expected %d %s request(s) at %s, got %d"
                                     % (count, kind or "any", path, len(found)))
            time.sleep(0.02)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class SnsDeliveryTest(DaemonTestCase):
    daemon_args = ("--sns-retry-delays", "200ms,200ms,200ms",
                   "--async-retry-delays", "500ms,500ms")

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sns = boto3_client("sns", cls.endpoint)
        cls.lam = boto3_client("lambda", cls.endpoint)
        cls.http = Endpoint()
        cls.certificates = {}

    @classmethod
    def tearDownClass(cls):
        cls.sns.close()
        cls.lam.close()
        try:
            super().tearDownClass()
        finally:
            cls.http.close()

    def setUp(self):
        self.dir = temp_dir(self)

    def unique(self, prefix):
        return "%s-%s" % (prefix, uuid.uuid4().hex[:10])

    # ---- helpers ----

    def topic(self, **attributes):
        return self.sns.create_topic(Name=self.unique("t"), Attributes=attributes)["TopicArn"]

    def recorder(self, prefix, record=None, runtime="node", env=None, **extra):
        name = self.unique(prefix)
        record = record or RecordFile(self.dir, name)
        create_recorder(self.lam, name, record, runtime=runtime, env=env, **extra)
        return name, record

    def subscribe_lambda(self, topic, name, **attributes):
        return self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=function_arn(name),
                                  Attributes=attributes, ReturnSubscriptionArn=True)[
            "SubscriptionArn"]

    def own_daemon(self, *args):
        """A daemon of the test's own, started with `args`, and an SNS client for it; both are
        closed (the daemon killed, if the test did not stop it) when the test ends."""
        daemon = Daemon(*args).start()
        self.addCleanup(daemon.kill)
        sns = boto3_client("sns", daemon.endpoint)
        self.addCleanup(sns.close)
        return daemon, sns

    def subscribe_http(self, topic, path):
        """A confirmed http subscription: waits for the SubscriptionConfirmation, checks it and
        visits its SubscribeURL."""
        sub = self.sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=self.http.url(path),
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]
        request = self.http.wait_for(path, 1, "SubscriptionConfirmation")[0]
        headers, body = request["headers"], json.loads(request["body"])
        self.assertEqual(headers["x-amz-sns-topic-arn"], topic)
        self.assertEqual(headers["x-amz-sns-message-id"], body["MessageId"])
        self.assertEqual(headers["user-agent"], "Amazon Simple Notification Service Agent")
        self.assertEqual(headers["content-type"], "text/plain; charset=UTF-8")
        self.assertEqual(set(body), {"Type", "MessageId", "Token", "TopicArn", "Message",
                                     "SubscribeURL", "Timestamp", "SignatureVersion", "Signature",
                                     "SigningCertURL"})
        self.assertEqual(body["Type"], "SubscriptionConfirmation")
        self.assertEqual(body["TopicArn"], topic)
        self.assertEqual(body["Message"], "You have chosen to subscribe to the topic %s.\nTo "
                         "confirm the subscription, visit the SubscribeURL included in this "
                         "message." % topic)
        self.assertRegex(body["Timestamp"], ISO_MILLIS_Z)
        self.assertIn("Action=ConfirmSubscription", body["SubscribeURL"])
        self.assertIn("Token=" + body["Token"], body["SubscribeURL"])
        self.assertVerifies(body)
        self.assertEqual(self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
                         ["PendingConfirmation"], "true")
        with urllib.request.urlopen(body["SubscribeURL"], timeout=10) as response:
            self.assertEqual(response.status, 200)
            self.assertIn("<SubscriptionArn>%s</SubscriptionArn>" % sub, response.read().decode())
        self.assertEqual(self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
                         ["PendingConfirmation"], "false")
        return sub

    def certificate(self, url):
        if url not in self.certificates:
            with urllib.request.urlopen(url, timeout=10) as response:
                self.certificates[url] = x509.load_pem_x509_certificate(response.read())
        return self.certificates[url]

    def verifies(self, message):
        """Whether the message's Signature verifies with the certificate at its SigningCertURL
        (Lambda events spell it SigningCertUrl)."""
        url = message.get("SigningCertURL") or message["SigningCertUrl"]
        digest = hashes.SHA256() if message["SignatureVersion"] == "2" else hashes.SHA1()
        try:
            self.certificate(url).public_key().verify(base64.b64decode(message["Signature"]),
                                                      string_to_sign(message),
                                                      padding.PKCS1v15(), digest)
            return True
        except InvalidSignature:
            return False

    def assertVerifies(self, message):
        self.assertTrue(self.endpoint.startswith("http"))
        self.assertTrue(message["Signature"])
        self.assertTrue(self.verifies(message), "signature does not verify: %s" % message)
        tampered = dict(message, Message=message["Message"] + " ")
        self.assertFalse(self.verifies(tampered), "a tampered message verified")

    def assertLambdaEvent(self, event, topic, sub, message_id, message, subject=None,
                          attributes=None, version="1"):
        self.assertEqual(list(event), ["Records"])
        self.assertEqual(len(event["Records"]), 1)
        record = event["Records"][0]
        self.assertEqual(set(record), {"EventSource", "EventVersion", "EventSubscriptionArn",
                                       "Sns"})
        self.assertEqual(record["EventSource"], "aws:sns")
        self.assertEqual(record["EventVersion"], "1.0")
        self.assertEqual(record["EventSubscriptionArn"], sub)
        sns = record["Sns"]
        self.assertEqual(set(sns), {"Type", "MessageId", "TopicArn", "Subject", "Message",
                                    "Timestamp", "SignatureVersion", "Signature",
                                    "SigningCertUrl", "UnsubscribeUrl", "MessageAttributes"})
        self.assertEqual(sns["Type"], "Notification")
        self.assertEqual(sns["MessageId"], message_id)
        self.assertEqual(sns["TopicArn"], topic)
        self.assertEqual(sns["Subject"], subject)  # null when none was published
        self.assertEqual(sns["Message"], message)
        self.assertRegex(sns["Timestamp"], ISO_MILLIS_Z)
        sent = datetime.datetime.strptime(sns["Timestamp"], "%Y-%m-%dT%H:%M:%S.%fZ")
        self.assertLess(abs(sent.replace(tzinfo=datetime.timezone.utc).timestamp()
                            - time.time()), 120)
        self.assertEqual(sns["SignatureVersion"], version)
        self.assertEqual(len(base64.b64decode(sns["Signature"], validate=True)), 256)
        self.assertTrue(sns["SigningCertUrl"].startswith(self.endpoint + "/"))
        self.assertTrue(sns["SigningCertUrl"].endswith(".pem"))
        self.assertEqual(sns["UnsubscribeUrl"],
                         self.endpoint + "/?Action=Unsubscribe&SubscriptionArn=" + sub)
        self.assertEqual(sns["MessageAttributes"], attributes or {})
        self.assertVerifies(sns)

    # ---- Lambda subscribers ----

    def test_lambda_event_after_cli_publish(self):
        topic = self.topic()
        node, node_record = self.recorder("clinode")
        py, py_record = self.recorder("clipy", runtime="python")
        node_sub = self.subscribe_lambda(topic, node)
        py_sub = self.subscribe_lambda(topic, py)
        v1 = cli_major_version() == 1
        # CLI v1 takes a blob parameter's text as the bytes; v2 reads it as base64.
        binary_text = "aGVsbG8gYmluYXJ5"
        binary = binary_text.encode() if v1 else base64.b64decode(binary_text)
        attributes = {"color": {"DataType": "String", "StringValue": "red"},
                      "blob": {"DataType": "Binary", "BinaryValue": binary_text}}
        out = subprocess.run(
            ["aws", "sns", "publish", "--topic-arn", topic, "--message", "hello from the cli",
             "--subject", "CLI subject", "--message-attributes", json.dumps(attributes),
             "--output", "json", "--endpoint-url", self.endpoint],
            env=client_env(self.endpoint), capture_output=True, text=True, timeout=60)
        self.assertEqual(out.returncode, 0, out.stderr)
        message_id = json.loads(out.stdout)["MessageId"]
        self.assertRegex(message_id, UUID)
        expected = {"color": {"Type": "String", "Value": "red"},
                    "blob": {"Type": "Binary", "Value": base64.b64encode(binary).decode()}}
        for record, sub in ((node_record, node_sub), (py_record, py_sub)):
            event = record.wait_for(1)[0]["event"]
            self.assertLambdaEvent(event, topic, sub, message_id, "hello from the cli",
                                   subject="CLI subject", attributes=expected)
        node_sns = node_record.records()[0]["event"]["Records"][0]["Sns"]
        py_sns = py_record.records()[0]["event"]["Records"][0]["Sns"]
        self.assertEqual(node_sns["Timestamp"], py_sns["Timestamp"])  # one message, two copies
        self.assertEqual(node_record.count_after(0.5), 1)
        self.assertEqual(len(py_record.records()), 1)

    def test_lambda_event_after_boto3_publish(self):
        topic = self.topic()
        node, node_record = self.recorder("bnode")
        py, py_record = self.recorder("bpy", runtime="python")
        subs = {node: self.subscribe_lambda(topic, node), py: self.subscribe_lambda(topic, py)}
        text = 'no subject here\n"quoted" \\ ünïcödé \U0001F680 <tag> &amp;'
        plain = self.sns.publish(TopicArn=topic, Message=text)["MessageId"]
        binary = bytes(range(256))
        rich = self.sns.publish(TopicArn=topic, Message='{"json": "text", "n": 1}',
                                Subject="With subject", MessageAttributes={
                                    "s": {"DataType": "String", "StringValue": "sv"},
                                    "n": {"DataType": "Number", "StringValue": "12.5"},
                                    "b": {"DataType": "Binary", "BinaryValue": binary}})[
            "MessageId"]
        for name, record in ((node, node_record), (py, py_record)):
            events = {r["event"]["Records"][0]["Sns"]["MessageId"]: r["event"]
                      for r in record.wait_for(2)}
            self.assertEqual(set(events), {plain, rich})
            self.assertLambdaEvent(events[plain], topic, subs[name], plain, text)
            got = events[rich]["Records"][0]["Sns"]["MessageAttributes"]
            # The docs once said Number reaches Lambda labelled String; either label is taken.
            self.assertIn(got.get("n", {}).get("Type"), ("Number", "String"))
            expected = {"s": {"Type": "String", "Value": "sv"},
                        "n": {"Type": got["n"]["Type"], "Value": "12.5"},
                        "b": {"Type": "Binary", "Value": base64.b64encode(binary).decode()}}
            self.assertLambdaEvent(events[rich], topic, subs[name], rich,
                                   '{"json": "text", "n": 1}', subject="With subject",
                                   attributes=expected)

    def test_signature_version_2(self):
        topic = self.topic(SignatureVersion="2")
        name, record = self.recorder("sig2")
        sub = self.subscribe_lambda(topic, name)
        message_id = self.sns.publish(TopicArn=topic, Message="sha256 please")["MessageId"]
        event = record.wait_for(1)[0]["event"]
        self.assertLambdaEvent(event, topic, sub, message_id, "sha256 please", version="2")
        # A SHA1 check of the same signature must fail: the version really selects SHA256.
        sns = dict(event["Records"][0]["Sns"], SignatureVersion="1")
        self.assertFalse(self.verifies(sns))

    def test_fanout_to_20_functions_delivers_each_once(self):
        topic = self.topic()
        record = RecordFile(self.dir, "fanout")
        names = [self.recorder("fan%02d" % i, record=record)[0] for i in range(20)]
        subs = {name: self.subscribe_lambda(topic, name) for name in names}
        message_id = self.sns.publish(TopicArn=topic, Message="to all twenty")["MessageId"]
        runs = record.wait_for(20)
        self.assertEqual(record.count_after(1.0), 20)
        self.assertEqual(collections.Counter(r["functionName"] for r in runs),
                         collections.Counter(names))
        for run in runs:
            event = run["event"]["Records"][0]
            self.assertEqual(event["Sns"]["MessageId"], message_id)
            self.assertEqual(event["EventSubscriptionArn"], subs[run["functionName"]])
        self.assertEqual(len({r["event"]["Records"][0]["Sns"]["Signature"] for r in runs}), 1)

    def test_failing_function_is_retried_by_lambda_then_on_failure(self):
        target, target_record = self.recorder("snsfaildst")
        name, record = self.recorder("snsfail", env={"FAIL": "1"})
        self.lam.put_function_event_invoke_config(
            FunctionName=name,
            DestinationConfig={"OnFailure": {"Destination": function_arn(target)}})
        topic = self.topic()
        sub = self.subscribe_lambda(topic, name)
        message_id = self.sns.publish(TopicArn=topic, Message="will fail")["MessageId"]
        attempts = record.wait_for(3)
        self.assertEqual(len({a["requestId"] for a in attempts}), 1)
        result = target_record.wait_for(1)[0]["event"]
        self.assertEqual(result["requestContext"]["condition"], "RetriesExhausted")
        self.assertEqual(result["requestContext"]["approximateInvokeCount"], 3)
        self.assertEqual(result["requestContext"]["requestId"], attempts[0]["requestId"])
        self.assertEqual(result["requestContext"]["functionArn"], function_arn(name) + ":$LATEST")
        self.assertEqual(result["responseContext"]["functionError"], "Unhandled")
        self.assertLambdaEvent(result["requestPayload"], topic, sub, message_id, "will fail")
        self.assertEqual(result["requestPayload"], attempts[0]["event"])
        self.assertEqual(record.count_after(1.0), 3)

    # ---- filter policies ----

    def test_filter_policies_in_both_scopes(self):
        topic = self.topic()
        record = RecordFile(self.dir, "filters")
        names = {}
        policies = {
            "exact": ({"color": ["red", "blue"]}, None),
            "prefix": ({"sku": [{"prefix": "ab-"}]}, None),
            "numeric": ({"price": [{"numeric": [">=", 10, "<", 20]}]}, None),
            "anythingbut": ({"color": [{"anything-but": ["red"]}]}, None),
            "exists": ({"vip": [{"exists": True}]}, None),
            "body": ({"order": {"kind": ["book"]}}, "MessageBody"),
        }
        for key, (policy, scope) in policies.items():
            names[key] = self.recorder("f" + key, record=record)[0]
            attributes = {"FilterPolicy": json.dumps(policy)}
            if scope:
                attributes["FilterPolicyScope"] = scope
            sub = self.subscribe_lambda(topic, names[key], **attributes)
            got = self.sns.get_subscription_attributes(SubscriptionArn=sub)["Attributes"]
            self.assertEqual(json.loads(got["FilterPolicy"]), policy)
            self.assertEqual(got["FilterPolicyScope"], scope or "MessageAttributes")
        # Through SetSubscriptionAttributes: a policy added later, and a body policy replaced.
        names["setattr"] = self.recorder("fsetattr", record=record)[0]
        sub = self.subscribe_lambda(topic, names["setattr"])
        self.sns.set_subscription_attributes(SubscriptionArn=sub, AttributeName="FilterPolicy",
                                             AttributeValue=json.dumps({"color": ["green"]}))
        names["setbody"] = self.recorder("fsetbody", record=record)[0]
        sub = self.subscribe_lambda(topic, names["setbody"], FilterPolicyScope="MessageBody",
                                    FilterPolicy=json.dumps({"order": {"kind": ["food"]}}))
        self.sns.set_subscription_attributes(
            SubscriptionArn=sub, AttributeName="FilterPolicy",
            AttributeValue=json.dumps({"order": {"qty": [{"numeric": [">", 5]}]}}))

        def attrs(**values):
            return {k: {"DataType": "Number" if isinstance(v, int) else "String",
                        "StringValue": str(v)} for k, v in values.items()}

        messages = {
            "m1": ('{"order":{"kind":"book","qty":10}}', attrs(color="red", price=15, sku="ab-1")),
            "m2": ('{"order":{"kind":"food","qty":3}}', attrs(color="green", price=25, vip="y")),
            "m3": ("not json at all", attrs(sku="xy-1", price=10)),
            "m4": ('{"order":{"kind":"book","qty":1}}', {}),
            "m5": ('{"order":{"kind":"pen","qty":6}}', attrs(color="blue")),
            # A String.Array attribute / a body array matches when any element matches.
            "m6": ('{"order":{"kind":["pen","book"],"qty":2}}',
                   {"color": {"DataType": "String.Array", "StringValue": '["green","blue"]'}}),
        }
        expected = {
            "exact": {"m1", "m5", "m6"}, "prefix": {"m1"}, "numeric": {"m1", "m3"},
            "anythingbut": {"m2", "m5", "m6"}, "exists": {"m2"}, "body": {"m1", "m4", "m6"},
            "setattr": {"m2", "m6"}, "setbody": {"m1", "m5"},
        }
        ids = {}
        for key, (body, attributes) in messages.items():
            ids[self.sns.publish(TopicArn=topic, Message=body,
                                 MessageAttributes=attributes)["MessageId"]] = key
        total = sum(len(v) for v in expected.values())
        record.wait_for(total)
        runs = record.records() if record.count_after(1.5) else []
        got = collections.defaultdict(set)
        for run in runs:
            got[run["functionName"]].add(ids[run["event"]["Records"][0]["Sns"]["MessageId"]])
        for key, name in names.items():
            self.assertEqual(got[name], expected[key], "policy %s: %s" % (key, policies.get(key)))
        self.assertEqual(len(runs), total, "a message was delivered twice")

    def test_invalid_filter_policies(self):
        topic = self.topic()
        name = self.unique("nofn")
        cases = [({"a": [{"foo": "x"}]}, "Unrecognized match type foo"),
                 ({k: ["v"] for k in "abcdef"}, "Filter policy can not have more than 5 keys")]
        for policy, detail in cases:
            with self.subTest(policy=policy):
                with self.assertRaises(botocore.exceptions.ClientError) as caught:
                    self.subscribe_lambda(topic, name, FilterPolicy=json.dumps(policy))
                error = caught.exception.response["Error"]
                self.assertEqual(error["Code"], "InvalidParameter")
                self.assertEqual(error["Message"],
                                 "Invalid parameter: Attributes Reason: FilterPolicy: " + detail)
        sub = self.subscribe_lambda(topic, name)
        for policy, detail in cases:
            with self.subTest(policy=policy, via="SetSubscriptionAttributes"):
                with self.assertRaises(botocore.exceptions.ClientError) as caught:
                    self.sns.set_subscription_attributes(
                        SubscriptionArn=sub, AttributeName="FilterPolicy",
                        AttributeValue=json.dumps(policy))
                error = caught.exception.response["Error"]
                self.assertEqual(error["Code"], "InvalidParameter")
                self.assertEqual(caught.exception.response["ResponseMetadata"]["HTTPStatusCode"],
                                 400)
                self.assertEqual(error["Message"], "Invalid parameter: FilterPolicy: " + detail)
        self.assertNotIn("FilterPolicy", self.sns.get_subscription_attributes(
            SubscriptionArn=sub)["Attributes"])

    # ---- HTTP subscribers ----

    def test_http_notification_signatures_and_message_structure(self):
        topic = self.topic()
        path = "/sub-" + self.unique("h")
        sub = self.subscribe_http(topic, path)
        name, record = self.recorder("structlam")
        lam_sub = self.subscribe_lambda(topic, name)
        first = self.sns.publish(
            TopicArn=topic, Message='plain "ünï"\n\U0001F680', Subject="Subj",
            MessageAttributes={"k": {"DataType": "String", "StringValue": "v"}})["MessageId"]
        self.sns.set_topic_attributes(TopicArn=topic, AttributeName="SignatureVersion",
                                      AttributeValue="2")
        second = self.sns.publish(
            TopicArn=topic, MessageStructure="json",
            Message=json.dumps({"default": "the default text", "lambda": "text for lambda"}))[
            "MessageId"]
        # A standard topic does not promise order, and each delivery has its own connection:
        # pair the notifications with the messages by MessageId.
        notes = self.http.wait_for(path, 2, "Notification")
        order = {first: 0, second: 1}
        notes.sort(key=lambda n: order[json.loads(n["body"])["MessageId"]])
        bodies = [json.loads(n["body"]) for n in notes]
        self.assertEqual([b["MessageId"] for b in bodies], [first, second])
        for note, body in zip(notes, bodies):
            headers = note["headers"]
            self.assertEqual(headers["x-amz-sns-message-id"], body["MessageId"])
            self.assertEqual(headers["x-amz-sns-topic-arn"], topic)
            self.assertEqual(headers["x-amz-sns-subscription-arn"], sub)
            self.assertEqual(headers["content-type"], "text/plain; charset=UTF-8")
            self.assertEqual(headers["user-agent"], "Amazon Simple Notification Service Agent")
            self.assertNotIn("x-amz-sns-rawdelivery", headers)
            self.assertEqual(body["UnsubscribeURL"],
                             self.endpoint + "/?Action=Unsubscribe&SubscriptionArn=" + sub)
            self.assertRegex(body["Timestamp"], ISO_MILLIS_Z)
            self.assertVerifies(body)
        self.assertEqual(set(bodies[0]), {"Type", "MessageId", "TopicArn", "Subject", "Message",
                                          "Timestamp", "SignatureVersion", "Signature",
                                          "SigningCertURL", "UnsubscribeURL",
                                          "MessageAttributes"})
        self.assertEqual(bodies[0]["Subject"], "Subj")
        self.assertEqual(bodies[0]["Message"], 'plain "ünï"\n\U0001F680')
        self.assertEqual(bodies[0]["SignatureVersion"], "1")
        self.assertEqual(bodies[0]["MessageAttributes"], {"k": {"Type": "String", "Value": "v"}})
        # Subject and MessageAttributes are left out when absent (unlike in Lambda events).
        self.assertNotIn("Subject", bodies[1])
        self.assertNotIn("MessageAttributes", bodies[1])
        self.assertEqual(bodies[1]["SignatureVersion"], "2")
        self.assertEqual(bodies[1]["Message"], "the default text")
        events = {r["event"]["Records"][0]["Sns"]["MessageId"]: r["event"]
                  for r in record.wait_for(2)}
        self.assertLambdaEvent(events[second], topic, lam_sub, second, "text for lambda",
                               version="2")

    def test_http_raw_message_delivery(self):
        topic = self.topic()
        path = "/raw-" + self.unique("h")
        sub = self.subscribe_http(topic, path)
        self.sns.set_subscription_attributes(SubscriptionArn=sub,
                                             AttributeName="RawMessageDelivery",
                                             AttributeValue="true")
        message_id = self.sns.publish(TopicArn=topic, Message='{"raw": true}', Subject="ignored",
                                      MessageAttributes={"a": {"DataType": "String",
                                                               "StringValue": "b"}})["MessageId"]
        note = self.http.wait_for(path, 1, "Notification")[0]
        self.assertEqual(note["body"], '{"raw": true}')
        self.assertEqual(note["headers"]["x-amz-sns-rawdelivery"], "true")
        self.assertEqual(note["headers"]["x-amz-sns-message-id"], message_id)
        self.assertEqual(note["headers"]["x-amz-sns-subscription-arn"], sub)

    def test_http_connections_are_kept_alive_and_replaced_once_the_endpoint_closes_them(self):
        # Its own daemon, whose retries are a minute away: a delivery that failed its first
        # attempt (say, on a connection the endpoint had closed) would not arrive in time.
        endpoint = Endpoint(keep_alive_timeout=0.5)
        self.addCleanup(endpoint.close)
        daemon, sns = self.own_daemon("--sns-retry-delays", "60s")
        topic = sns.create_topic(Name=self.unique("ka"))["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=endpoint.url("/ka"))
        confirmation = json.loads(endpoint.wait_for("/ka", 1, "SubscriptionConfirmation")[0]["body"])
        urllib.request.urlopen(confirmation["SubscribeURL"], timeout=10).read()
        for n in range(20):
            sns.publish(TopicArn=topic, Message="burst %d" % n)
        burst = endpoint.wait_for("/ka", 20, "Notification")
        # 20 notifications from at most 4 senders: connections were reused.
        self.assertLessEqual(len({r["peer"] for r in burst}), 4)
        time.sleep(1.5)  # the endpoint closes every idle connection after 0.5 s
        for n in range(8):
            sns.publish(TopicArn=topic, Message="after %d" % n)
        after = endpoint.wait_for("/ka", 28, "Notification")
        self.assertEqual(sorted(json.loads(r["body"])["Message"] for r in after[20:]),
                         ["after %d" % n for n in range(8)])
        for request in after:
            self.assertVerifies(json.loads(request["body"]))
        self.assertEqual(daemon.stop(), 0)

    def test_https_delivery_checks_the_certificate_unless_told_not_to(self):
        # OpenSSL is initialised at the first HTTPS connection, not at start (static-deps.sh).
        endpoint = Endpoint(tls_dir=self.dir)
        self.addCleanup(endpoint.close)
        plain = Endpoint()
        self.addCleanup(plain.close)
        # Verifying (the default): a certificate no authority signed is refused, so nothing
        # arrives, while the http subscriber of the same topic gets its confirmation.
        daemon, sns = self.own_daemon()
        topic = sns.create_topic(Name=self.unique("tls"))["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=endpoint.url("/refused"))
        sns.subscribe(TopicArn=topic, Protocol="http", Endpoint=plain.url("/beside"))
        plain.wait_for("/beside", 1, "SubscriptionConfirmation")
        time.sleep(1.0)
        self.assertEqual(endpoint.received("/refused"), [])
        self.assertEqual(daemon.stop(), 0)
        # --sns-insecure-tls: the same endpoint gets the confirmation and, once confirmed, the
        # notification, over TLS, signed.
        daemon, sns = self.own_daemon("--sns-insecure-tls")
        topic = sns.create_topic(Name=self.unique("tls"))["TopicArn"]
        sns.subscribe(TopicArn=topic, Protocol="https", Endpoint=endpoint.url("/tls"))
        confirmation = json.loads(endpoint.wait_for("/tls", 1, "SubscriptionConfirmation")[0]["body"])
        sns.confirm_subscription(TopicArn=topic, Token=confirmation["Token"])
        message_id = sns.publish(TopicArn=topic, Message="over tls")["MessageId"]
        note = json.loads(endpoint.wait_for("/tls", 1, "Notification")[0]["body"])
        self.assertEqual((note["MessageId"], note["Message"]), (message_id, "over tls"))
        self.assertVerifies(note)
        self.assertEqual(daemon.stop(), 0)

    def test_http_500_is_retried_and_404_is_not(self):
        topic = self.topic()
        failing, gone = "/500-" + self.unique("h"), "/404-" + self.unique("h")
        self.subscribe_http(topic, failing)
        self.subscribe_http(topic, gone)
        self.http.status[failing] = 500
        self.http.status[gone] = 404
        message_id = self.sns.publish(TopicArn=topic, Message="retry me")["MessageId"]
        tries = self.http.wait_for(failing, 4, "Notification")
        self.assertTrue(all(json.loads(t["body"])["MessageId"] == message_id for t in tries))
        gaps = [b["at"] - a["at"] for a, b in zip(tries, tries[1:])]
        self.assertTrue(all(0.15 <= gap < 3 for gap in gaps), gaps)
        time.sleep(1.0)
        # 1 attempt + the 3 retries of --sns-retry-delays; a 4xx counts as delivered.
        self.assertEqual(len(self.http.received(failing, "Notification")), 4)
        self.assertEqual(len(self.http.received(gone, "Notification")), 1)

    def test_http_content_type_follows_the_topic_then_the_subscription_policy(self):
        # A topic's http.defaultRequestPolicy applies to its subscriptions that set none (it
        # was ignored: every notification went as text/plain), and shows in each one's
        # EffectiveDeliveryPolicy, which AWS computes "taking into account the topic delivery
        # policy"; the subscription's own policy overrides it unless the topic disables that.
        topic = self.topic(DeliveryPolicy=json.dumps({"http": {
            "defaultRequestPolicy": {"headerContentType": "application/json"},
            "defaultHealthyRetryPolicy": {"numRetries": 1, "minDelayTarget": 1,
                                          "maxDelayTarget": 1}}}))
        path = "/type-" + self.unique("h")
        sub = self.subscribe_http(topic, path)
        effective = json.loads(self.sns.get_subscription_attributes(SubscriptionArn=sub)
                               ["Attributes"]["EffectiveDeliveryPolicy"])
        self.assertEqual(effective["requestPolicy"], {"headerContentType": "application/json"})
        self.assertEqual(effective["healthyRetryPolicy"]["numRetries"], 1)
        self.assertEqual(effective["healthyRetryPolicy"]["backoffFunction"], "linear")

        def content_type_of_next(n):
            self.sns.publish(TopicArn=topic, Message="typed %d" % n)
            return self.http.wait_for(path, n, "Notification")[n - 1]["headers"]["content-type"]

        self.assertEqual(content_type_of_next(1), "application/json")
        self.sns.set_subscription_attributes(
            SubscriptionArn=sub, AttributeName="DeliveryPolicy",
            AttributeValue=json.dumps({"requestPolicy": {"headerContentType": "text/html"}}))
        self.assertEqual(content_type_of_next(2), "text/html")
        self.sns.set_topic_attributes(TopicArn=topic, AttributeName="DeliveryPolicy",
                                      AttributeValue=json.dumps({"http": {
                                          "defaultRequestPolicy": {
                                              "headerContentType": "application/json"},
                                          "disableSubscriptionOverrides": True}}))
        self.assertEqual(content_type_of_next(3), "application/json")

    def test_unsubscribe_sends_unsubscribe_confirmation(self):
        # The topic's SignatureVersion applies to confirmations too.
        topic = self.topic(SignatureVersion="2")
        path = "/unsub-" + self.unique("h")
        sub = self.subscribe_http(topic, path)
        confirmation = json.loads(self.http.received(path, "SubscriptionConfirmation")[0]["body"])
        self.assertEqual(confirmation["SignatureVersion"], "2")
        self.sns.unsubscribe(SubscriptionArn=sub)
        request = self.http.wait_for(path, 1, "UnsubscribeConfirmation")[0]
        headers, body = request["headers"], json.loads(request["body"])
        self.assertEqual(headers["x-amz-sns-subscription-arn"], sub)
        self.assertEqual(headers["x-amz-sns-topic-arn"], topic)
        self.assertEqual(body["Type"], "UnsubscribeConfirmation")
        self.assertEqual(body["TopicArn"], topic)
        self.assertEqual(body["Message"], "You have chosen to deactivate subscription %s.\nTo "
                         "cancel this operation and restore the subscription, visit the "
                         "SubscribeURL included in this message." % sub)
        self.assertIn("Action=ConfirmSubscription", body["SubscribeURL"])
        self.assertIn("Token=" + body["Token"], body["SubscribeURL"])
        self.assertEqual(body["SignatureVersion"], "2")
        self.assertVerifies(body)
        # Unsubscribed: later messages do not arrive.
        self.sns.publish(TopicArn=topic, Message="after unsubscribe")
        time.sleep(1.0)
        self.assertEqual(self.http.received(path, "Notification"), [])

    # ---- deliveries that cannot be made ----

    def test_a_missing_queue_and_an_email_subscription_do_not_break_publishing(self):
        topic = self.topic()
        queue = "arn:aws:sqs:us-east-1:000000000000:" + self.unique("q")
        sqs_sub = self.sns.subscribe(TopicArn=topic, Protocol="sqs", Endpoint=queue,
                                     ReturnSubscriptionArn=True)["SubscriptionArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="email", Endpoint="someone@example.com")
        name, record = self.recorder("besides")
        self.subscribe_lambda(topic, name)
        for i in range(2):
            self.sns.publish(TopicArn=topic, Message="m%d" % i)
        record.wait_for(2)

        def warnings():
            return [line for line in list(self.daemon.output) if sqs_sub in line]
        deadline = time.monotonic() + HANG_S
        while not warnings() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(len(warnings()), 1, warnings())
        self.assertRegex(warnings()[0], re.compile("sqs", re.I))
        self.assertIsNone(self.daemon.proc.poll())
        self.assertEqual(self.sns.publish(TopicArn=topic, Message="still fine")["ResponseMetadata"]
                         ["HTTPStatusCode"], 200)


if __name__ == "__main__":
    unittest.main()

"""serve --verify-signatures against the real clients (boto3, AWS CLI v1): good keys pass, a
wrong secret, an unknown key, an unsigned request and an old X-Amz-Date get AWS's errors for SNS
(awsQuery XML) and Lambda (x-amzn-ErrorType), presigned URLs work until they expire, and a
handler publishing with its execution environment's own credentials still works.
"""
import datetime
import json
import os
import subprocess
import time
import unittest
import urllib.error
import urllib.parse
import urllib.request
from unittest import mock

import botocore.auth
import botocore.exceptions

import harness
from lambda_fixtures import ROLE, function_arn, zip_fixture

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SDK_DIR = os.path.join(REPO, "tests", "clients", "node_modules")
INVALID_TOKEN = "The security token included in the request is invalid."
MISMATCH = ("The request signature we calculated does not match the signature you provided. "
            "Check your AWS Secret Access Key and signing method.")


def client_with(service, endpoint, key_id, secret):
    import boto3
    from botocore.config import Config
    session = boto3.session.Session(aws_access_key_id=key_id, aws_secret_access_key=secret,
                                    region_name="us-east-1")
    return session.client(service, endpoint_url=endpoint,
                          config=Config(retries={"max_attempts": 1}))


def http(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, dict(response.headers), response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, dict(err.headers), err.read().decode()


class VerifySignaturesTest(harness.AwsClientsTestCase):
    # The harness's clients sign with test/test.
    daemon_args = ("--verify-signatures", "--access-key", "test:test",
                   "--access-key", "AKIDSECOND:second-secret")

    def error_of(self, call, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call(**kwargs)
        err = caught.exception.response
        return err["Error"]["Code"], err["ResponseMetadata"]["HTTPStatusCode"], err["Error"]

    def test_good_keys_pass_for_sns_and_lambda(self):
        arn = self.sns.create_topic(Name=self.unique("signed"))["TopicArn"]
        self.assertIn(arn, [t["TopicArn"] for t in self.sns.list_topics()["Topics"]])
        self.assertIn("MessageId", self.sns.publish(TopicArn=arn, Message="héllo wörld & more"))
        second = client_with("sns", self.endpoint, "AKIDSECOND", "second-secret")
        self.addCleanup(second.close)
        self.assertIn(arn, [t["TopicArn"] for t in second.list_topics()["Topics"]])
        # Lambda: an ARN and a qualifier in the path and query (double-encoded canonical URI).
        name = self.unique("signed-fn")
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                 Handler="app.handler",
                                 Code={"ZipFile": zip_fixture("python-echo")})
        got = self.lam.get_function(FunctionName=function_arn(name), Qualifier="$LATEST")
        self.assertEqual(got["Configuration"]["FunctionName"], name)
        out = self.lam.invoke(FunctionName=function_arn(name) + ":$LATEST",
                              Payload=json.dumps({"k": "v w"}).encode())
        self.assertEqual(out["StatusCode"], 200)

    def test_a_wrong_secret_gets_signature_does_not_match(self):
        sns = client_with("sns", self.endpoint, "test", "wrong")
        lam = client_with("lambda", self.endpoint, "test", "wrong")
        self.addCleanup(sns.close)
        self.addCleanup(lam.close)
        code, status, err = self.error_of(sns.list_topics)
        self.assertEqual((code, status), ("SignatureDoesNotMatch", 403))
        self.assertTrue(err["Message"].startswith(MISMATCH), err)
        self.assertIn("The Canonical String for this request should have been", err["Message"])
        self.assertEqual(err["Type"], "Sender")
        code, status, err = self.error_of(lam.list_functions)
        self.assertEqual((code, status), ("InvalidSignatureException", 403))
        self.assertTrue(err["Message"].startswith(MISMATCH), err)

    def test_an_unknown_key_gets_invalid_client_token_id(self):
        sns = client_with("sns", self.endpoint, "AKIDUNKNOWN", "test")
        lam = client_with("lambda", self.endpoint, "AKIDUNKNOWN", "test")
        self.addCleanup(sns.close)
        self.addCleanup(lam.close)
        code, status, err = self.error_of(sns.list_topics)
        self.assertEqual((code, status, err["Message"]), ("InvalidClientTokenId", 403, INVALID_TOKEN))
        code, status, err = self.error_of(lam.list_functions)
        self.assertEqual((code, status, err["Message"]),
                         ("UnrecognizedClientException", 403, INVALID_TOKEN))

    def test_an_old_x_amz_date_is_refused(self):
        hour_ago = datetime.datetime.now(datetime.timezone.utc).replace(tzinfo=None) - \
            datetime.timedelta(hours=1)
        with mock.patch.object(botocore.auth, "get_current_datetime", return_value=hour_ago):
            code, status, err = self.error_of(self.sns.list_topics)
            self.assertEqual((code, status), ("SignatureDoesNotMatch", 403))
            self.assertRegex(err["Message"], r"^Signature expired: \d{8}T\d{6}Z is now earlier "
                                             r"than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 15 min\.\)$")
            code, status, err = self.error_of(self.lam.list_functions)
            self.assertEqual((code, status), ("InvalidSignatureException", 403))
            self.assertRegex(err["Message"], r"^Signature expired: .* - 5 min\.\)$")
        # The same clients pass again once their clock is right.
        self.sns.list_topics()

    def test_unsigned_and_incomplete_requests(self):
        status, _, body = http("POST", self.endpoint + "/", b"Action=ListTopics&Version=2010-03-31",
                               {"Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(status, 403)
        self.assertIn("<Code>MissingAuthenticationToken</Code>", body)
        self.assertIn("<Message>Request is missing Authentication Token</Message>", body)
        status, headers, body = http("GET", self.endpoint + "/2015-03-31/functions/")
        self.assertEqual(status, 403)
        self.assertEqual(headers["x-amzn-ErrorType"], "MissingAuthenticationTokenException")
        status, _, body = http(
            "POST", self.endpoint + "/", b"Action=ListTopics&Version=2010-03-31",
            {"Content-Type": "application/x-www-form-urlencoded",
             "Authorization": "AWS4-HMAC-SHA256 Credential=test/20261204/us-east-1/sns/"
                              "aws4_request"})
        self.assertEqual(status, 400)
        self.assertIn("<Code>IncompleteSignature</Code>", body)
        self.assertIn("Authorization header requires &apos;Signature&apos; parameter.", body)

    def test_presigned_urls_work_until_they_expire(self):
        arn = self.sns.create_topic(Name=self.unique("presigned"))["TopicArn"]
        url = self.sns.generate_presigned_url("list_topics", Params={}, ExpiresIn=300,
                                              HttpMethod="GET")
        self.assertIn("X-Amz-Signature=", url)
        status, _, body = http("GET", url)
        self.assertEqual(status, 200, body)
        self.assertIn(arn, body)
        name = self.unique("presigned-fn")
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                 Handler="app.handler",
                                 Code={"ZipFile": zip_fixture("python-echo")})
        url = self.lam.generate_presigned_url("get_function",
                                              Params={"FunctionName": function_arn(name)},
                                              ExpiresIn=300)
        status, _, body = http("GET", url)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["Configuration"]["FunctionName"], name)
        # A tampered URL fails; an expired one gets RequestExpired.
        status, _, body = http("GET", url.replace(name, name + "x"))
        self.assertEqual(status, 403, body)
        short = self.sns.generate_presigned_url("list_topics", Params={}, ExpiresIn=1,
                                                HttpMethod="GET")
        time.sleep(2.5)  # only ever more expired: no dependence on machine speed
        status, _, body = http("GET", short)
        self.assertEqual(status, 400, body)
        self.assertIn("<Code>RequestExpired</Code>", body)

    def test_unsubscribe_links_stay_unsigned(self):
        topic = self.sns.create_topic(Name=self.unique("links"))["TopicArn"]
        name = self.unique("links-fn")
        self.lam.create_function(FunctionName=name, Runtime="python3.12", Role=ROLE,
                                 Handler="app.handler",
                                 Code={"ZipFile": zip_fixture("python-echo")})
        sub = self.sns.subscribe(TopicArn=topic, Protocol="lambda",
                                 Endpoint=function_arn(name))["SubscriptionArn"]
        status, _, body = http("GET", self.endpoint + "/?Action=Unsubscribe&SubscriptionArn=" +
                               urllib.parse.quote(sub, safe=""))
        self.assertEqual(status, 200, body)
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=topic)["Subscriptions"], [])

    def test_a_handler_publishes_with_its_environment_credentials(self):
        topic = self.sns.create_topic(Name=self.unique("from-handler"))["TopicArn"]
        name = self.unique("publisher")
        self.lam.create_function(
            FunctionName=name, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
            Timeout=30, Code={"ZipFile": zip_fixture("node-chain")},
            Environment={"Variables": {"SDK_DIR": SDK_DIR, "NEXT_TOPIC_ARN": topic}})
        out = self.lam.invoke(FunctionName=name, Payload=b"{}")
        body = json.loads(out["Payload"].read())
        self.assertNotIn("FunctionError", out, body)
        self.assertIn("messageId", body)

    def test_aws_cli(self):
        env = harness.client_env(self.endpoint)
        ok = subprocess.run(["aws", "sns", "list-topics", "--endpoint-url", self.endpoint],
                            env=env, capture_output=True, text=True, timeout=60)
        self.assertEqual(ok.returncode, 0, ok.stderr)
        env["AWS_SECRET_ACCESS_KEY"] = "wrong"
        for cmd, code in ((["sns", "list-topics"], "SignatureDoesNotMatch"),
                          (["lambda", "list-functions"], "InvalidSignatureException")):
            bad = subprocess.run(["aws", *cmd, "--endpoint-url", self.endpoint], env=env,
                                 capture_output=True, text=True, timeout=60)
            self.assertNotEqual(bad.returncode, 0)
            self.assertIn("(%s)" % code, bad.stderr)


class VerifySignaturesFileTest(unittest.TestCase):
    def test_credentials_file_and_bad_options(self):
        path = os.path.join(harness.temp_dir(self), "credentials")
        with open(path, "w") as f:
            f.write("[default]\naws_access_key_id = AKIDFILE\naws_secret_access_key = file-secret\n"
                    "\n[other]\naws_access_key_id=AKIDOTHER\naws_secret_access_key=other\n")
        with harness.Daemon("--verify-signatures", "--credentials", path) as daemon:
            for key, secret in (("AKIDFILE", "file-secret"), ("AKIDOTHER", "other")):
                sns = client_with("sns", daemon.endpoint, key, secret)
                sns.list_topics()
                sns.close()
        for args, message in (
                (["--verify-signatures"], "--verify-signatures needs --credentials"),
                (["--access-key", "a:b"], "take effect only with --verify-signatures"),
                (["--verify-signatures", "--access-key", "nocolon"], "is not ID:SECRET")):
            out = subprocess.run([harness.BIN, "serve", "--ephemeral", "--port", "0", *args],
                                 capture_output=True, text=True, timeout=30)
            self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
            self.assertIn(message, out.stderr)


if __name__ == "__main__":
    unittest.main()

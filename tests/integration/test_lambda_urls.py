"""Lambda function URLs (issue #17, item 4): the URL config API through boto3, and the URLs
served by the daemon, called as a browser or curl would (http.client, with the Host form and
the path form).

Expected values are AWS's behaviour as recorded against AWS (LocalStack's TestLambdaUrl and
TestLambdaURL snapshots) and its developer guide (payload format 2.0, the response mapping).
"""
import base64
import http.client
import json
import re
import unittest
import urllib.parse

from harness import AwsClientsTestCase
from lambda_fixtures import ROLE, function_arn, zip_files, zip_fixture

RESPONDER = b"""
exports.handler = async (event) => {
  const ask = event.queryStringParameters && event.queryStringParameters.answer;
  if (ask === 'object') {
    return { statusCode: 201, headers: { 'x-made-by': 'responder', 'content-type': 'text/plain' },
             cookies: ['flavour=oat; Path=/', 'size=big'], body: 'created' };
  }
  if (ask === 'string') return 'just text';
  if (ask === 'binary') {
    return { statusCode: 200, isBase64Encoded: true, body: Buffer.from([0, 1, 2, 255]).toString('base64'),
             headers: { 'content-type': 'application/octet-stream' } };
  }
  if (ask === 'throw') throw new Error('failing on purpose');
  return { echoed: true, n: 3 };
};
"""


class LambdaUrlTest(AwsClientsTestCase):

    def create(self, prefix, code_zip):
        name = self.unique(prefix)
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler", Code={"ZipFile": code_zip}, Timeout=30)
        return name

    def port(self):
        return urllib.parse.urlparse(self.endpoint).port

    def call(self, url, path="/", method="GET", body=None, headers=None, path_form=False):
        """Calls a function URL on the daemon: by its Host (as a browser resolving *.localhost
        would) or by the /lambda-url/<id>/ path form."""
        parsed = urllib.parse.urlparse(url)
        conn = http.client.HTTPConnection("127.0.0.1", self.port(), timeout=60)
        headers = dict(headers or {})
        if path_form:
            url_id = parsed.hostname.split(".")[0]
            target = "/lambda-url/" + url_id + path
        else:
            headers["Host"] = parsed.netloc
            target = path
        conn.request(method, target, body=body, headers=headers)
        response = conn.getresponse()
        out = (response.status, dict((k.lower(), v) for k, v in response.getheaders()),
               response.read(), response.headers.get_all("set-cookie") or [])
        conn.close()
        return out

    def test_url_config_lifecycle_and_errors(self):
        name = self.create("url", zip_fixture("node-cjs"))
        arn = function_arn(name)
        created = self.lam.create_function_url_config(
            FunctionName=name, AuthType="NONE",
            Cors={"AllowOrigins": ["http://app.test"], "AllowMethods": ["GET", "POST"],
                  "AllowHeaders": ["content-type"], "MaxAge": 60})
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertRegex(created["FunctionUrl"],
                         r"^http://[a-z0-9]{32}\.lambda-url\.us-east-1\.localhost:%d/$"
                         % self.port())
        self.assertEqual(created["FunctionArn"], arn)
        self.assertEqual(created["AuthType"], "NONE")
        self.assertEqual(created["Cors"]["AllowOrigins"], ["http://app.test"])
        self.assertNotIn("InvokeMode", created)  # named only when the request set it
        self.assertRegex(created["CreationTime"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")
        self.assertClientError(
            self.lam.create_function_url_config, "ResourceConflictException", 409,
            "Failed to create function url config for [functionArn = %s]. Error message:  "
            "FunctionUrlConfig exists for this Lambda function" % arn,
            FunctionName=name, AuthType="NONE")

        got = self.lam.get_function_url_config(FunctionName=name)
        self.assertEqual(got["FunctionUrl"], created["FunctionUrl"])
        self.assertEqual(got["InvokeMode"], "BUFFERED")
        self.assertIn("LastModifiedTime", got)
        updated = self.lam.update_function_url_config(FunctionName=name, AuthType="AWS_IAM")
        self.assertEqual(updated["AuthType"], "AWS_IAM")
        self.assertEqual(updated["Cors"]["MaxAge"], 60)  # kept
        listed = self.lam.list_function_url_configs(FunctionName=name)["FunctionUrlConfigs"]
        self.assertEqual([u["FunctionUrl"] for u in listed], [created["FunctionUrl"]])

        self.assertClientError(
            self.lam.create_function_url_config, "ValidationException", 400,
            "1 validation error detected: Value '1' at 'qualifier' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: ((?!^\\d+$)^[0-9a-zA-Z-_]+$)",
            FunctionName=name, Qualifier="1", AuthType="NONE")
        self.assertClientError(self.lam.create_function_url_config, "ResourceNotFoundException",
                               404, "Function does not exist",
                               FunctionName=name, Qualifier="nosuchalias", AuthType="NONE")
        self.assertClientError(self.lam.create_function_url_config, "ResourceNotFoundException",
                               404, "Function does not exist",
                               FunctionName=self.unique("missing"), AuthType="NONE")

        # An alias has a URL of its own, which goes when the alias goes.
        self.lam.publish_version(FunctionName=name)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        live = self.lam.create_function_url_config(FunctionName=name, Qualifier="live",
                                                   AuthType="NONE")
        self.assertEqual(live["FunctionArn"], arn + ":live")
        self.assertNotEqual(live["FunctionUrl"], created["FunctionUrl"])
        status, _, body, _ = self.call(live["FunctionUrl"])
        self.assertEqual(status, 200)
        self.assertEqual(json.loads(body)["invokedFunctionArn"], arn + ":live")
        self.lam.delete_alias(FunctionName=name, Name="live")
        self.assertEqual(self.call(live["FunctionUrl"])[0], 403)

        deleted = self.lam.delete_function_url_config(FunctionName=name)
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.assertClientError(self.lam.get_function_url_config, "ResourceNotFoundException", 404,
                               "The resource you requested does not exist.", FunctionName=name)
        self.assertEqual(self.call(created["FunctionUrl"])[0], 403)

    def test_a_request_becomes_the_2_0_event(self):
        name = self.create("urlevent", zip_fixture("node-cjs"))
        url = self.lam.create_function_url_config(FunctionName=name,
                                                  AuthType="NONE")["FunctionUrl"]
        url_id = urllib.parse.urlparse(url).hostname.split(".")[0]
        for path_form in (False, True):
            with self.subTest(path_form=path_form):
                status, headers, body, _ = self.call(
                    url, "/orders/7?a=1&a=2&b=x%2Fy", method="POST", body=b'{"q": 1}',
                    headers={"Content-Type": "application/json", "X-Custom": "Mixed Case",
                             "Cookie": "c1=v1; c2=v2", "User-Agent": "tester/1"},
                    path_form=path_form)
                self.assertEqual(status, 200, body)
                self.assertEqual(headers["content-type"], "application/json")
                out = json.loads(body)
                event = out["event"]
                self.assertEqual(headers["x-amzn-requestid"], out["awsRequestId"])
                self.assertEqual(event["version"], "2.0")
                self.assertEqual(event["routeKey"], "$default")
                self.assertEqual(event["rawPath"], "/orders/7")
                self.assertEqual(event["rawQueryString"], "a=1&a=2&b=x%2Fy")
                self.assertEqual(event["queryStringParameters"], {"a": "1,2", "b": "x/y"})
                self.assertEqual(event["cookies"], ["c1=v1", "c2=v2"])
                self.assertEqual(event["headers"]["x-custom"], "Mixed Case")
                self.assertEqual(event["body"], '{"q": 1}')
                self.assertFalse(event["isBase64Encoded"])
                ctx = event["requestContext"]
                self.assertEqual(ctx["http"]["method"], "POST")
                self.assertEqual(ctx["http"]["path"], "/orders/7")
                self.assertEqual(ctx["http"]["userAgent"], "tester/1")
                self.assertEqual(ctx["apiId"], url_id)
                self.assertEqual(ctx["domainPrefix"], url_id)
                self.assertEqual(ctx["accountId"], "anonymous")
                self.assertEqual(ctx["requestId"], out["awsRequestId"])
                self.assertRegex(ctx["time"], r"^\d\d/[A-Z][a-z]{2}/\d{4}:\d\d:\d\d:\d\d \+0000$")
        # A body of any other type is sent base64.
        _, _, body, _ = self.call(url, "/", method="PUT", body=b"\x00\x01\xff",
                                  headers={"Content-Type": "application/octet-stream"})
        event = json.loads(body)["event"]
        self.assertTrue(event["isBase64Encoded"])
        self.assertEqual(base64.b64decode(event["body"]), b"\x00\x01\xff")
        self.assertNotIn("body", json.loads(self.call(url, "/")[2])["event"])

    def test_the_answer_is_mapped_as_aws_maps_it(self):
        name = self.create("urlanswer", zip_files({"index.js": (RESPONDER, 0o644)}))
        url = self.lam.create_function_url_config(FunctionName=name,
                                                  AuthType="NONE")["FunctionUrl"]
        status, headers, body, cookies = self.call(url, "/?answer=object")
        self.assertEqual((status, body), (201, b"created"))
        self.assertEqual(headers["x-made-by"], "responder")
        self.assertEqual(headers["content-type"], "text/plain")
        self.assertEqual(cookies, ["flavour=oat; Path=/", "size=big"])
        status, headers, body, _ = self.call(url, "/?answer=string")
        self.assertEqual((status, body), (200, b"just text"))  # no quotes, as AWS
        self.assertEqual(headers["content-type"], "application/json")
        status, _, body, _ = self.call(url, "/")
        self.assertEqual((status, json.loads(body)), (200, {"echoed": True, "n": 3}))
        status, headers, body, _ = self.call(url, "/?answer=binary")
        self.assertEqual((status, body), (200, b"\x00\x01\x02\xff"))
        status, _, body, _ = self.call(url, "/?answer=throw")
        self.assertEqual((status, body), (502, b"Internal Server Error"))
        # An unknown URL id: AWS's 403 with a null message.
        status, headers, body, _ = self.call("http://%s.lambda-url.us-east-1.localhost:%d/"
                                             % ("z" * 32, self.port()))
        self.assertEqual((status, body), (403, b'{"Message":null}'))
        self.assertEqual(headers["x-amzn-errortype"], "AccessDeniedException")

    def test_auth_type_and_cors(self):
        name = self.create("urlcors", zip_fixture("node-cjs"))
        url = self.lam.create_function_url_config(
            FunctionName=name, AuthType="AWS_IAM",
            Cors={"AllowOrigins": ["http://app.test"], "AllowMethods": ["GET", "POST"],
                  "AllowHeaders": ["content-type", "x-api"], "ExposeHeaders": ["x-made-by"],
                  "MaxAge": 60})["FunctionUrl"]
        # AWS_IAM: an unsigned request is refused, a signed one runs.
        status, headers, body, _ = self.call(url, "/")
        self.assertEqual(status, 403)
        self.assertEqual(json.loads(body)["Message"].split(".")[0], "Forbidden")
        self.assertEqual(headers["x-amzn-errortype"], "AccessDeniedException")
        signed = {"Authorization": "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261206/us-east-1/"
                                   "lambda/aws4_request, SignedHeaders=host, Signature=0"}
        status, _, body, _ = self.call(url, "/", headers=signed)
        self.assertEqual(status, 200, body)
        self.assertEqual(json.loads(body)["event"]["requestContext"]["authorizer"]["iam"]
                         ["accessKey"], "AKIDEXAMPLE")

        # A browser's preflight from an allowed origin is answered from the configuration.
        status, headers, _, _ = self.call(url, "/", method="OPTIONS", headers={
            "Origin": "http://app.test", "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type"})
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], "http://app.test")
        self.assertEqual(headers["access-control-allow-methods"], "GET,POST")
        self.assertEqual(headers["access-control-allow-headers"], "content-type,x-api")
        self.assertEqual(headers["access-control-max-age"], "60")
        # From a foreign origin: no CORS headers (the browser then refuses the response).
        status, headers, _, _ = self.call(url, "/", method="OPTIONS", headers={
            "Origin": "http://evil.test", "Access-Control-Request-Method": "POST"})
        self.assertNotIn("access-control-allow-origin", headers)
        # The answer to an allowed origin carries the CORS headers.
        status, headers, _, _ = self.call(url, "/", headers={"Origin": "http://app.test",
                                                            **signed})
        self.assertEqual(status, 200)
        self.assertEqual(headers["access-control-allow-origin"], "http://app.test")
        self.assertEqual(headers["access-control-expose-headers"], "x-made-by")
        # The daemon's own API still refuses that foreign origin (the URL's rules are its own).
        conn = http.client.HTTPConnection("127.0.0.1", self.port(), timeout=30)
        conn.request("GET", "/_offstage/health", headers={"Origin": "http://app.test"})
        self.assertEqual(conn.getresponse().status, 403)
        conn.close()


if __name__ == "__main__":
    unittest.main()

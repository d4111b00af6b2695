"""`offstage serve --config FILE` (docs/config.md): refusing a wrong file (each mistake stops the
daemon at start, non-zero, with a message that says where and what), and declaring layers,
published versions, aliases and function URLs, and SQS queues, sqs subscriptions and event
source mappings, applied again after a restart without adding anything. Owned by the config
file's maintainers; every test runs its own short-lived daemon process, one at a time.
"""
import http.client
import json
import os
import subprocess
import time
import unittest
import urllib.parse

from harness import BIN, Daemon, boto3_client, temp_dir


class ConfigFileErrorsTest(unittest.TestCase):

    def serve(self, text):
        """Starts `offstage serve` with a config file of `text`; returns (exit code, output)."""
        root = temp_dir(self)
        path = os.path.join(root, "offstage.json")
        with open(path, "w") as f:
            f.write(text if isinstance(text, str) else json.dumps(text, indent=2))
        proc = subprocess.run([BIN, "serve", "--ephemeral", "--port", "0", "--config", path],
                              capture_output=True, text=True, timeout=60)
        return proc.returncode, proc.stdout + proc.stderr

    def test_a_json_syntax_error_gives_line_and_column(self):
        code, output = self.serve('{\n  "topics": [\n    {"name": "a",}\n  ]\n}\n')
        self.assertNotEqual(code, 0, output)
        self.assertIn("offstage.json:3:18: not valid JSON", output)
        self.assertNotIn("json.exception", output)

    def test_a_number_beyond_a_double_is_a_json_error_not_an_abort(self):
        # nlohmann's out_of_range for 1e400 escaped the parse-error handler: the daemon
        # aborted (exit 134, SIGABRT) with no word of the file.
        code, output = self.serve('{"functions": [{"name": "w", "timeout": 1e400}]}')
        self.assertGreater(code, 0, output)  # an exit, not a signal (negative: killed by one)
        self.assertIn("offstage.json: not valid JSON: number overflow parsing '1e400'", output)
        self.assertNotIn("terminate", output)

    def test_an_unknown_key_is_named_with_the_closest_known_key(self):
        for config, unknown, closest in (
                ({"topic": [{"name": "a"}]}, "topic", "topics"),
                ({"topics": [{"name": "a", "attribute": {}}]}, "attribute", "attributes"),
                ({"functions": [{"name": "w", "runtime": "nodejs20.x", "handler": "i.h",
                                 "code": ".", "memorySize": 256}]}, "memorySize", "memory"),
                ({"topics": [{"name": "a"}],
                  "subscriptions": [{"topic": "a", "endpont": "x"}]}, "endpont", "endpoint")):
            with self.subTest(unknown=unknown):
                code, output = self.serve(config)
                self.assertNotEqual(code, 0, output)
                self.assertIn("unknown key '%s' (did you mean '%s'?" % (unknown, closest), output)

    def test_a_subscription_to_a_function_that_does_not_exist_is_an_error(self):
        code, output = self.serve({"topics": [{"name": "jobs"}],
                                   "subscriptions": [{"topic": "jobs", "endpoint": "ghost"}]})
        self.assertNotEqual(code, 0, output)
        self.assertIn("subscriptions[0]: the function "
                      "arn:aws:lambda:us-east-1:000000000000:function:ghost does not exist",
                      output)



class ConfigFileLambdaDepthTest(unittest.TestCase):

    def test_layers_versions_aliases_and_urls_are_declared_and_reapplied_idempotently(self):
        root = temp_dir(self)
        os.makedirs(os.path.join(root, "shared", "nodejs", "node_modules", "greeting"))
        with open(os.path.join(root, "shared", "nodejs", "node_modules", "greeting",
                               "index.js"), "w") as f:
            f.write("module.exports = (who) => 'hello ' + who;\n")
        os.makedirs(os.path.join(root, "front"))
        with open(os.path.join(root, "front", "index.js"), "w") as f:
            f.write("const greet = require('greeting');\n"
                    "exports.handler = async (event) => ({ statusCode: 200, "
                    "body: greet(event.rawPath || 'config') });\n")
        config = {
            "layers": [{"name": "shared", "code": "./shared",
                        "compatibleRuntimes": ["nodejs20.x"]}],
            "functions": [{
                "name": "front", "runtime": "nodejs20.x", "handler": "index.handler",
                "code": "./front", "layers": ["shared"], "publish": True,
                "aliases": [{"name": "live"}],
                "url": {"qualifier": "live", "cors": {"allowOrigins": ["http://app.test"]}},
            }],
        }
        path = os.path.join(root, "offstage.json")
        with open(path, "w") as f:
            json.dump(config, f)
        data = os.path.join(root, "data")
        for start in (1, 2):
            with self.subTest(start=start), Daemon("--config", path, data_dir=data) as daemon:
                lam = boto3_client("lambda", daemon.endpoint)
                self.addCleanup(lam.close)
                versions = lam.list_layer_versions(LayerName="shared")["LayerVersions"]
                self.assertEqual([v["Version"] for v in versions], [1])  # none added on restart
                fn = lam.get_function_configuration(FunctionName="front")
                self.assertEqual([l["Arn"] for l in fn["Layers"]], [versions[0]["LayerVersionArn"]])
                published = lam.list_versions_by_function(FunctionName="front")["Versions"]
                self.assertEqual([v["Version"] for v in published], ["$LATEST", "1"])
                alias = lam.get_alias(FunctionName="front", Name="live")
                self.assertEqual(alias["FunctionVersion"], "1")
                url = lam.get_function_url_config(FunctionName="front", Qualifier="live")
                self.assertEqual(url["Cors"]["AllowOrigins"], ["http://app.test"])
                self.assertIn("offstage: function URL of front:live " + url["FunctionUrl"],
                              "".join(daemon.output))
                parsed = urllib.parse.urlparse(url["FunctionUrl"])
                conn = http.client.HTTPConnection("127.0.0.1", parsed.port, timeout=60)
                conn.request("GET", "/ada", headers={"Host": parsed.netloc})
                response = conn.getresponse()
                self.assertEqual((response.status, response.read()), (200, b"hello /ada"))
                conn.close()
                lam.close()

    def test_a_function_naming_an_undeclared_layer_is_an_error(self):
        root = temp_dir(self)
        path = os.path.join(root, "offstage.json")
        with open(path, "w") as f:
            json.dump({"functions": [{"name": "w", "runtime": "nodejs20.x", "handler": "i.h",
                                      "code": ".", "layers": ["ghost"]}]}, f)
        proc = subprocess.run([BIN, "serve", "--ephemeral", "--port", "0", "--config", path],
                              capture_output=True, text=True, timeout=60)
        self.assertNotEqual(proc.returncode, 0)
        self.assertIn("functions[0].layers: the layer 'ghost' does not exist (define it under "
                      "layers)", proc.stdout + proc.stderr)


class ConfigFileSqsTest(unittest.TestCase):

    def test_queues_sqs_subscriptions_and_mappings_are_declared_and_reapplied(self):
        root = temp_dir(self)
        os.makedirs(os.path.join(root, "worker"))
        record = os.path.join(root, "seen.txt")
        with open(os.path.join(root, "worker", "app.py"), "w") as f:
            f.write("import os\n"
                    "def handler(event, context):\n"
                    "    with open(os.environ['RECORD'], 'a') as f:\n"
                    "        for r in event['Records']:\n"
                    "            f.write(r['body'] + '\\n')\n")
        config = {
            "functions": [{"name": "worker", "runtime": "python3.12", "handler": "app.handler",
                           "code": "./worker", "environment": {"RECORD": record}}],
            "topics": [{"name": "jobs"}],
            "queues": [
                {"name": "jobs-dlq"},
                {"name": "jobs", "attributes": {
                    "VisibilityTimeout": "30",
                    "RedrivePolicy": {"deadLetterTargetArn": "jobs-dlq", "maxReceiveCount": 3}},
                 "tags": {"team": "a"}},
            ],
            "subscriptions": [{"topic": "jobs", "protocol": "sqs", "endpoint": "jobs",
                               "attributes": {"RawMessageDelivery": "true"}}],
            "eventSourceMappings": [{"queue": "jobs", "function": "worker", "batchSize": 5,
                                     "reportBatchItemFailures": True,
                                     "filters": [{"body": [{"prefix": "job"}]}]}],
        }
        path = os.path.join(root, "offstage.json")
        with open(path, "w") as f:
            json.dump(config, f)
        data = os.path.join(root, "data")
        for start in (1, 2):
            with self.subTest(start=start), Daemon("--config", path, data_dir=data) as daemon:
                sqs = boto3_client("sqs", daemon.endpoint)
                sns = boto3_client("sns", daemon.endpoint)
                lam = boto3_client("lambda", daemon.endpoint)
                for client in (sqs, sns, lam):
                    self.addCleanup(client.close)
                url = sqs.get_queue_url(QueueName="jobs")["QueueUrl"]
                attrs = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
                self.assertEqual(json.loads(attrs["RedrivePolicy"]), {
                    "deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:jobs-dlq",
                    "maxReceiveCount": 3})
                self.assertEqual(sqs.list_queue_tags(QueueUrl=url)["Tags"], {"team": "a"})
                subs = sns.list_subscriptions()["Subscriptions"]
                self.assertEqual([s["Endpoint"] for s in subs], [attrs["QueueArn"]])  # once
                mappings = lam.list_event_source_mappings(FunctionName="worker")
                self.assertEqual(len(mappings["EventSourceMappings"]), 1)
                self.assertEqual(mappings["EventSourceMappings"][0]["BatchSize"], 5)
                self.assertEqual(mappings["EventSourceMappings"][0]["FunctionResponseTypes"],
                                 ["ReportBatchItemFailures"])
                self.assertEqual(mappings["EventSourceMappings"][0]["FilterCriteria"],
                                 {"Filters": [{"Pattern": '{"body":[{"prefix":"job"}]}'}]})
                topic = sns.list_topics()["Topics"][0]["TopicArn"]
                sns.publish(TopicArn=topic, Message="job %d" % start)
                deadline = time.monotonic() + 60
                seen = ""
                while "job %d" % start not in seen and time.monotonic() < deadline:
                    time.sleep(0.1)
                    if os.path.exists(record):
                        with open(record) as f:
                            seen = f.read()
                self.assertIn("job %d" % start, seen)

    def test_a_subscription_or_mapping_to_an_undeclared_queue_is_an_error(self):
        for config, where in (
                ({"topics": [{"name": "t"}],
                  "subscriptions": [{"topic": "t", "protocol": "sqs", "endpoint": "ghost"}]},
                 "subscriptions[0]"),
                ({"eventSourceMappings": [{"queue": "ghost", "function": "w"}]},
                 "eventSourceMappings[0]")):
            with self.subTest(where=where):
                code, output = ConfigFileErrorsTest.serve(self, config)
                self.assertNotEqual(code, 0, output)
                self.assertIn(where + ": the queue arn:aws:sqs:us-east-1:000000000000:ghost "
                              "does not exist (define it under queues)", output)


if __name__ == "__main__":
    unittest.main()

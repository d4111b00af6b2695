"""Templates the user already has (docs/iac.md): `offstage serve --template` and `offstage deploy`
with a SAM template, redeploys that change a filter policy and remove a function, a type offstage
does not emulate reported and skipped, and the errors CloudFormation gives for a bad Fn::GetAtt,
a missing parameter and a dependency cycle, with nothing created. The real CLI, boto3 and
function processes, against a real daemon. Owned by the IaC maintainers.
"""
import json
import os
import re
import subprocess
import time
import unittest

from harness import BIN, HANG_S, REPO, Daemon, boto3_client, temp_dir, wait_for_logs

SEED = os.path.join(REPO, "examples", "seed-pattern")

WORKERS = """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Parameters:
  Kind:
    Type: String
    AllowedValues: [order, refund]
Globals:
  Function:
    Runtime: nodejs20.x
    Handler: index.handler
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub '${AWS::StackName}-jobs'
  WorkerA:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub '${AWS::StackName}-a'
      InlineCode: |
        exports.handler = async (event) => {
          console.log('worker-a got ' + event.Records[0].Sns.Message);
          return 'a';
        };
      Events:
        Jobs:
          Type: SNS
          Properties:
            Topic: !Ref Topic
            FilterPolicy:
              kind: [!Ref Kind]
  WorkerB:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: !Sub '${AWS::StackName}-b'
      InlineCode: "exports.handler = async () => 'b';"
      Events:
        Jobs:
          Type: SNS
          Properties:
            Topic: !Ref Topic
Outputs:
  Topic:
    Value: !Ref Topic
"""


def run(*args, timeout=120):
    proc = subprocess.run([BIN, *args], capture_output=True, text=True, timeout=timeout)
    return proc.returncode, proc.stdout, proc.stderr


def write(root, text, name="template.yaml"):
    with open(os.path.join(root, name), "w") as f:
        f.write(text)
    return root


class ServeTemplateTest(unittest.TestCase):

    def test_the_seed_pattern_template_runs_and_its_waterfall_shows_the_offload(self):
        with Daemon("--template", SEED, "--parameter", "WorkMs=200") as daemon:
            output = "".join(daemon.output)
            self.assertIn("CREATE_COMPLETE  Worker  AWS::Lambda::Function  seed-pattern-worker",
                          output)
            self.assertIn("deployed %s as the stack seed-pattern" % SEED, output)
            lam = boto3_client("lambda", daemon.endpoint)
            try:
                answer = lam.invoke(FunctionName="seed-pattern-front-offload",
                                    Payload=b'{"order": 7}')
                body = json.loads(answer["Payload"].read())
                self.assertNotIn("FunctionError", answer, body)
                self.assertEqual(body["variant"], "offload")
            finally:
                lam.close()
            code, out, err = run("trace", "--last", "--wait", "--timeout", str(int(HANG_S)),
                                 "--assert-offloaded", "--width", "120",
                                 "--endpoint", daemon.endpoint)
            self.assertEqual(code, 0, out + err)
            self.assertIn("seed-pattern-jobs  publish", out)
            self.assertIn("seed-pattern-worker  async succeeded", out)
            self.assertRegex(out, r"seed-pattern-front-offload returned [0-9.]+ ms before the "
                                  r"background work finished")


class DeployTest(unittest.TestCase):
    """One daemon; each test deploys stacks of its own."""

    @classmethod
    def setUpClass(cls):
        cls.daemon = Daemon().start()
        cls.endpoint = cls.daemon.endpoint
        cls.sns = boto3_client("sns", cls.endpoint)
        cls.lam = boto3_client("lambda", cls.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.sns.close()
        cls.lam.close()
        code = cls.daemon.stop()
        assert code == 0, "offstage exited with %s:\n%s" % (code, "".join(cls.daemon.output))

    def deploy(self, path, *args):
        return run("deploy", path, "--endpoint", self.endpoint, *args)

    def topics(self):
        return [t["TopicArn"] for t in self.sns.list_topics()["Topics"]]

    def filter_policy(self, topic_arn, endpoint_suffix):
        for sub in self.sns.list_subscriptions_by_topic(TopicArn=topic_arn)["Subscriptions"]:
            if sub["Endpoint"].endswith(endpoint_suffix):
                attrs = self.sns.get_subscription_attributes(
                    SubscriptionArn=sub["SubscriptionArn"])["Attributes"]
                return json.loads(attrs.get("FilterPolicy", "null"))
        return "no subscription"

    def test_a_redeploy_changes_a_filter_policy_and_removes_a_function(self):
        root = write(temp_dir(self), WORKERS)
        code, out, err = self.deploy(root, "--stack", "workers", "--parameter", "Kind=order")
        self.assertEqual(code, 0, out + err)
        self.assertIn("CREATE_COMPLETE  WorkerB  AWS::Lambda::Function  workers-b", out)
        self.assertIn("Topic = arn:aws:sns:us-east-1:000000000000:workers-jobs", out)
        topic = "arn:aws:sns:us-east-1:000000000000:workers-jobs"
        self.assertEqual(self.filter_policy(topic, ":function:workers-a"), {"kind": ["order"]})
        self.assertIsNone(self.filter_policy(topic, ":function:workers-b"))

        # The filter policy follows the parameter; WorkerB leaves the template.
        text = WORKERS[:WORKERS.index("  WorkerB:")] + WORKERS[WORKERS.index("Outputs:"):]
        write(root, text)
        code, out, err = self.deploy(root, "--stack", "workers", "--parameter", "Kind=refund")
        self.assertEqual(code, 0, out + err)
        self.assertIn("UPDATE_COMPLETE  WorkerAJobs  AWS::SNS::Subscription", out)
        self.assertIn("DELETE_COMPLETE  WorkerB  AWS::Lambda::Function  workers-b", out)
        self.assertIn("DELETE_COMPLETE  WorkerBJobs  AWS::SNS::Subscription", out)
        self.assertEqual(self.filter_policy(topic, ":function:workers-a"), {"kind": ["refund"]})
        self.assertEqual(self.filter_policy(topic, ":function:workers-b"), "no subscription")
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function(FunctionName="workers-b")

        # A refund reaches worker A through the new policy; an order does not.
        self.sns.publish(TopicArn=topic, Message="an order", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "order"}})
        self.sns.publish(TopicArn=topic, Message="a refund", MessageAttributes={
            "kind": {"DataType": "String", "StringValue": "refund"}})
        logs = wait_for_logs(self.endpoint, "workers-a", "worker-a got a refund")
        self.assertIn("worker-a got a refund", logs)
        self.assertNotIn("worker-a got an order", logs)

        # Unchanged: nothing to do. Then destroy takes everything.
        code, out, err = self.deploy(root, "--stack", "workers")
        self.assertEqual(code, 0, out + err)
        self.assertNotIn("_COMPLETE  Worker", out)
        self.assertIn("UPDATE_COMPLETE  workers", out)
        code, out, err = run("destroy", "workers", "--endpoint", self.endpoint)
        self.assertEqual(code, 0, out + err)
        self.assertNotIn(topic, self.topics())
        with self.assertRaises(self.lam.exceptions.ResourceNotFoundException):
            self.lam.get_function(FunctionName="workers-a")
        code, out, err = run("stacks", "workers", "--endpoint", self.endpoint)
        self.assertEqual(code, 1)
        self.assertIn("Stack with id workers does not exist", err)

    def test_a_type_offstage_does_not_emulate_is_reported_and_the_rest_deploys(self):
        root = write(temp_dir(self), """\
Resources:
  Table:
    Type: AWS::DynamoDB::Table
    Properties: {TableName: orders}
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: unsupported-demo, DisplayName: !Ref Table}
""")
        code, out, err = self.deploy(root, "--stack", "unsupported")
        self.assertEqual(code, 0, out + err)
        self.assertIn("SKIPPED  Table  AWS::DynamoDB::Table  not emulated by offstage", out)
        self.assertIn("arn:aws:sns:us-east-1:000000000000:unsupported-demo", self.topics())
        code, out, err = run("stacks", "unsupported", "--endpoint", self.endpoint)
        self.assertEqual(code, 0, err)
        self.assertIn("Table  AWS::DynamoDB::Table", out)
        self.assertIn("(skipped)", out)

    def test_a_sam_sqs_event_consumes_a_queue_the_topic_feeds(self):
        root = write(temp_dir(self), """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: queued-jobs}
  Jobs:
    Type: AWS::SQS::Queue
    Properties:
      VisibilityTimeout: 20
      RedrivePolicy: {deadLetterTargetArn: !GetAtt Dead.Arn, maxReceiveCount: 3}
  Dead:
    Type: AWS::SQS::Queue
  Feed:
    Type: AWS::SNS::Subscription
    Properties:
      TopicArn: !Ref Topic
      Protocol: sqs
      Endpoint: !GetAtt Jobs.Arn
      RawMessageDelivery: true
  Consumer:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: queued-consumer
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => {
          for (const r of event.Records) console.log('consumer got ' + r.body);
        };
      Events:
        Queue:
          Type: SQS
          Properties: {Queue: !GetAtt Jobs.Arn, BatchSize: 5}
Outputs:
  JobsUrl:
    Value: !Ref Jobs
""")
        code, out, err = self.deploy(root, "--stack", "queued")
        self.assertEqual(code, 0, out + err)
        self.assertIn("CREATE_COMPLETE  Jobs  AWS::SQS::Queue", out)
        self.assertIn("CREATE_COMPLETE  ConsumerQueue  AWS::Lambda::EventSourceMapping", out)
        self.assertRegex(out, r"JobsUrl = http://\S+/000000000000/queued-Jobs-")
        sqs = boto3_client("sqs", self.endpoint)
        self.addCleanup(sqs.close)
        jobs = [u for u in sqs.list_queues(QueueNamePrefix="queued-Jobs-")["QueueUrls"]]
        self.assertEqual(len(jobs), 1)
        redrive = json.loads(sqs.get_queue_attributes(
            QueueUrl=jobs[0], AttributeNames=["RedrivePolicy"])["Attributes"]["RedrivePolicy"])
        self.assertEqual(redrive["maxReceiveCount"], 3)
        self.sns.publish(TopicArn="arn:aws:sns:us-east-1:000000000000:queued-jobs",
                         Message="through the queue")
        self.assertIn("consumer got through the queue",
                      wait_for_logs(self.endpoint, "queued-consumer", "through the queue"))
        # Destroyed with its stack: the queues and the mapping go too.
        code, out, err = run("destroy", "queued", "--endpoint", self.endpoint)
        self.assertEqual(code, 0, out + err)
        self.assertNotIn("QueueUrls", sqs.list_queues(QueueNamePrefix="queued-"))
        self.assertEqual(self.lam.list_event_source_mappings()["EventSourceMappings"], [])

    def test_a_sam_sns_event_with_sqs_subscription_gets_its_queue(self):
        # SqsSubscription: true makes the queue, its policy, the sqs subscription and the
        # mapping SAM makes, under SAM's logical ids; the worker gets SNS's notification.
        root = write(temp_dir(self), """\
Transform: AWS::Serverless-2016-10-31
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: buffered-jobs}
  Worker:
    Type: AWS::Serverless::Function
    Properties:
      FunctionName: buffered-worker
      Runtime: nodejs20.x
      Handler: index.handler
      InlineCode: |
        exports.handler = async (event) => {
          for (const r of event.Records) console.log('buffered got ' + JSON.parse(r.body).Message);
        };
      Events:
        Jobs:
          Type: SNS
          Properties:
            Topic: !Ref Topic
            SqsSubscription: true
            FilterPolicy: {kind: [job]}
""")
        code, out, err = self.deploy(root, "--stack", "buffered")
        self.assertEqual(code, 0, out + err)
        for logical, kind in (("WorkerJobsQueue", "AWS::SQS::Queue"),
                              ("WorkerJobsQueuePolicy", "AWS::SQS::QueuePolicy"),
                              ("WorkerJobs", "AWS::SNS::Subscription"),
                              ("WorkerJobsEventSourceMapping", "AWS::Lambda::EventSourceMapping")):
            self.assertIn("CREATE_COMPLETE  %s  %s" % (logical, kind), out)
        self.assertNotIn("NOTE", out)
        topic = "arn:aws:sns:us-east-1:000000000000:buffered-jobs"
        self.sns.publish(TopicArn=topic, Message="filtered out",
                         MessageAttributes={"kind": {"DataType": "String", "StringValue": "other"}})
        self.sns.publish(TopicArn=topic, Message="through SAM's queue",
                         MessageAttributes={"kind": {"DataType": "String", "StringValue": "job"}})
        logs = wait_for_logs(self.endpoint, "buffered-worker", "through SAM's queue")
        self.assertIn("buffered got through SAM's queue", logs)
        self.assertNotIn("filtered out", logs)
        # Destroyed with its stack (the class's daemon is shared: nothing left behind).
        code, out, err = run("destroy", "buffered", "--endpoint", self.endpoint)
        self.assertEqual(code, 0, out + err)
        sqs = boto3_client("sqs", self.endpoint)
        self.addCleanup(sqs.close)
        self.assertNotIn("QueueUrls", sqs.list_queues(QueueNamePrefix="buffered-"))

    def test_sam_inits_hello_world_deploys_with_its_api_reported(self):
        # `sam init`'s template: an Api event and outputs that name SAM's implicit API.
        root = write(temp_dir(self), """\
AWSTemplateFormatVersion: '2010-09-09'
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    Timeout: 3
Resources:
  HelloWorldFunction:
    Type: AWS::Serverless::Function
    Properties:
      InlineCode: "exports.lambdaHandler = async () => ({statusCode: 200, body: 'hello world'});"
      Handler: index.lambdaHandler
      Runtime: nodejs20.x
      Events:
        HelloWorld:
          Type: Api
          Properties:
            Path: /hello
            Method: get
Outputs:
  HelloWorldApi:
    Value: !Sub "https://${ServerlessRestApi}.execute-api.${AWS::Region}.amazonaws.com/Prod/hello/"
  HelloWorldFunction:
    Value: !GetAtt HelloWorldFunction.Arn
""")
        code, out, err = self.deploy(root, "--stack", "hello")
        self.assertEqual(code, 0, out + err)
        self.assertIn("SKIPPED  ServerlessRestApi  AWS::ApiGateway::RestApi  not emulated by "
                      "offstage", out)
        self.assertIn("NOTE  HelloWorldFunction: event HelloWorld of type Api is not emulated",
                      out)
        self.assertIn("HelloWorldFunction = arn:aws:lambda:us-east-1:000000000000:function:"
                      "hello-HelloWorldFunction-", out)
        name = re.search(r"function:(hello-HelloWorldFunction-\w+)", out).group(1)
        answer = self.lam.invoke(FunctionName=name)
        self.assertEqual(json.loads(answer["Payload"].read())["body"], "hello world")

    def test_template_errors_are_cloudformations_and_create_nothing(self):
        cases = [
            ("Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: bad-getatt}}\n"
             "  U: {Type: AWS::SNS::Topic, Properties: {DisplayName: !GetAtt T.Nope}}\n",
             "Template error: resource T does not support attribute type Nope in Fn::GetAtt"),
            ("Parameters:\n  Stage: {Type: String}\n"
             "Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref Stage}}\n",
             "Parameters: [Stage] must have values"),
            ("Resources:\n"
             "  A: {Type: AWS::SNS::Topic, Properties: {TopicName: cycle-a, DisplayName: !GetAtt B.TopicName}}\n"
             "  B: {Type: AWS::SNS::Topic, Properties: {TopicName: cycle-b, DisplayName: !GetAtt A.TopicName}}\n",
             "Circular dependency between resources: [A, B]"),
            ("Resources:\n  T: {Type: AWS::SNS::Topic, Properties: {TopicName: !Ref Ghost}}\n",
             "Template format error: Unresolved resource dependencies [Ghost] in the Resources "
             "block of the template"),
            ("Resources:\n  T: !Reff x\n", "template.yaml:2:6: unknown tag !Reff"),
        ]
        before = self.topics()
        for text, message in cases:
            with self.subTest(message=message):
                root = write(temp_dir(self), text)
                code, out, err = self.deploy(root, "--stack", "broken")
                self.assertEqual(code, 1, out + err)
                self.assertIn(message, err)
        self.assertEqual(self.topics(), before)
        code, out, err = run("stacks", "broken", "--endpoint", self.endpoint)
        self.assertEqual(code, 1, out)

    def test_a_failed_deploy_rolls_back_what_it_created(self):
        root = write(temp_dir(self), """\
Resources:
  Topic:
    Type: AWS::SNS::Topic
    Properties: {TopicName: rollback-demo}
  Fn:
    Type: AWS::Lambda::Function
    DependsOn: Topic
    Properties:
      FunctionName: rollback-fn
      Runtime: nodejs0.10
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/r
      Code: {ZipFile: "exports.handler = async () => 1;"}
""")
        code, out, err = self.deploy(root, "--stack", "rollback")
        self.assertEqual(code, 1, out + err)
        self.assertIn("Fn (AWS::Lambda::Function): CREATE_FAILED: InvalidParameterValueException",
                      err)
        self.assertIn("The stack was rolled back (nothing was created)", err)
        self.assertNotIn("arn:aws:sns:us-east-1:000000000000:rollback-demo", self.topics())


class VerifiedSignaturesTest(unittest.TestCase):

    def test_a_daemon_that_checks_signatures_deploys_a_template(self):
        # The deployer's own requests are signed (they were refused before: unsigned).
        root = write(temp_dir(self), """\
Resources:
  Topic: {Type: AWS::SNS::Topic, Properties: {TopicName: signed-topic}}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: signed-fn
      Runtime: nodejs20.x
      Handler: index.handler
      Role: arn:aws:iam::000000000000:role/r
      Code: {ZipFile: "exports.handler = async () => 'signed';"}
  Sub:
    Type: AWS::SNS::Subscription
    Properties: {TopicArn: !Ref Topic, Protocol: lambda, Endpoint: !GetAtt Fn.Arn}
""")
        with Daemon("--verify-signatures", "--access-key", "AKIDOFFSTAGETEST:s3cret",
                    "--template", root) as daemon:
            output = "".join(daemon.output)
            self.assertIn("CREATE_COMPLETE  Sub  AWS::SNS::Subscription", output)
            code, out, err = run("deploy", root, "--stack", "second", "--endpoint",
                                 daemon.endpoint)
            # The same names again, from another stack: refused as CloudFormation refuses them
            # (the function comes first in the order), and nothing is left half-made.
            self.assertEqual(code, 1, out + err)
            self.assertIn("Fn (AWS::Lambda::Function): CREATE_FAILED: ResourceConflictException: "
                          "Function already exist: signed-fn. The stack was rolled back (nothing "
                          "was created)", err)


class StackRestartTest(unittest.TestCase):

    def test_a_stack_survives_a_restart_and_a_changed_template_is_deployed_again(self):
        data = temp_dir(self)
        root = write(temp_dir(self), "Resources:\n  T: {Type: AWS::SNS::Topic, "
                                     "Properties: {TopicName: watched-one}}\n")
        with Daemon("--template", root, data_dir=data) as daemon:
            sns = boto3_client("sns", daemon.endpoint)
            try:
                write(root, "Resources:\n  T: {Type: AWS::SNS::Topic, "
                            "Properties: {TopicName: watched-one}}\n"
                            "  U: {Type: AWS::SNS::Topic, Properties: {TopicName: watched-two}}\n")
                deadline = time.monotonic() + HANG_S
                arns = []
                while time.monotonic() < deadline:
                    arns = [t["TopicArn"] for t in sns.list_topics()["Topics"]]
                    if any(a.endswith(":watched-two") for a in arns):
                        break
                    time.sleep(0.2)
                self.assertIn("arn:aws:sns:us-east-1:000000000000:watched-two", arns)
            finally:
                sns.close()
        with Daemon(data_dir=data) as daemon:
            code, out, err = run("stacks", "--endpoint", daemon.endpoint)
            self.assertEqual(code, 0, err)
            code, out, err = run("stacks", "--format", "json", "--endpoint", daemon.endpoint)
            self.assertEqual(code, 0, err)
            stacks = json.loads(out)["stacks"]
            self.assertEqual(len(stacks), 1, out)
            self.assertEqual(stacks[0]["status"], "UPDATE_COMPLETE")
            self.assertEqual(stacks[0]["source"], os.path.join(root, "template.yaml"))
            self.assertEqual([r["physical_id"] for r in stacks[0]["resources"]],
                             ["arn:aws:sns:us-east-1:000000000000:watched-one",
                              "arn:aws:sns:us-east-1:000000000000:watched-two"])

if __name__ == "__main__":
    unittest.main()

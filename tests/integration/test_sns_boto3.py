"""Every SNS action offstage serves, driven by boto3 through AWS_ENDPOINT_URL.

Assertions follow real AWS (../shared/reference/aws-wire-protocol.md §2 and the researched error
table): botocore's error code, the HTTP status and, where a real-AWS snapshot gives it, the
exact message.
"""
import json
import re
import unittest
import uuid

import botocore.exceptions

import harness

ACCOUNT = "000000000000"
REGION = "us-east-1"
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
DEFAULT_EFFECTIVE_DELIVERY = {"http": {"defaultHealthyRetryPolicy": {
    "minDelayTarget": 20, "maxDelayTarget": 20, "numRetries": 3, "numMaxDelayRetries": 0,
    "numNoDelayRetries": 0, "numMinDelayRetries": 0, "backoffFunction": "linear"},
    "disableSubscriptionOverrides": False,
    "defaultRequestPolicy": {"headerContentType": "text/plain; charset=UTF-8"}}}


def unique(prefix):
    return "%s-%s" % (prefix, uuid.uuid4().hex[:12])


def function_arn(name):
    return "arn:aws:lambda:%s:%s:function:%s" % (REGION, ACCOUNT, name)


def default_policy(topic_arn):
    return {"Version": "2008-10-17", "Id": "__default_policy_ID", "Statement": [{
        "Sid": "__default_statement_ID", "Effect": "Allow", "Principal": {"AWS": "*"},
        "Action": ["SNS:GetTopicAttributes", "SNS:SetTopicAttributes", "SNS:AddPermission",
                   "SNS:RemovePermission", "SNS:DeleteTopic", "SNS:Subscribe",
                   "SNS:ListSubscriptionsByTopic", "SNS:Publish"],
        "Resource": topic_arn,
        "Condition": {"StringEquals": {"AWS:SourceOwner": ACCOUNT}}}]}


class SnsBoto3Test(harness.DaemonTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.sns = harness.boto3_client("sns", cls.endpoint)

    # ---- helpers ----
    def assertError(self, code, status, call, message=None, message_prefix=None, **kwargs):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            call(**kwargs)
        response = caught.exception.response
        self.assertEqual(response["Error"]["Code"], code, response["Error"])
        self.assertEqual(response["ResponseMetadata"]["HTTPStatusCode"], status)
        if message is not None:
            self.assertEqual(response["Error"]["Message"], message)
        if message_prefix is not None:
            self.assertTrue(response["Error"]["Message"].startswith(message_prefix),
                            response["Error"]["Message"])
        return response["Error"]

    def topic(self, name=None, **kwargs):
        return self.sns.create_topic(Name=name or unique("t"), **kwargs)["TopicArn"]

    def fifo_topic(self, content_based=False):
        return self.topic(unique("f") + ".fifo", Attributes={
            "FifoTopic": "true", "ContentBasedDeduplication": str(content_based).lower()})

    def attrs(self, topic_arn):
        return self.sns.get_topic_attributes(TopicArn=topic_arn)["Attributes"]

    def sub_attrs(self, sub_arn):
        return self.sns.get_subscription_attributes(SubscriptionArn=sub_arn)["Attributes"]

    def messages(self):
        return json.loads(self.daemon.get("/_offstage/health")[1])["counts"]["messages"]

    # ---- CreateTopic / DeleteTopic / ListTopics ----
    def test_create_topic_attributes_tags_and_idempotency(self):
        name = unique("full")
        policy = default_policy("arn:aws:sns:%s:%s:%s" % (REGION, ACCOUNT, name))
        policy["Statement"][0]["Sid"] = "custom"
        delivery = {"http": {"defaultHealthyRetryPolicy": {"numRetries": 5}}}
        attributes = {"DisplayName": "Orders", "Policy": json.dumps(policy),
                      "DeliveryPolicy": json.dumps(delivery), "SignatureVersion": "2",
                      "TracingConfig": "Active", "KmsMasterKeyId": "alias/aws/sns"}
        tags = [{"Key": "env", "Value": "dev"}, {"Key": "team", "Value": "a"}]
        arn = self.topic(name, Attributes=attributes, Tags=tags)
        self.assertEqual(arn, "arn:aws:sns:%s:%s:%s" % (REGION, ACCOUNT, name))
        got = self.attrs(arn)
        for key in ("DisplayName", "SignatureVersion", "TracingConfig", "KmsMasterKeyId"):
            self.assertEqual(got[key], attributes[key], key)
        self.assertEqual(json.loads(got["Policy"]), policy)
        self.assertEqual(json.loads(got["DeliveryPolicy"]), delivery)
        self.assertEqual(json.loads(got["EffectiveDeliveryPolicy"])["http"]
                         ["defaultHealthyRetryPolicy"]["numRetries"], 5)
        self.assertNotIn("FifoTopic", got)
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"], tags)
        # Same name with the same, or no, attributes and tags: same ARN.
        self.assertEqual(self.topic(name, Attributes=attributes, Tags=tags), arn)
        self.assertEqual(self.topic(name), arn)
        self.assertError("InvalidParameter", 400, self.sns.create_topic, Name=name,
                         Attributes={"DisplayName": "Other"},
                         message="Invalid parameter: Attributes Reason: Topic already exists "
                                 "with different attributes")
        self.assertError("InvalidParameter", 400, self.sns.create_topic, Name=name,
                         Tags=[{"Key": "env", "Value": "prod"}],
                         message="Invalid parameter: Tags Reason: Topic already exists with "
                                 "different tags")
        plain = self.topic()
        self.assertError("InvalidParameter", 400, self.sns.create_topic,
                         Name=plain.split(":")[-1], Tags=[{"Key": "k", "Value": "v"}],
                         message="Invalid parameter: Tags Reason: Topic already exists with "
                                 "different tags")

    def test_create_fifo_topic(self):
        arn = self.fifo_topic()
        got = self.attrs(arn)
        self.assertEqual(got["FifoTopic"], "true")
        self.assertEqual(got["ContentBasedDeduplication"], "false")
        arn2 = self.fifo_topic(content_based=True)
        self.assertEqual(self.attrs(arn2)["ContentBasedDeduplication"], "true")
        self.assertError("InvalidParameter", 400, self.sns.create_topic, Name=unique("nofifo"),
                         Attributes={"FifoTopic": "true"})
        self.assertError("InvalidParameter", 400, self.sns.create_topic, Name="bad name!",
                         message="Invalid parameter: Topic Name")

    def test_delete_topic_is_idempotent_and_drops_subscriptions(self):
        arn = self.topic()
        sub = self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                 Endpoint=function_arn("gone"))["SubscriptionArn"]
        self.sns.delete_topic(TopicArn=arn)
        self.sns.delete_topic(TopicArn=arn)
        self.assertError("NotFound", 404, self.sns.get_topic_attributes, TopicArn=arn,
                         message="Topic does not exist")
        listed = [s["SubscriptionArn"] for page in
                  self.sns.get_paginator("list_subscriptions").paginate()
                  for s in page["Subscriptions"]]
        self.assertNotIn(sub, listed)
        self.assertError("InvalidParameter", 400, self.sns.delete_topic, TopicArn="foo",
                         message="Invalid parameter: TopicArn Reason: An ARN must have at "
                                 "least 6 elements, not 1")

    def test_list_topics_paginates_100_per_page(self):
        prefix = unique("page")
        created = {self.topic("%s-%03d" % (prefix, i)) for i in range(205)}
        pages = list(self.sns.get_paginator("list_topics").paginate())
        self.assertGreaterEqual(len(pages), 3)
        for page in pages[:-1]:
            self.assertEqual(len(page["Topics"]), 100)
            self.assertTrue(page.get("NextToken"))
        self.assertLessEqual(len(pages[-1]["Topics"]), 100)
        self.assertFalse(pages[-1].get("NextToken"))
        listed = [t["TopicArn"] for page in pages for t in page["Topics"]]
        self.assertEqual(len(listed), len(set(listed)), "a topic was listed twice")
        self.assertTrue(created <= set(listed), created - set(listed))

    # ---- Get/SetTopicAttributes ----
    def test_get_topic_attributes_defaults_and_counts(self):
        arn = self.topic()
        got = self.attrs(arn)
        self.assertEqual(set(got), {"TopicArn", "Owner", "Policy", "DisplayName",
                                    "EffectiveDeliveryPolicy", "SubscriptionsConfirmed",
                                    "SubscriptionsPending", "SubscriptionsDeleted"})
        self.assertEqual(got["TopicArn"], arn)
        self.assertEqual(got["Owner"], ACCOUNT)
        self.assertEqual(got["DisplayName"], "")
        self.assertEqual(json.loads(got["Policy"]), default_policy(arn))
        self.assertEqual(json.loads(got["EffectiveDeliveryPolicy"]), DEFAULT_EFFECTIVE_DELIVERY)
        self.assertEqual((got["SubscriptionsConfirmed"], got["SubscriptionsPending"],
                          got["SubscriptionsDeleted"]), ("0", "0", "0"))
        self.sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=function_arn("a"))
        self.sns.subscribe(TopicArn=arn, Protocol="lambda", Endpoint=function_arn("b"))
        self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://127.0.0.1:9/h")
        got = self.attrs(arn)
        self.assertEqual((got["SubscriptionsConfirmed"], got["SubscriptionsPending"]), ("2", "1"))
        self.assertError("NotFound", 404, self.sns.get_topic_attributes,
                         TopicArn="arn:aws:sns:%s:%s:nope-%s" % (REGION, ACCOUNT, uuid.uuid4().hex),
                         message="Topic does not exist")

    def test_set_topic_attributes(self):
        arn = self.topic()
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="DisplayName",
                                      AttributeValue="Shown")
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="DeliveryPolicy",
                                      AttributeValue=json.dumps({"http": {
                                          "defaultHealthyRetryPolicy": {"numRetries": 7}}}))
        policy = default_policy(arn)
        policy["Statement"][0]["Sid"] = "replaced"
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="Policy",
                                      AttributeValue=json.dumps(policy))
        got = self.attrs(arn)
        self.assertEqual(got["DisplayName"], "Shown")
        self.assertEqual(json.loads(got["Policy"]), policy)
        effective = json.loads(got["EffectiveDeliveryPolicy"])
        self.assertEqual(effective["http"]["defaultHealthyRetryPolicy"]["numRetries"], 7)
        # DeliveryPolicy="" removes it (real-AWS snapshot test_topic_delivery_policy_crud).
        self.sns.set_topic_attributes(TopicArn=arn, AttributeName="DeliveryPolicy",
                                      AttributeValue="")
        got = self.attrs(arn)
        self.assertNotIn("DeliveryPolicy", got)
        self.assertEqual(json.loads(got["EffectiveDeliveryPolicy"]), DEFAULT_EFFECTIVE_DELIVERY)
        self.assertError("InvalidParameter", 400, self.sns.set_topic_attributes, TopicArn=arn,
                         AttributeName="NoSuchThing", AttributeValue="x",
                         message="Invalid parameter: AttributeName")
        self.assertError("InvalidParameter", 400, self.sns.set_topic_attributes, TopicArn=arn,
                         AttributeName="FifoTopic", AttributeValue="true",
                         message="Invalid parameter: AttributeName")
        self.assertError("NotFound", 404, self.sns.set_topic_attributes,
                         TopicArn=arn + "-missing", AttributeName="DisplayName",
                         AttributeValue="x", message="Topic does not exist")

    # ---- Subscribe / ConfirmSubscription / Unsubscribe ----
    def test_subscribe_lambda_is_confirmed(self):
        arn = self.topic()
        sub = self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                 Endpoint=function_arn("fn"))["SubscriptionArn"]
        self.assertTrue(sub.startswith(arn + ":"), sub)
        self.assertTrue(UUID.match(sub[len(arn) + 1:]), sub)
        got = self.sub_attrs(sub)
        self.assertEqual(set(got), {"ConfirmationWasAuthenticated", "Endpoint", "Owner",
                                    "PendingConfirmation", "Protocol", "RawMessageDelivery",
                                    "SubscriptionArn", "SubscriptionPrincipal", "TopicArn"})
        self.assertEqual((got["PendingConfirmation"], got["ConfirmationWasAuthenticated"],
                          got["RawMessageDelivery"]), ("false", "true", "false"))
        self.assertEqual((got["Protocol"], got["Endpoint"], got["TopicArn"], got["Owner"]),
                         ("lambda", function_arn("fn"), arn, ACCOUNT))
        # Idempotent: the same endpoint again answers the same ARN.
        self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                            Endpoint=function_arn("fn"))["SubscriptionArn"], sub)

    def test_subscribe_http_is_pending(self):
        arn = self.topic()
        endpoint = "http://127.0.0.1:9/hook"
        self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol="http",
                                            Endpoint=endpoint)["SubscriptionArn"],
                         "pending confirmation")
        sub = self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint=endpoint,
                                 ReturnSubscriptionArn=True)["SubscriptionArn"]
        self.assertTrue(sub.startswith(arn + ":"), sub)
        got = self.sub_attrs(sub)
        self.assertEqual((got["PendingConfirmation"], got["ConfirmationWasAuthenticated"]),
                         ("true", "false"))
        listed = self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
        self.assertEqual([(s["SubscriptionArn"], s["Protocol"], s["Endpoint"]) for s in listed],
                         [("PendingConfirmation", "http", endpoint)])
        self.assertEqual(self.attrs(arn)["SubscriptionsPending"], "1")

    def test_subscribe_every_protocol(self):
        arn = self.topic()
        cases = [("http", "http://127.0.0.1:9/a", True), ("https", "https://example.com/b", True),
                 ("email", "user@example.com", True), ("email-json", "user@example.com", True),
                 ("sms", "+15555550100", False),
                 ("sqs", "arn:aws:sqs:us-east-1:000000000000:q", False),
                 ("lambda", function_arn("every"), False)]
        for protocol, endpoint, pending in cases:
            with self.subTest(protocol=protocol):
                result = self.sns.subscribe(TopicArn=arn, Protocol=protocol,
                                            Endpoint=endpoint)["SubscriptionArn"]
                if pending:
                    self.assertEqual(result, "pending confirmation")
                else:
                    self.assertTrue(result.startswith(arn + ":"), result)
                    self.assertEqual(self.sub_attrs(result)["Protocol"], protocol)
        firehose = self.sns.subscribe(
            TopicArn=arn, Protocol="firehose",
            Endpoint="arn:aws:firehose:us-east-1:000000000000:deliverystream/s",
            Attributes={"SubscriptionRoleArn": "arn:aws:iam::000000000000:role/r"})
        self.assertTrue(firehose["SubscriptionArn"].startswith(arn + ":"))
        got = self.attrs(arn)
        self.assertEqual((got["SubscriptionsConfirmed"], got["SubscriptionsPending"]), ("4", "4"))

    def test_subscribe_validation_errors(self):
        arn = self.topic()
        bad = [("test-protocol", "x",
                "Invalid parameter: Amazon SNS does not support this protocol string: "
                "test-protocol"),
               ("sqs", "http://localhost:4566/000000000000/q", "Invalid parameter: SQS endpoint ARN"),
               ("sms", "NAA+15551234567", "Invalid SMS endpoint: NAA+15551234567"),
               ("http", "ftp://example.com", None), ("https", "http://example.com", None),
               ("lambda", "not-an-arn", None), ("email", "nobody", None)]
        for protocol, endpoint, message in bad:
            with self.subTest(protocol=protocol, endpoint=endpoint):
                self.assertError("InvalidParameter", 400, self.sns.subscribe, TopicArn=arn,
                                 Protocol=protocol, Endpoint=endpoint, message=message)
        self.assertError("NotFound", 404, self.sns.subscribe, TopicArn=arn + "-missing",
                         Protocol="lambda", Endpoint=function_arn("x"),
                         message="Topic does not exist")
        self.assertError("InvalidParameter", 400, self.sns.subscribe,
                         TopicArn="arn:aws:sns:eu-west-1:%s:t" % ACCOUNT, Protocol="lambda",
                         Endpoint=function_arn("x"), message="Invalid parameter: TopicArn")

    def test_subscribe_attributes_and_idempotency(self):
        arn = self.topic()
        queue = "arn:aws:sqs:us-east-1:000000000000:" + unique("q")
        filter_policy = json.dumps({"color": ["red"]})
        attributes = {"RawMessageDelivery": "true", "FilterPolicy": filter_policy}
        sub = self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue,
                                 Attributes=attributes)["SubscriptionArn"]
        got = self.sub_attrs(sub)
        self.assertEqual(got["RawMessageDelivery"], "true")
        self.assertEqual(json.loads(got["FilterPolicy"]), {"color": ["red"]})
        self.assertEqual(got["FilterPolicyScope"], "MessageAttributes")
        for same in (attributes, {}, None):
            kwargs = {} if same is None else {"Attributes": same}
            self.assertEqual(self.sns.subscribe(TopicArn=arn, Protocol="sqs", Endpoint=queue,
                                                **kwargs)["SubscriptionArn"], sub)
        self.assertError("InvalidParameter", 400, self.sns.subscribe, TopicArn=arn,
                         Protocol="sqs", Endpoint=queue, Attributes={"RawMessageDelivery": "false"},
                         message="Invalid parameter: Attributes Reason: Subscription already "
                                 "exists with different attributes")
        self.assertError("InvalidParameter", 400, self.sns.subscribe, TopicArn=arn,
                         Protocol="sqs", Endpoint=queue + "2",
                         Attributes={"RawMessageDelivery": "wrongvalue"},
                         message="Invalid parameter: Attributes Reason: RawMessageDelivery: "
                                 "Invalid value [wrongvalue]. Must be true or false.")

    def test_confirm_subscription_invalid_tokens(self):
        arn = self.topic()
        self.sns.subscribe(TopicArn=arn, Protocol="https", Endpoint="https://example.com/c")
        self.assertError("InvalidParameter", 400, self.sns.confirm_subscription, TopicArn=arn,
                         Token="not a token!", message="Invalid token")
        self.assertError("InvalidParameter", 400, self.sns.confirm_subscription, TopicArn=arn,
                         Token="ab" * 128, message="Invalid parameter: Token")
        self.assertError("InvalidParameter", 400, self.sns.confirm_subscription,
                         TopicArn=arn + "-missing", Token="cd" * 128,
                         message="Invalid parameter: Token")
        self.assertEqual(self.attrs(arn)["SubscriptionsPending"], "1")

    def test_unsubscribe(self):
        arn = self.topic()
        sub = self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                 Endpoint=function_arn("u"))["SubscriptionArn"]
        self.sns.unsubscribe(SubscriptionArn=sub)
        self.sns.unsubscribe(SubscriptionArn=sub)  # idempotent
        self.assertError("NotFound", 404, self.sns.get_subscription_attributes,
                         SubscriptionArn=sub, message="Subscription does not exist")
        self.assertEqual(self.sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"], [])
        self.assertError("InvalidParameter", 400, self.sns.unsubscribe,
                         SubscriptionArn="randomstring",
                         message="Invalid parameter: SubscriptionArn Reason: An ARN must have "
                                 "at least 6 elements, not 1")
        self.assertError("InvalidParameter", 400, self.sns.unsubscribe,
                         SubscriptionArn="arn:aws:sns:us-east-1:000000000000",
                         message="Invalid parameter: SubscriptionArn Reason: An ARN must have "
                                 "at least 6 elements, not 5")
        self.assertError("InvalidParameter", 400, self.sns.unsubscribe, SubscriptionArn=arn,
                         message="Invalid parameter: SubscriptionId")
        self.assertError("InvalidParameter", 400, self.sns.unsubscribe,
                         SubscriptionArn="pending confirmation")

    def test_list_subscriptions_paginate_past_100(self):
        arn = self.topic()
        confirmed = {self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                        Endpoint=function_arn("p%03d" % i))["SubscriptionArn"]
                     for i in range(105)}
        self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://127.0.0.1:9/p")
        for paginator, kwargs in (("list_subscriptions_by_topic", {"TopicArn": arn}),
                                  ("list_subscriptions", {})):
            with self.subTest(paginator=paginator):
                pages = list(self.sns.get_paginator(paginator).paginate(**kwargs))
                for page in pages:
                    self.assertLessEqual(len(page["Subscriptions"]), 100)
                self.assertEqual(len(pages[0]["Subscriptions"]), 100)
                mine = [s for page in pages for s in page["Subscriptions"]
                        if s["TopicArn"] == arn]
                self.assertEqual(len(mine), 106)
                self.assertEqual({s["SubscriptionArn"] for s in mine},
                                 confirmed | {"PendingConfirmation"})
                self.assertTrue(all(s["Owner"] == ACCOUNT for s in mine))
        self.assertError("NotFound", 404, self.sns.list_subscriptions_by_topic,
                         TopicArn=arn + "-missing", message="Topic does not exist")

    # ---- Get/SetSubscriptionAttributes ----
    def test_subscription_attributes(self):
        arn = self.topic()
        http = self.sns.subscribe(TopicArn=arn, Protocol="http", Endpoint="http://127.0.0.1:9/s",
                                  ReturnSubscriptionArn=True)["SubscriptionArn"]
        lam = self.sns.subscribe(TopicArn=arn, Protocol="lambda",
                                 Endpoint=function_arn("s"))["SubscriptionArn"]
        set_attr = self.sns.set_subscription_attributes
        set_attr(SubscriptionArn=lam, AttributeName="FilterPolicy",
                 AttributeValue=json.dumps({"kind": ["a", "b"]}))
        got = self.sub_attrs(lam)
        self.assertEqual(json.loads(got["FilterPolicy"]), {"kind": ["a", "b"]})
        self.assertEqual(got["FilterPolicyScope"], "MessageAttributes")
        set_attr(SubscriptionArn=lam, AttributeName="FilterPolicyScope",
                 AttributeValue="MessageBody")
        self.assertEqual(self.sub_attrs(lam)["FilterPolicyScope"], "MessageBody")
        self.assertError("InvalidParameter", 400, set_attr, SubscriptionArn=lam,
                         AttributeName="FilterPolicyScope", AttributeValue="Everything")
        self.assertError("InvalidParameter", 400, set_attr, SubscriptionArn=lam,
                         AttributeName="FilterPolicy", AttributeValue="{invalidjson}",
                         message_prefix="Invalid parameter: FilterPolicy: failed to parse JSON.")
        # RawMessageDelivery: fine for http, not supported for lambda.
        set_attr(SubscriptionArn=http, AttributeName="RawMessageDelivery", AttributeValue="true")
        self.assertEqual(self.sub_attrs(http)["RawMessageDelivery"], "true")
        self.assertError("InvalidParameter", 400, set_attr, SubscriptionArn=http,
                         AttributeName="RawMessageDelivery", AttributeValue="test-ValUe",
                         message="Invalid parameter: RawMessageDelivery: Invalid value "
                                 "[test-ValUe]. Must be true or false.")
        error = self.assertError("InvalidParameter", 400, set_attr, SubscriptionArn=lam,
                                 AttributeName="RawMessageDelivery", AttributeValue="true")
        self.assertIn("does not support raw message delivery", error["Message"])
        self.assertEqual(self.sub_attrs(lam)["RawMessageDelivery"], "false")
        # RedrivePolicy.
        redrive = {"deadLetterTargetArn": "arn:aws:sqs:us-east-1:000000000000:dlq"}
        set_attr(SubscriptionArn=lam, AttributeName="RedrivePolicy",
                 AttributeValue=json.dumps(redrive))
        self.assertEqual(json.loads(self.sub_attrs(lam)["RedrivePolicy"]), redrive)
        self.assertError("InvalidParameter", 400, set_attr, SubscriptionArn=lam,
                         AttributeName="RedrivePolicy",
                         AttributeValue=json.dumps({"deadLetterTargetArn": "nope"}),
                         message="Invalid parameter: RedrivePolicy: deadLetterTargetArn is an "
                                 "invalid arn")
        self.assertError("InvalidParameter", 400, set_attr, SubscriptionArn=lam,
                         AttributeName="RedrivePolicy", AttributeValue="{invalidjson}",
                         message_prefix="Invalid parameter: RedrivePolicy: failed to parse JSON.")
        # DeliveryPolicy on http shows up merged in EffectiveDeliveryPolicy.
        delivery = {"healthyRetryPolicy": {"numRetries": 9}}
        set_attr(SubscriptionArn=http, AttributeName="DeliveryPolicy",
                 AttributeValue=json.dumps(delivery))
        got = self.sub_attrs(http)
        self.assertEqual(json.loads(got["DeliveryPolicy"]), delivery)
        self.assertEqual(json.loads(got["EffectiveDeliveryPolicy"])["healthyRetryPolicy"]
                         ["numRetries"], 9)
        self.assertError("InvalidParameter", 400, set_attr, SubscriptionArn=lam,
                         AttributeName="NoSuchAttribute", AttributeValue="x",
                         message="Invalid parameter: AttributeName")
        self.assertError("NotFound", 404, set_attr, SubscriptionArn=lam + "0",
                         AttributeName="FilterPolicy", AttributeValue="{}",
                         message="Subscription does not exist")

    # ---- Publish ----
    def test_publish_standard_with_every_attribute_type(self):
        arn = self.topic()
        before = self.messages()
        attributes = {
            "s": {"DataType": "String", "StringValue": "red"},
            "n": {"DataType": "Number", "StringValue": "-12.5e3"},
            "b": {"DataType": "Binary", "BinaryValue": b"\x00\x01\xff"},
            "arr": {"DataType": "String.Array", "StringValue": json.dumps(["a", 1, True, None])},
            "cs": {"DataType": "String.custom", "StringValue": "x"},
            "cn": {"DataType": "Number.float", "StringValue": "3.14"},
            "cb": {"DataType": "Binary.gif", "BinaryValue": b"GIF89a"},
            "dot.ted-name_1": {"DataType": "String", "StringValue": "ok"},
        }
        out = self.sns.publish(TopicArn=arn, Message="hello", Subject="Greetings",
                               MessageAttributes=attributes)
        self.assertRegex(out["MessageId"], UUID)
        self.assertNotIn("SequenceNumber", out)
        out2 = self.sns.publish(TargetArn=arn, Message="via target")
        self.assertNotEqual(out2["MessageId"], out["MessageId"])
        structured = json.dumps({"default": "d", "lambda": "l", "http": "h"})
        self.sns.publish(TopicArn=arn, Message=structured, MessageStructure="json")
        self.assertEqual(self.messages(), before + 3)
        self.assertError("NotFound", 404, self.sns.publish, TopicArn=arn + "-missing",
                         Message="x", message="Topic does not exist")
        self.assertError("InvalidParameter", 400, self.sns.publish, TopicArn=arn, Message="",
                         message="Invalid parameter: Empty message")
        self.assertError("InvalidParameter", 400, self.sns.publish, TopicArn=arn, Message="x",
                         Subject="", message="Invalid parameter: Subject")
        self.assertError("InvalidParameter", 400, self.sns.publish, TopicArn=arn,
                         Message=json.dumps({"lambda": "l"}), MessageStructure="json",
                         message="Invalid parameter: Message Structure - No default entry in "
                                 "JSON message body")
        self.assertError("ParameterValueInvalid", 400, self.sns.publish, TopicArn=arn,
                         Message="x",
                         MessageAttributes={"attr1": {"DataType": "Stringg", "StringValue": "v"}},
                         message="The message attribute 'attr1' has an invalid message attribute "
                                 "type, the set of supported type prefixes is Binary, Number, "
                                 "and String.")
        self.assertEqual(self.messages(), before + 3)
        # Bodies above 8 KiB must reach SNS (a 256 KiB message is legal).
        self.assertRegex(self.sns.publish(TopicArn=arn, Message="y" * 200000)["MessageId"], UUID)
        self.assertError("InvalidParameter", 400, self.sns.publish, TopicArn=arn,
                         Message="x" * 262145, message="Invalid parameter: Message too long")

    def test_publish_fifo(self):
        arn = self.fifo_topic()
        first = self.sns.publish(TopicArn=arn, Message="a", MessageGroupId="g",
                                 MessageDeduplicationId="d1")
        self.assertRegex(first["SequenceNumber"], r"^\d{20}$")
        again = self.sns.publish(TopicArn=arn, Message="other body", MessageGroupId="g",
                                 MessageDeduplicationId="d1")
        self.assertEqual(again["MessageId"], first["MessageId"])
        numbers = [int(first["SequenceNumber"])]
        for i in range(3):
            out = self.sns.publish(TopicArn=arn, Message="m%d" % i, MessageGroupId="g%d" % i,
                                   MessageDeduplicationId="x%d" % i)
            self.assertNotEqual(out["MessageId"], first["MessageId"])
            numbers.append(int(out["SequenceNumber"]))
        self.assertEqual(numbers, sorted(set(numbers)), "SequenceNumber must increase")
        self.assertError("InvalidParameter", 400, self.sns.publish, TopicArn=arn, Message="x",
                         MessageDeduplicationId="d",
                         message="Invalid parameter: The MessageGroupId parameter is required "
                                 "for FIFO topics")
        self.assertError("InvalidParameter", 400, self.sns.publish, TopicArn=arn, Message="x",
                         MessageGroupId="g",
                         message="Invalid parameter: The topic should either have "
                                 "ContentBasedDeduplication enabled or MessageDeduplicationId "
                                 "provided explicitly")
        cbd = self.fifo_topic(content_based=True)
        one = self.sns.publish(TopicArn=cbd, Message="same body", MessageGroupId="g")
        two = self.sns.publish(TopicArn=cbd, Message="same body", MessageGroupId="g")
        three = self.sns.publish(TopicArn=cbd, Message="new body", MessageGroupId="g")
        self.assertEqual(one["MessageId"], two["MessageId"])
        self.assertNotEqual(one["MessageId"], three["MessageId"])
        self.assertGreater(int(three["SequenceNumber"]), int(one["SequenceNumber"]))
        self.assertError("InvalidParameter", 400, self.sns.publish, TopicArn=self.topic(),
                         Message="x", MessageDeduplicationId="d",
                         message="Invalid parameter: MessageDeduplicationId Reason: The request "
                                 "includes MessageDeduplicationId parameter that is not valid "
                                 "for this topic type")

    def test_publish_batch(self):
        arn = self.topic()
        before = self.messages()
        entries = [{"Id": "e%d" % i, "Message": "m%d" % i} for i in range(10)]
        entries[3]["MessageAttributes"] = {"k": {"DataType": "Number", "StringValue": "5"}}
        entries[4]["Subject"] = "subj"
        out = self.sns.publish_batch(TopicArn=arn, PublishBatchRequestEntries=entries)
        self.assertEqual([s["Id"] for s in out["Successful"]], [e["Id"] for e in entries])
        self.assertEqual(out["Failed"], [])
        self.assertEqual(len({s["MessageId"] for s in out["Successful"]}), 10)
        self.assertTrue(all("SequenceNumber" not in s for s in out["Successful"]))
        self.assertEqual(self.messages(), before + 10)
        fifo = self.fifo_topic()
        out = self.sns.publish_batch(TopicArn=fifo, PublishBatchRequestEntries=[
            {"Id": str(i), "Message": "m", "MessageGroupId": "g",
             "MessageDeduplicationId": "dd%d" % i} for i in range(3)])
        numbers = [int(s["SequenceNumber"]) for s in out["Successful"]]
        self.assertEqual(numbers, sorted(set(numbers)))
        self.assertError("TooManyEntriesInBatchRequest", 400, self.sns.publish_batch,
                         TopicArn=arn, PublishBatchRequestEntries=[
                             {"Id": str(i), "Message": "m"} for i in range(11)],
                         message="The batch request contains more entries than permissible.")
        self.assertError("BatchEntryIdsNotDistinct", 400, self.sns.publish_batch, TopicArn=arn,
                         PublishBatchRequestEntries=[{"Id": "a", "Message": "1"},
                                                     {"Id": "a", "Message": "2"}],
                         message="Two or more batch entries in the request have the same Id.")
        self.assertError("InvalidBatchEntryId", 400, self.sns.publish_batch, TopicArn=arn,
                         PublishBatchRequestEntries=[{"Id": "bad id!", "Message": "1"}])
        self.assertError("NotFound", 404, self.sns.publish_batch, TopicArn=arn + "-missing",
                         PublishBatchRequestEntries=[{"Id": "a", "Message": "1"}],
                         message="Topic does not exist")
        self.assertError("InvalidParameter", 400, self.sns.publish_batch, TopicArn=fifo,
                         PublishBatchRequestEntries=[{"Id": "a", "Message": "1",
                                                      "MessageDeduplicationId": "z"}],
                         message="Invalid parameter: The MessageGroupId parameter is required "
                                 "for FIFO topics")
        self.assertEqual(self.messages(), before + 13)

    # ---- tags, permissions, data protection ----
    def test_tags(self):
        arn = self.topic(Tags=[{"Key": "a", "Value": "1"}])
        self.sns.tag_resource(ResourceArn=arn, Tags=[{"Key": "b", "Value": "2"},
                                                     {"Key": "a", "Value": "9"}])
        tags = {t["Key"]: t["Value"] for t in
                self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"]}
        self.assertEqual(tags, {"a": "9", "b": "2"})
        self.sns.untag_resource(ResourceArn=arn, TagKeys=["a", "never-there"])
        self.assertEqual(self.sns.list_tags_for_resource(ResourceArn=arn)["Tags"],
                         [{"Key": "b", "Value": "2"}])
        missing = arn + "-missing"
        for call, kwargs in ((self.sns.tag_resource, {"Tags": [{"Key": "k", "Value": "v"}]}),
                             (self.sns.untag_resource, {"TagKeys": ["k"]}),
                             (self.sns.list_tags_for_resource, {})):
            self.assertError("ResourceNotFound", 404, call, ResourceArn=missing,
                             message="Resource does not exist", **kwargs)
        self.assertError("InvalidParameter", 400, self.sns.tag_resource, ResourceArn=arn,
                         Tags=[{"Key": "k", "Value": "1"}, {"Key": "k", "Value": "2"}],
                         message="Invalid parameter: Duplicated keys are not allowed.")
        self.assertError("TagLimitExceeded", 400, self.sns.tag_resource, ResourceArn=arn,
                         Tags=[{"Key": "k%d" % i, "Value": "v"} for i in range(50)],
                         message="Could not complete request: tag quota of per resource "
                                 "exceeded")

    def test_add_and_remove_permission(self):
        arn = self.topic()
        self.sns.add_permission(TopicArn=arn, Label="allow-pub",
                                AWSAccountId=["111122223333"], ActionName=["Publish"])
        statements = json.loads(self.attrs(arn)["Policy"])["Statement"]
        added = [s for s in statements if s.get("Sid") == "allow-pub"]
        self.assertEqual(len(added), 1, statements)
        self.assertEqual(added[0]["Effect"], "Allow")
        self.assertIn(added[0]["Action"], ("SNS:Publish", ["SNS:Publish"]))
        self.assertIn("111122223333", json.dumps(added[0]["Principal"]))
        self.assertEqual(added[0]["Resource"], arn)
        self.assertTrue(any(s.get("Sid") == "__default_statement_ID" for s in statements))
        self.assertError("InvalidParameter", 400, self.sns.add_permission, TopicArn=arn,
                         Label="allow-pub", AWSAccountId=["111122223333"],
                         ActionName=["Publish"])
        self.sns.remove_permission(TopicArn=arn, Label="allow-pub")
        statements = json.loads(self.attrs(arn)["Policy"])["Statement"]
        self.assertFalse(any(s.get("Sid") == "allow-pub" for s in statements))
        self.assertError("NotFound", 404, self.sns.add_permission, TopicArn=arn + "-missing",
                         Label="l", AWSAccountId=["111122223333"], ActionName=["Publish"])
        self.assertError("NotFound", 404, self.sns.remove_permission,
                         TopicArn=arn + "-missing", Label="l")

    def test_data_protection_policy(self):
        arn = self.topic()
        self.assertEqual(self.sns.get_data_protection_policy(ResourceArn=arn)
                         .get("DataProtectionPolicy", ""), "")
        policy = {"Name": "p", "Description": "", "Version": "2021-06-01", "Statement": [{
            "Sid": "s", "DataDirection": "Inbound", "Principal": ["*"],
            "DataIdentifier": ["arn:aws:dataprotection::aws:data-identifier/EmailAddress"],
            "Operation": {"Audit": {"SampleRate": "99", "FindingsDestination": {}}}}]}
        self.sns.put_data_protection_policy(ResourceArn=arn, DataProtectionPolicy=json.dumps(policy))
        got = self.sns.get_data_protection_policy(ResourceArn=arn)["DataProtectionPolicy"]
        self.assertEqual(json.loads(got), policy)
        self.assertError("InvalidParameter", 400, self.sns.put_data_protection_policy,
                         ResourceArn=arn, DataProtectionPolicy="{not json")
        # The model lists NotFoundException (not ResourceNotFound) for these two actions.
        self.assertError("NotFound", 404, self.sns.get_data_protection_policy,
                         ResourceArn=arn + "-missing")
        self.assertError("NotFound", 404, self.sns.put_data_protection_policy,
                         ResourceArn=arn + "-missing", DataProtectionPolicy=json.dumps(policy))

    def test_unimplemented_action_names_itself(self):
        with self.assertRaises(botocore.exceptions.ClientError) as caught:
            self.sns.create_platform_application(Name="app", Platform="GCM",
                                                 Attributes={"PlatformCredential": "x"})
        response = caught.exception.response
        self.assertIn("CreatePlatformApplication", response["Error"]["Message"])
        self.assertGreaterEqual(response["ResponseMetadata"]["HTTPStatusCode"], 400)
        self.assertTrue(response["Error"]["Code"])


if __name__ == "__main__":
    unittest.main()

"""Lambda versions and aliases through boto3 (issue #17), against one offstage daemon.

Expected values are AWS's behaviour as recorded against AWS (LocalStack's snapshot files of
test_lambda_api / test_lambda): statuses, shapes and the exact error messages. Each version runs
the code and configuration it was published with, in environments of its own; an alias that
routes to two versions sends each invocation to one of them, by its weight.
"""
import json
import os
import subprocess
import tempfile
import time
import unittest
import urllib.request

from harness import BIN, HANG_S, AwsClientsTestCase
from lambda_fixtures import ROLE, function_arn, zip_fixture


def payload(response):
    return json.loads(response["Payload"].read())


class LambdaVersionsTest(AwsClientsTestCase):

    def create(self, prefix, fixture_name, variables=None, **extra):
        name = self.unique(prefix)
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler", Code={"ZipFile": zip_fixture(fixture_name)},
                                 Environment={"Variables": variables or {}}, **extra)
        return name

    def set_variables(self, name, variables):
        self.lam.update_function_configuration(FunctionName=name,
                                               Environment={"Variables": variables})

    def greeting(self, name, **kwargs):
        out = self.lam.invoke(FunctionName=name, Payload=json.dumps(
            {"names": ["GREETING", "AWS_LAMBDA_FUNCTION_VERSION"]}).encode(), **kwargs)
        self.assertEqual(out["StatusCode"], 200)
        env = payload(out)["env"]
        return env["GREETING"], env["AWS_LAMBDA_FUNCTION_VERSION"], out["ExecutedVersion"]

    # ---- versions ----

    def test_versions_are_snapshots_with_their_own_code_and_configuration(self):
        name = self.create("ver", "node-env", {"GREETING": "one"})
        arn = function_arn(name)
        first = self.lam.publish_version(FunctionName=name)
        self.assertEqual(first["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(first["Version"], "1")
        self.assertEqual(first["FunctionArn"], arn + ":1")
        self.assertEqual(first["Environment"]["Variables"], {"GREETING": "one"})
        self.assertEqual(first["State"], "Active")
        # Publishing changes $LATEST's RevisionId; with nothing changed since, publishing again
        # answers the same version (201), whatever description it is given.
        latest = self.lam.get_function_configuration(FunctionName=name)
        self.assertNotEqual(latest["RevisionId"], first["RevisionId"])
        again = self.lam.publish_version(FunctionName=name, Description="ignored")
        self.assertEqual(again["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(again["Version"], "1")
        self.assertEqual(again["RevisionId"], first["RevisionId"])
        self.assertEqual(again["Description"], "")

        self.set_variables(name, {"GREETING": "two"})
        second = self.lam.publish_version(FunctionName=name, Description="the second")
        self.assertEqual(second["Version"], "2")
        self.assertEqual(second["Description"], "the second")

        listed = self.lam.list_versions_by_function(FunctionName=name)["Versions"]
        self.assertEqual([v["Version"] for v in listed], ["$LATEST", "1", "2"])
        self.assertEqual(listed[0]["FunctionArn"], arn + ":$LATEST")
        self.assertEqual(listed[2]["FunctionArn"], arn + ":2")
        self.assertNotIn("State", listed[1])

        got = self.lam.get_function(FunctionName=name, Qualifier="1")["Configuration"]
        self.assertEqual((got["Version"], got["FunctionArn"]), ("1", arn + ":1"))
        self.assertEqual(got["Environment"]["Variables"], {"GREETING": "one"})
        got = self.lam.get_function_configuration(FunctionName=arn + ":$LATEST")
        self.assertEqual((got["Version"], got["FunctionArn"]), ("$LATEST", arn + ":$LATEST"))
        self.assertClientError(self.lam.get_function, "ResourceNotFoundException", 404,
                               "Function not found: %s:7" % arn, FunctionName=name, Qualifier="7")
        self.assertClientError(self.lam.get_function, "InvalidParameterValueException", 400,
                               "The derived qualifier from the function name does not match the "
                               "specified qualifier.", FunctionName=arn + ":1", Qualifier="2")

        # Each version runs what it was published with; the variable names the version.
        self.assertEqual(self.greeting(name, Qualifier="1"), ("one", "1", "1"))
        self.assertEqual(self.greeting(name + ":2"), ("two", "2", "2"))
        self.assertEqual(self.greeting(name), ("two", "$LATEST", "$LATEST"))
        self.set_variables(name, {"GREETING": "three"})
        self.assertEqual(self.greeting(name, Qualifier="1"), ("one", "1", "1"))
        self.assertEqual(self.greeting(name), ("three", "$LATEST", "$LATEST"))

        # Deleting a version; numbers are never given again.
        deleted = self.lam.delete_function(FunctionName=name, Qualifier="1")
        self.assertEqual(deleted["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.lam.delete_function(FunctionName=name, Qualifier="1")  # not there: still 204
        self.assertClientError(self.lam.invoke, "ResourceNotFoundException", 404,
                               "Function not found: %s:1" % arn, FunctionName=name, Qualifier="1")
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "3")
        listed = self.lam.list_versions_by_function(FunctionName=name)["Versions"]
        self.assertEqual([v["Version"] for v in listed], ["$LATEST", "2", "3"])
        self.assertClientError(self.lam.delete_function, "InvalidParameterValueException", 400,
                               "$LATEST version cannot be deleted without deleting the function.",
                               FunctionName=name, Qualifier="$LATEST")

    def test_publish_checks_the_code_hash_and_the_revision(self):
        name = self.create("verchk", "node-env")
        latest = self.lam.get_function_configuration(FunctionName=name)
        self.assertClientError(
            self.lam.publish_version, "InvalidParameterValueException", 400,
            "CodeSHA256 (nope) is different from current CodeSHA256 in $LATEST (%s). Please try "
            "again with the CodeSHA256 in $LATEST." % latest["CodeSha256"],
            FunctionName=name, CodeSha256="nope")
        self.assertClientError(
            self.lam.publish_version, "PreconditionFailedException", 412,
            "The Revision Id provided does not match the latest Revision Id. Call the "
            "GetFunction/GetAlias API to retrieve the latest Revision Id",
            FunctionName=name, RevisionId="not-the-revision")
        out = self.lam.publish_version(FunctionName=name, CodeSha256=latest["CodeSha256"],
                                       RevisionId=latest["RevisionId"])
        self.assertEqual(out["Version"], "1")
        self.assertClientError(self.lam.publish_version, "ResourceNotFoundException", 404,
                               FunctionName=self.unique("missing"))

    def test_publish_after_updates_that_changed_nothing_answers_the_last_version(self):
        # AWS publishes no version while the code and configuration are those of the last one,
        # whatever updates came between (a deploy tool re-applying the same settings).
        name = self.create("verkeep", "node-env", {"GREETING": "one"})
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "1")
        self.set_variables(name, {"GREETING": "one"})  # the same again: a new RevisionId only
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "1")
        self.set_variables(name, {"GREETING": "two"})
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "2")
        self.set_variables(name, {"GREETING": "one"})  # back to version 1's settings: new again
        self.assertEqual(self.lam.publish_version(FunctionName=name)["Version"], "3")

    def test_versions_and_aliases_have_their_own_resource_policies(self):
        # AWS's recorded TestLambdaPermissions: a policy per qualifier, its statements naming
        # the qualified ARN, each with its own revision.
        name = self.create("verpol", "node-env")
        arn = function_arn(name)
        self.lam.publish_version(FunctionName=name)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.assertClientError(self.lam.get_policy, "ResourceNotFoundException", 404,
                               "The resource you requested does not exist.",
                               FunctionName=name, Qualifier="1")
        statements = {}
        for qualifier in ("", "1", "live"):
            kwargs = {"Qualifier": qualifier} if qualifier else {}
            out = self.lam.add_permission(FunctionName=name, StatementId="s3",
                                          Action="lambda:InvokeFunction",
                                          Principal="s3.amazonaws.com", **kwargs)
            statements[qualifier] = json.loads(out["Statement"])
        self.assertEqual(statements[""]["Resource"], arn)
        self.assertEqual(statements["1"]["Resource"], arn + ":1")
        self.assertEqual(statements["live"]["Resource"], arn + ":live")
        revisions = set()
        for qualifier in ("", "1", "live"):
            kwargs = {"Qualifier": qualifier} if qualifier else {}
            policy = self.lam.get_policy(FunctionName=name, **kwargs)
            document = json.loads(policy["Policy"])
            self.assertEqual([s["Resource"] for s in document["Statement"]],
                             [statements[qualifier]["Resource"]])
            revisions.add(policy["RevisionId"])
        self.assertEqual(len(revisions), 3)
        self.assertClientError(
            self.lam.add_permission, "ResourceConflictException", 409,
            "The statement id (s3) provided already exists. Please provide a new statement id, "
            "or remove the existing statement.", FunctionName=name, Qualifier="live",
            StatementId="s3", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
        self.assertClientError(
            self.lam.add_permission, "InvalidParameterValueException", 400,
            "We currently do not support adding policies for $LATEST.",
            FunctionName=name + ":$LATEST", Qualifier="$LATEST", StatementId="x",
            Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
        self.assertClientError(
            self.lam.add_permission, "InvalidParameterValueException", 400,
            "The derived qualifier from the function name does not match the specified "
            "qualifier.", FunctionName=name + ":live", Qualifier="1", StatementId="x",
            Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
        self.assertClientError(
            self.lam.add_permission, "ResourceNotFoundException", 404,
            "Cannot find alias arn: %s:doesnotexist" % arn, FunctionName=name + ":doesnotexist",
            StatementId="x", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
        self.assertClientError(
            self.lam.add_permission, "ResourceNotFoundException", 404,
            "Function not found: %s:42" % arn, FunctionName=name, Qualifier="42",
            StatementId="x", Action="lambda:InvokeFunction", Principal="s3.amazonaws.com")
        # Removing from the alias leaves the function's and the version's.
        self.lam.remove_permission(FunctionName=name, StatementId="s3", Qualifier="live")
        self.assertClientError(self.lam.get_policy, "ResourceNotFoundException", 404,
                               FunctionName=name, Qualifier="live")
        self.assertEqual(len(json.loads(self.lam.get_policy(FunctionName=name)["Policy"])
                             ["Statement"]), 1)
        self.assertEqual(len(json.loads(self.lam.get_policy(FunctionName=name, Qualifier="1")
                                        ["Policy"])["Statement"]), 1)

    def test_publish_on_create_and_on_code_update(self):
        name = self.unique("verpub")
        created = self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                           Handler="index.handler", Publish=True,
                                           Code={"ZipFile": zip_fixture("node-env")})
        self.assertEqual(created["Version"], "1")
        self.assertEqual(created["FunctionArn"], function_arn(name))  # unqualified, as AWS
        updated = self.lam.update_function_code(
            FunctionName=name, Publish=True,
            ZipFile=zip_fixture("node-env", replace=[("'v1'", "'v2'")]))
        self.assertEqual(updated["Version"], "2")
        self.assertEqual(updated["FunctionArn"], function_arn(name) + ":2")
        # The code of version 1 stays although $LATEST's was replaced.
        v1 = payload(self.lam.invoke(FunctionName=name, Qualifier="1", Payload=b"{}"))
        v2 = payload(self.lam.invoke(FunctionName=name, Qualifier="2", Payload=b"{}"))
        self.assertEqual((v1["version"], v2["version"]), ("v1", "v2"))

    # ---- aliases ----

    def test_alias_lifecycle_and_errors(self):
        name = self.create("alias", "node-cjs")
        arn = function_arn(name)
        self.lam.publish_version(FunctionName=name)
        self.lam.update_function_configuration(FunctionName=name, Description="changed")
        self.lam.publish_version(FunctionName=name)

        created = self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                                        Description="the live one")
        self.assertEqual(created["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(created["AliasArn"], arn + ":live")
        self.assertEqual((created["Name"], created["FunctionVersion"], created["Description"]),
                         ("live", "1", "the live one"))
        self.assertNotIn("RoutingConfig", created)
        got = self.lam.get_alias(FunctionName=name, Name="live")
        self.assertEqual(got["RevisionId"], created["RevisionId"])

        # Invoked through the alias: its version runs, and sees the alias's ARN.
        out = self.lam.invoke(FunctionName=name, Qualifier="live", Payload=b"{}")
        self.assertEqual(out["ExecutedVersion"], "1")
        body = payload(out)
        self.assertEqual(body["functionVersion"], "1")
        self.assertEqual(body["invokedFunctionArn"], arn + ":live")
        conf = self.lam.get_function_configuration(FunctionName=arn + ":live")
        self.assertEqual((conf["Version"], conf["FunctionArn"]), ("1", arn + ":live"))

        moved = self.lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2",
                                      RevisionId=got["RevisionId"])
        self.assertEqual(moved["FunctionVersion"], "2")
        self.assertNotEqual(moved["RevisionId"], got["RevisionId"])
        self.assertEqual(self.lam.invoke(FunctionName=arn + ":live",
                                         Payload=b"{}")["ExecutedVersion"], "2")
        precondition = ("The Revision Id provided does not match the latest Revision Id. Call "
                        "the GetFunction/GetAlias API to retrieve the latest Revision Id")
        self.assertClientError(self.lam.update_alias, "PreconditionFailedException", 412,
                               precondition, FunctionName=name, Name="live",
                               RevisionId=got["RevisionId"])
        self.assertClientError(self.lam.delete_function, "ResourceConflictException", 409,
                               "Unable to delete version because the following aliases "
                               "reference it: [live]", FunctionName=name, Qualifier="2")

        self.assertClientError(self.lam.create_alias, "ResourceConflictException", 409,
                               "Alias already exists: %s:live" % arn,
                               FunctionName=name, Name="live", FunctionVersion="1")
        self.assertClientError(
            self.lam.create_alias, "ValidationException", 400,
            "1 validation error detected: Value '2024' at 'name' failed to satisfy constraint: "
            "Member must satisfy regular expression pattern: (?!^[0-9]+$)([a-zA-Z0-9-_]+)",
            FunctionName=name, Name="2024", FunctionVersion="1")
        self.assertClientError(self.lam.create_alias, "ResourceNotFoundException", 404,
                               "Function not found: %s:10" % arn,
                               FunctionName=name, Name="later", FunctionVersion="10")
        self.assertClientError(
            self.lam.create_alias, "InvalidParameterValueException", 400,
            "$LATEST is not supported for an alias pointing to more than 1 version",
            FunctionName=name, Name="mixed", FunctionVersion="$LATEST",
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
        self.assertClientError(
            self.lam.create_alias, "InvalidParameterValueException", 400,
            "Number of items in AdditionalVersionWeights cannot be greater than 1",
            FunctionName=name, Name="three", FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"2": 0.2, "3": 0.2}})
        self.assertClientError(
            self.lam.create_alias, "InvalidParameterValueException", 400,
            "Invalid function version 1. Function version 1 is already included in routing "
            "configuration.", FunctionName=name, Name="self", FunctionVersion="1",
            RoutingConfig={"AdditionalVersionWeights": {"1": 0.5}})
        self.assertClientError(
            self.lam.get_alias, "ResourceNotFoundException", 404,
            "Cannot find alias arn: %s:nope" % arn, FunctionName=name, Name="nope")
        self.assertClientError(
            self.lam.update_alias, "ResourceNotFoundException", 404,
            "Alias not found: %s:nope" % arn, FunctionName=name, Name="nope", FunctionVersion="1")
        self.assertClientError(self.lam.invoke, "ResourceNotFoundException", 404,
                               "Function not found: %s:nope" % arn,
                               FunctionName=name, Qualifier="nope", Payload=b"{}")

        self.lam.create_alias(FunctionName=name, Name="canary", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.25}})
        canary = self.lam.get_alias(FunctionName=name, Name="canary")
        self.assertEqual(canary["RoutingConfig"], {"AdditionalVersionWeights": {"2": 0.25}})
        aliases = self.lam.list_aliases(FunctionName=name)["Aliases"]
        self.assertEqual(sorted(a["Name"] for a in aliases), ["canary", "live"])
        only_1 = self.lam.list_aliases(FunctionName=name, FunctionVersion="1")["Aliases"]
        self.assertEqual([a["Name"] for a in only_1], ["canary"])
        cleared = self.lam.update_alias(FunctionName=name, Name="canary",
                                        RoutingConfig={"AdditionalVersionWeights": {}})
        self.assertNotIn("RoutingConfig", cleared)

        self.assertEqual(self.lam.delete_alias(FunctionName=name, Name="live")
                         ["ResponseMetadata"]["HTTPStatusCode"], 204)
        self.lam.delete_alias(FunctionName=name, Name="live")  # gone already: still 204
        self.lam.delete_function(FunctionName=name, Qualifier="2")  # no alias names it now

    def test_a_version_keeps_its_code_when_latest_returns_to_the_same_archive(self):
        """Code directories are named by the archive's digest: an update (dry run or not, or one
        whose commit fails) back to a version's archive must not remove or replace the
        directory that version runs (it did: a cold start of version 1 then failed)."""
        name = self.unique("versame")
        first = zip_fixture("node-env")
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler", Code={"ZipFile": first}, Publish=True)
        self.lam.update_function_code(FunctionName=name,
                                      ZipFile=zip_fixture("node-env", replace=[("'v1'", "'v2'")]))
        self.lam.update_function_code(FunctionName=name, ZipFile=first, DryRun=True)
        out = self.lam.invoke(FunctionName=name, Qualifier="1", Payload=b"{}")
        answer = out["Payload"].read()
        self.assertNotIn("FunctionError", out, answer)
        self.assertEqual(json.loads(answer)["version"], "v1")
        self.lam.update_function_code(FunctionName=name, ZipFile=first)
        self.lam.update_function_code(FunctionName=name,
                                      ZipFile=zip_fixture("node-env", replace=[("'v1'", "'v3'")]))
        self.lam.delete_function(FunctionName=name, Qualifier="1")
        self.lam.publish_version(FunctionName=name)
        self.assertEqual(payload(self.lam.invoke(FunctionName=name, Qualifier="2",
                                                 Payload=b"{}"))["version"], "v3")

    def test_a_number_with_a_leading_zero_names_no_version(self):
        name = self.create("verzero", "node-cjs")
        self.lam.publish_version(FunctionName=name)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1")
        self.lam.delete_function(FunctionName=name, Qualifier="01")  # not version 1
        self.assertEqual(self.lam.invoke(FunctionName=name, Qualifier="live",
                                         Payload=b"{}")["ExecutedVersion"], "1")
        self.assertClientError(self.lam.create_alias, "ResourceNotFoundException", 404,
                               "Function not found: %s:01" % function_arn(name),
                               FunctionName=name, Name="zero", FunctionVersion="01")

    def test_a_replay_runs_the_version_the_original_named(self):
        name = self.create("verreplay", "node-cjs")
        self.lam.publish_version(FunctionName=name)
        self.lam.update_function_configuration(FunctionName=name, Description="moved on")
        original = self.lam.invoke(FunctionName=name, Qualifier="1", Payload=b'{"k": 1}')
        request_id = original["ResponseMetadata"]["RequestId"]
        body = json.dumps({"request_id": request_id}).encode()
        req = urllib.request.Request(self.endpoint + "/_offstage/replay/invocation", data=body,
                                     method="POST", headers={"Content-Type": "application/json"})
        with urllib.request.urlopen(req, timeout=60) as r:
            replayed = json.loads(r.read())
        self.assertEqual(replayed["executed_version"], "1")
        self.assertEqual(json.loads(replayed["payload"])["invokedFunctionArn"],
                         function_arn(name) + ":1")

    def test_the_offstage_cli_shows_and_invokes_versions_and_aliases(self):
        name = self.create("vercli", "node-cjs")
        self.lam.publish_version(FunctionName=name)
        self.lam.update_function_configuration(FunctionName=name, Description="changed")
        self.lam.publish_version(FunctionName=name)
        self.lam.create_alias(FunctionName=name, Name="live", FunctionVersion="1",
                              RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})

        def offstage(*args):
            out = subprocess.run([BIN, *args, "--endpoint", self.endpoint], capture_output=True,
                                 text=True, timeout=60)
            self.assertEqual(out.returncode, 0, out.stderr)
            return out

        listed = offstage("functions").stdout
        block = listed[listed.index(name + "  "):].split("\n")
        self.assertEqual(block[1], "  versions 1 2")
        self.assertEqual(block[2], "  alias live -> 1 (2: 30%)")
        as_json = json.loads(offstage("functions", "--format", "json").stdout)
        function = next(f for f in as_json["functions"] if f["name"] == name)
        self.assertEqual(function["versions"], ["1", "2"])
        self.assertEqual(function["aliases"], [{"name": "live", "function_version": "1",
                                                "additional_version_weights": {"2": 0.3}}])
        out = offstage("invoke", name + ":1", "{}")
        self.assertEqual(json.loads(out.stdout)["functionVersion"], "1")
        self.assertIn("  version 1  ", out.stderr)
        ran = json.loads(offstage("invoke", name + ":live", "{}", "--format", "json").stdout)
        self.assertIn(ran["executed_version"], ("1", "2"))
        self.assertEqual(json.loads(ran["payload"])["invokedFunctionArn"],
                         function_arn(name) + ":live")

    def test_a_weighted_alias_subscribed_to_a_topic_splits_the_messages(self):
        """SNS -> an alias routing 30% of invocations to version 2: each version records to
        its own file, and the counts follow the weight (a bound at more than 6 standard
        deviations, so the test cannot flake)."""
        record_dir = tempfile.mkdtemp(prefix="offstage-versions-")
        files = [os.path.join(record_dir, "v1.jsonl"), os.path.join(record_dir, "v2.jsonl")]
        name = self.create("split", "node-recorder", {"RECORD_FILE": files[0]})
        self.lam.publish_version(FunctionName=name)
        self.set_variables(name, {"RECORD_FILE": files[1]})
        self.lam.publish_version(FunctionName=name)
        alias = self.lam.create_alias(FunctionName=name, Name="split", FunctionVersion="1",
                                      RoutingConfig={"AdditionalVersionWeights": {"2": 0.3}})
        topic = self.sns.create_topic(Name=self.unique("split"))["TopicArn"]
        self.sns.subscribe(TopicArn=topic, Protocol="lambda", Endpoint=alias["AliasArn"])
        total = 300
        for batch in range(total // 10):
            self.sns.publish_batch(TopicArn=topic, PublishBatchRequestEntries=[
                {"Id": "m%d" % i, "Message": "message %d-%d" % (batch, i)} for i in range(10)])

        def count(path):
            if not os.path.exists(path):
                return 0
            with open(path) as f:
                return sum(1 for line in f if line.strip())

        deadline = time.monotonic() + HANG_S
        while count(files[0]) + count(files[1]) < total:
            self.assertLess(time.monotonic(), deadline, [count(f) for f in files])
            time.sleep(0.1)
        time.sleep(0.3)  # none more than once
        v1, v2 = count(files[0]), count(files[1])
        self.assertEqual(v1 + v2, total)
        # Binomial(300, 0.3): mean 90, standard deviation 7.9.
        self.assertGreater(v2, 90 - 48, (v1, v2))
        self.assertLess(v2, 90 + 48, (v1, v2))


if __name__ == "__main__":
    unittest.main()

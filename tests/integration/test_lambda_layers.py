"""Lambda layers (issue #17, item 3): the layer API through boto3, and layers used by real Node
and Python handler processes.

Expected values are AWS's behaviour as recorded against AWS (LocalStack's TestLambdaLayer
snapshots: shapes, errors, version numbers never reused) and its developer guide (the paths
each runtime searches; layers merged into /opt in order).
"""
import json
import os
import subprocess
import unittest

from harness import AwsClientsTestCase, Daemon, boto3_client, temp_dir
from lambda_fixtures import ACCOUNT, REGION, ROLE, tail_log, zip_files

SHARED = {
    # Node finds it through NODE_PATH (/opt/nodejs/node_modules), Python through sys.path
    # (/opt/python), the shell through PATH (/opt/bin); data/ is only reachable through /opt.
    "nodejs/node_modules/sharedlib/index.js": "exports.greet = (who) => 'hello ' + who + ' from node';\n",
    "nodejs/node_modules/which/index.js": "module.exports = 'first';\n",
    "python/sharedlib.py": "def greet(who):\n    return 'hello ' + who + ' from python'\n",
    "bin/layer-tool": ("#!/bin/sh\necho tool-ran\n", 0o755),
    "data/greeting.txt": "read from /opt\n",
}
SECOND = {"nodejs/node_modules/which/index.js": "module.exports = 'second';\n"}

NODE_HANDLER = b"""
const fs = require('fs');
const { execFileSync } = require('child_process');
exports.handler = async () => {
  let opt = null;
  try { opt = fs.readFileSync('/opt/data/greeting.txt', 'utf8').trim(); } catch (e) { opt = 'missing: ' + e.code; }
  return {
    greet: require('sharedlib').greet('ada'),
    which: require('which'),
    tool: execFileSync('layer-tool').toString().trim(),
    opt,
  };
};
"""

# An ES module handler imports from a layer too (Lambda searches NODE_PATH for ES modules).
ESM_HANDLER = b"""
import { greet } from 'sharedlib';
import which from 'which';
export const handler = async () => ({ greet: greet('esm'), which });
"""

PYTHON_HANDLER = b"""
import sharedlib

def handler(event, context):
    try:
        with open('/opt/data/greeting.txt') as f:
            opt = f.read().strip()
    except OSError as e:
        opt = 'missing: ' + type(e).__name__
    return {'greet': sharedlib.greet('ada'), 'opt': opt}
"""


def private_mount_allowed():
    """Whether this machine lets a process of this user enter a private mount namespace (what
    offstage needs to show layers at /opt), asked of util-linux's unshare independently."""
    if os.geteuid() == 0:
        cmd = ["unshare", "--mount", "--propagation", "private", "true"]
    else:
        cmd = ["unshare", "--user", "--map-current-user", "--mount", "true"]
    try:
        return subprocess.run(cmd, capture_output=True, timeout=30).returncode == 0 and \
            os.path.isdir("/opt")
    except OSError:
        return False


class LayerApiTest(AwsClientsTestCase):

    def publish(self, name, files=None, **kwargs):
        return self.lam.publish_layer_version(
            LayerName=name, Content={"ZipFile": zip_files(files or SHARED)}, **kwargs)

    def test_lifecycle_shapes_and_numbers_never_reused(self):
        name = self.unique("layer")
        first = self.publish(name, Description="shared code", CompatibleRuntimes=["nodejs20.x"],
                             LicenseInfo="MIT", CompatibleArchitectures=["x86_64"])
        self.assertEqual(first["ResponseMetadata"]["HTTPStatusCode"], 201)
        layer_arn = "arn:aws:lambda:%s:%s:layer:%s" % (REGION, ACCOUNT, name)
        self.assertEqual(first["LayerArn"], layer_arn)
        self.assertEqual(first["LayerVersionArn"], layer_arn + ":1")
        self.assertEqual(first["Version"], 1)
        self.assertEqual(first["Description"], "shared code")
        self.assertEqual(first["CompatibleRuntimes"], ["nodejs20.x"])
        self.assertEqual(first["CompatibleArchitectures"], ["x86_64"])
        self.assertEqual(first["LicenseInfo"], "MIT")
        self.assertGreater(first["Content"]["CodeSize"], 0)
        self.assertEqual(len(first["Content"]["CodeSha256"]), 44)
        self.assertRegex(first["CreatedDate"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$")

        # Omitted lists are omitted from the answer; Description is always there.
        second = self.publish(name)
        self.assertEqual(second["Version"], 2)
        self.assertNotIn("CompatibleRuntimes", second)
        self.assertNotIn("LicenseInfo", second)
        self.assertEqual(second["Description"], "")

        got = self.lam.get_layer_version(LayerName=name, VersionNumber=1)
        self.assertEqual(got["LayerVersionArn"], layer_arn + ":1")
        self.assertEqual(got["Content"]["CodeSha256"], first["Content"]["CodeSha256"])
        by_arn = self.lam.get_layer_version_by_arn(Arn=layer_arn + ":2")
        self.assertEqual(by_arn["Version"], 2)
        by_layer_arn = self.lam.get_layer_version(LayerName=layer_arn, VersionNumber=2)
        self.assertEqual(by_layer_arn["LayerVersionArn"], layer_arn + ":2")

        versions = self.lam.list_layer_versions(LayerName=name)["LayerVersions"]
        self.assertEqual([v["Version"] for v in versions], [2, 1])  # newest first
        self.assertNotIn("Content", versions[0])
        only_node = self.lam.list_layer_versions(LayerName=name,
                                                 CompatibleRuntime="nodejs20.x")["LayerVersions"]
        self.assertEqual([v["Version"] for v in only_node], [1])

        layers = {l["LayerName"]: l for l in self.lam.list_layers()["Layers"]}
        self.assertEqual(layers[name]["LayerArn"], layer_arn)
        self.assertEqual(layers[name]["LatestMatchingVersion"]["Version"], 2)
        matching = {l["LayerName"]: l for l in
                    self.lam.list_layers(CompatibleRuntime="nodejs20.x")["Layers"]}
        self.assertEqual(matching[name]["LatestMatchingVersion"]["Version"], 1)

        self.lam.delete_layer_version(LayerName=name, VersionNumber=1)
        self.lam.delete_layer_version(LayerName=name, VersionNumber=2)
        self.lam.delete_layer_version(LayerName=name, VersionNumber=2)  # twice: still 204
        self.assertClientError(self.lam.get_layer_version, "ResourceNotFoundException", 404,
                               "The resource you requested does not exist.",
                               LayerName=name, VersionNumber=1)
        self.assertEqual(self.lam.list_layer_versions(LayerName=name)["LayerVersions"], [])
        self.assertNotIn(name, [l["LayerName"] for l in self.lam.list_layers()["Layers"]])
        self.assertEqual(self.publish(name)["Version"], 3)
        # A layer that never existed lists no versions, no error.
        self.assertEqual(self.lam.list_layer_versions(
            LayerName=self.unique("never"))["LayerVersions"], [])

    def test_pages_neither_repeat_nor_skip_when_versions_change_between_them(self):
        name = self.unique("paged")
        for _ in range(3):
            self.publish(name)
        first = self.lam.list_layer_versions(LayerName=name, MaxItems=2)
        self.assertEqual([v["Version"] for v in first["LayerVersions"]], [3, 2])
        # A version published and one deleted between the pages move no item across them.
        self.publish(name)
        self.lam.delete_layer_version(LayerName=name, VersionNumber=3)
        rest = self.lam.list_layer_versions(LayerName=name, Marker=first["NextMarker"])
        self.assertEqual([v["Version"] for v in rest["LayerVersions"]], [1])
        self.assertNotIn("NextMarker", rest)
        names = sorted(self.unique("pl") for _ in range(3))
        for layer in names:
            self.publish(layer)
        seen = []
        marker = None
        while True:
            kwargs = {"MaxItems": 1}
            if marker:
                kwargs["Marker"] = marker
            page = self.lam.list_layers(**kwargs)
            seen += [l["LayerName"] for l in page["Layers"]]
            marker = page.get("NextMarker")
            if not marker:
                break
        self.assertEqual(len(seen), len(set(seen)))
        self.assertTrue(set(names) <= set(seen))

    def test_bad_input_gets_aws_errors(self):
        name = self.unique("layer")
        self.publish(name)
        err = self.assertClientError(self.publish, "ValidationException", 400, name=name,
                                     CompatibleRuntimes=["invalidruntime"],
                                     CompatibleArchitectures=["invalidarch"])
        message = err["Error"]["Message"]
        self.assertTrue(message.startswith("2 validation errors detected: Value '[invalidruntime]' "
                                           "at 'compatibleRuntimes' failed to satisfy constraint: "
                                           "Member must satisfy enum value set: ["), message)
        self.assertIn("Value '[invalidarch]' at 'compatibleArchitectures' failed to satisfy "
                      "constraint: Member must satisfy constraint: [Member must satisfy enum "
                      "value set: [x86_64, arm64], Member must not be null]", message)
        self.assertClientError(self.lam.get_layer_version, "InvalidParameterValueException", 400,
                               "Layer Version Cannot be less than 1",
                               LayerName=name, VersionNumber=0)
        self.assertClientError(self.lam.get_layer_version, "ResourceNotFoundException", 404,
                               "The resource you requested does not exist.",
                               LayerName=name, VersionNumber=7)
        err = self.assertClientError(self.lam.get_layer_version_by_arn, "ValidationException", 400,
                                     Arn="arn:aws:lambda:%s:%s:layer:%s" % (REGION, ACCOUNT, name))
        self.assertIn("at 'arn' failed to satisfy constraint: Member must satisfy regular "
                      "expression pattern: (arn:", err["Error"]["Message"])
        self.assertClientError(self.lam.publish_layer_version, "InvalidParameterValueException",
                               400, "Could not unzip uploaded file. Please check your file, then "
                               "try to upload again.",
                               LayerName=name, Content={"ZipFile": b"not a zip at all"})

    def test_functions_refuse_bad_layer_lists(self):
        layer_arns = []
        for _ in range(6):
            layer_arns.append(self.publish(self.unique("many"))["LayerVersionArn"])
        name = self.unique("fn")
        code = {"ZipFile": zip_files({"index.js": NODE_HANDLER})}

        def create(layers):
            return self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                            Handler="index.handler", Code=code, Layers=layers)

        self.assertClientError(create, "InvalidParameterValueException", 400,
                               "Cannot reference more than 5 layers.", layers=layer_arns)
        missing = "arn:aws:lambda:%s:%s:layer:doesnotexist:1" % (REGION, ACCOUNT)
        self.assertClientError(create, "InvalidParameterValueException", 400,
                               "Layer version %s does not exist." % missing, layers=[missing])
        same = layer_arns[0][:-1] + "2"
        self.publish(layer_arns[0].split(":")[6])
        self.assertClientError(
            create, "InvalidParameterValueException", 400,
            "Two different versions of the same layer are not allowed to be referenced in the "
            "same function. %s and %s are versions of the same layer." % (layer_arns[0], same),
            layers=[layer_arns[0], same])
        other_region = layer_arns[0].replace(REGION, "eu-west-1")
        self.assertClientError(
            create, "InvalidParameterValueException", 400,
            "Layers are not in the same region as the function. Layers are expected to be in "
            "region %s." % REGION, layers=[other_region])
        unversioned = layer_arns[0].rsplit(":", 1)[0]
        err = self.assertClientError(create, "ValidationException", 400, layers=[unversioned])
        self.assertTrue(err["Error"]["Message"].startswith(
            "1 validation error detected: Value '[%s]' at 'layers' failed to satisfy "
            "constraint: Member must satisfy constraint: [Member must have length less than or "
            "equal to 2048" % unversioned), err["Error"]["Message"])
        self.assertClientError(self.lam.get_function, "ResourceNotFoundException", 404,
                               FunctionName=name)

    def test_layer_version_permissions(self):
        name = self.unique("layer")
        arn = self.publish(name)["LayerVersionArn"]
        self.assertClientError(self.lam.get_layer_version_policy, "ResourceNotFoundException", 404,
                               "No policy is associated with the given resource.",
                               LayerName=name, VersionNumber=1)
        added = self.lam.add_layer_version_permission(
            LayerName=name, VersionNumber=1, StatementId="s1", Action="lambda:GetLayerVersion",
            Principal="*")
        self.assertEqual(added["ResponseMetadata"]["HTTPStatusCode"], 201)
        self.assertEqual(json.loads(added["Statement"]),
                         {"Sid": "s1", "Effect": "Allow", "Principal": "*",
                          "Action": "lambda:GetLayerVersion", "Resource": arn})
        self.assertClientError(
            self.lam.add_layer_version_permission, "ResourceConflictException", 409,
            "The statement id (s1) provided already exists. Please provide a new statement id, "
            "or remove the existing statement.",
            LayerName=name, VersionNumber=1, StatementId="s1", Action="lambda:GetLayerVersion",
            Principal="*")
        org = self.lam.add_layer_version_permission(
            LayerName=name, VersionNumber=1, StatementId="s2", Action="lambda:GetLayerVersion",
            Principal="123456789012", OrganizationId="o-t194hfs8cz")
        statement = json.loads(org["Statement"])
        self.assertEqual(statement["Principal"], {"AWS": "arn:aws:iam::123456789012:root"})
        self.assertEqual(statement["Condition"],
                         {"StringEquals": {"aws:PrincipalOrgID": "o-t194hfs8cz"}})
        policy = self.lam.get_layer_version_policy(LayerName=name, VersionNumber=1)
        self.assertEqual(policy["RevisionId"], org["RevisionId"])
        document = json.loads(policy["Policy"])
        self.assertEqual([s["Sid"] for s in document["Statement"]], ["s1", "s2"])
        self.assertClientError(
            self.lam.remove_layer_version_permission, "PreconditionFailedException", 412,
            "The Revision Id provided does not match the latest Revision Id. Call the "
            "GetLayerPolicy API to retrieve the latest Revision Id",
            LayerName=name, VersionNumber=1, StatementId="s1", RevisionId=added["RevisionId"])
        self.assertClientError(self.lam.remove_layer_version_permission,
                               "ResourceNotFoundException", 404,
                               "Statement doesnotexist is not found in resource policy.",
                               LayerName=name, VersionNumber=1, StatementId="doesnotexist")
        self.lam.remove_layer_version_permission(LayerName=name, VersionNumber=1,
                                                 StatementId="s1")
        document = json.loads(self.lam.get_layer_version_policy(LayerName=name,
                                                                VersionNumber=1)["Policy"])
        self.assertEqual([s["Sid"] for s in document["Statement"]], ["s2"])
        err = self.assertClientError(
            self.lam.add_layer_version_permission, "ValidationException", 400,
            LayerName=name, VersionNumber=1, StatementId="s3", Action="*", Principal="*")
        self.assertIn("Value '*' at 'action' failed to satisfy constraint: Member must satisfy "
                      "regular expression pattern: lambda:GetLayerVersion", err["Error"]["Message"])
        self.assertClientError(self.lam.add_layer_version_permission, "ResourceNotFoundException",
                               404, "Layer version %s:9 does not exist." % arn.rsplit(":", 1)[0],
                               LayerName=name, VersionNumber=9, StatementId="s4",
                               Action="lambda:GetLayerVersion", Principal="*")


class LayerRuntimeTest(AwsClientsTestCase):

    def test_one_layer_shared_by_node_and_python(self):
        shared = self.lam.publish_layer_version(
            LayerName=self.unique("shared"), Content={"ZipFile": zip_files(SHARED)},
            CompatibleRuntimes=["nodejs20.x", "python3.12"])
        second = self.lam.publish_layer_version(
            LayerName=self.unique("second"), Content={"ZipFile": zip_files(SECOND)})
        layers = [shared["LayerVersionArn"], second["LayerVersionArn"]]
        node = self.unique("node-layered")
        created = self.lam.create_function(
            FunctionName=node, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
            Code={"ZipFile": zip_files({"index.js": NODE_HANDLER})}, Layers=layers, Timeout=30)
        self.assertEqual([l["Arn"] for l in created["Layers"]], layers)
        self.assertEqual(created["Layers"][0]["CodeSize"], shared["Content"]["CodeSize"])
        py = self.unique("py-layered")
        self.lam.create_function(
            FunctionName=py, Runtime="python3.12", Role=ROLE, Handler="app.handler",
            Code={"ZipFile": zip_files({"app.py": PYTHON_HANDLER})},
            Layers=[shared["LayerVersionArn"]], Timeout=30)

        mounted = private_mount_allowed()
        node_out = self.lam.invoke(FunctionName=node, LogType="Tail")
        node_body = json.loads(node_out["Payload"].read())
        self.assertNotIn("FunctionError", node_out, node_body)
        self.assertEqual(node_body["greet"], "hello ada from node")
        self.assertEqual(node_body["which"], "second")  # the later layer's file wins
        self.assertEqual(node_body["tool"], "tool-ran")
        py_out = self.lam.invoke(FunctionName=py, LogType="Tail")
        py_body = json.loads(py_out["Payload"].read())
        self.assertNotIn("FunctionError", py_out, py_body)
        self.assertEqual(py_body["greet"], "hello ada from python")
        note = "this function's layers are not at /opt here"
        if mounted:
            self.assertEqual(node_body["opt"], "read from /opt")
            self.assertEqual(py_body["opt"], "read from /opt")
            self.assertNotIn(note, tail_log(node_out))
        else:
            # Where the platform allows no private mount, the cold start's log says so.
            self.assertIn(note, tail_log(node_out))
            self.assertIn(note, tail_log(py_out))

        esm = self.unique("esm-layered")
        self.lam.create_function(
            FunctionName=esm, Runtime="nodejs20.x", Role=ROLE, Handler="index.handler",
            Code={"ZipFile": zip_files({"index.mjs": ESM_HANDLER})}, Layers=layers, Timeout=30)
        esm_out = self.lam.invoke(FunctionName=esm)
        esm_body = json.loads(esm_out["Payload"].read())
        self.assertNotIn("FunctionError", esm_out, esm_body)
        self.assertEqual(esm_body, {"greet": "hello esm from node", "which": "second"})

        # Deleting a layer version leaves the functions that use it running it, as on AWS.
        self.lam.delete_layer_version(LayerName=shared["LayerArn"], VersionNumber=1)
        self.lam.update_function_configuration(FunctionName=node, Timeout=31)
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=node)
        config = self.lam.get_function_configuration(FunctionName=node)
        self.assertEqual([l["Arn"] for l in config["Layers"]], layers)
        again = json.loads(self.lam.invoke(FunctionName=node)["Payload"].read())
        self.assertEqual(again["greet"], "hello ada from node")
        # ... but no function can take it any more.
        self.assertClientError(self.lam.update_function_configuration,
                               "InvalidParameterValueException", 400,
                               "Layer version %s does not exist." % shared["LayerVersionArn"],
                               FunctionName=py, Layers=[second["LayerVersionArn"],
                                                        shared["LayerVersionArn"]])
        # Removing the layers: the function no longer finds their modules.
        self.lam.update_function_configuration(FunctionName=node, Layers=[])
        self.lam.get_waiter("function_updated_v2").wait(FunctionName=node)
        bare = self.lam.invoke(FunctionName=node)
        self.assertEqual(bare.get("FunctionError"), "Unhandled")
        self.assertIn("sharedlib", bare["Payload"].read().decode())


class LayerRestartTest(unittest.TestCase):

    def test_layers_survive_a_restart(self):
        data = temp_dir(self)
        with Daemon(data_dir=data) as daemon:
            lam = boto3_client("lambda", daemon.endpoint)
            lam.publish_layer_version(LayerName="kept", Content={"ZipFile": zip_files(SHARED)})
            lam.publish_layer_version(LayerName="kept", Content={"ZipFile": zip_files(SECOND)})
            lam.delete_layer_version(LayerName="kept", VersionNumber=2)
            lam.create_function(FunctionName="uses-kept", Runtime="nodejs20.x", Role=ROLE,
                                Handler="index.handler",
                                Code={"ZipFile": zip_files({"index.js": NODE_HANDLER})},
                                Layers=["arn:aws:lambda:%s:%s:layer:kept:1" % (REGION, ACCOUNT)])
            lam.close()
        with Daemon(data_dir=data) as daemon:
            lam = boto3_client("lambda", daemon.endpoint)
            got = lam.get_layer_version(LayerName="kept", VersionNumber=1)
            self.assertEqual(got["Version"], 1)
            # The deleted number is not given again after the restart either.
            again = lam.publish_layer_version(LayerName="kept",
                                              Content={"ZipFile": zip_files(SECOND)})
            self.assertEqual(again["Version"], 3)
            body = json.loads(lam.invoke(FunctionName="uses-kept")["Payload"].read())
            self.assertEqual(body["greet"], "hello ada from node")
            lam.close()


if __name__ == "__main__":
    unittest.main()

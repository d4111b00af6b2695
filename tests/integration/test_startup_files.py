"""What `offstage serve` finds on disk at startup, and what it says about it (issue #15, "Smaller").

- The SNS signing key (<data-dir>/sns-signing.pem) is created mode 0600; a corrupt one stops the
  daemon at startup with exit 2 and an error naming the file, and is left as it was (a new key
  would change the certificate subscribers verified).
- The runtime shim directory: the daemon says at startup which one it uses; a binary run outside
  the build tree, with no shim directory to be found, warns loudly at startup, and a Node or
  Python invoke then fails with an error that names the missing directory and how to set it,
  not an opaque Runtime.ExitError.
"""
import json
import os
import shutil
import stat
import subprocess
import unittest
import urllib.request

from harness import BIN, Daemon, boto3_client, temp_dir
from lambda_fixtures import ROLE, zip_files

CERT_PATH = "/_offstage/sns/SimpleNotificationService-offstage.pem"


class SigningKeyTest(unittest.TestCase):
    def test_key_file_is_owner_only_and_reused_across_restarts(self):
        data = temp_dir(self)
        with Daemon(data_dir=data) as daemon:
            status, first = daemon.get(CERT_PATH)
            self.assertEqual(status, 200)
        key = os.path.join(data, "sns-signing.pem")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        with Daemon(data_dir=data) as daemon:
            _, second = daemon.get(CERT_PATH)
        self.assertEqual(first, second)

    def test_corrupt_key_file_stops_the_daemon_and_is_left_alone(self):
        data = temp_dir(self)
        with Daemon(data_dir=data) as daemon:
            daemon.get(CERT_PATH)
        key = os.path.join(data, "sns-signing.pem")
        with open(key, "r+") as f:
            text = f.read()
            f.seek(0)
            f.truncate()
            f.write(text[: len(text) // 2])  # a torn write
        with open(key) as f:
            damaged = f.read()
        out = subprocess.run([BIN, "serve", "--port", "0", "--data-dir", data],
                             capture_output=True, text=True, timeout=30)
        self.assertEqual(out.returncode, 2, out.stdout + out.stderr)
        self.assertNotIn("ready on", out.stdout)
        self.assertIn(key, out.stderr)
        self.assertIn("corrupt", out.stderr)
        with open(key) as f:
            self.assertEqual(f.read(), damaged)


class ShimDirTest(unittest.TestCase):
    def invoke_node(self, daemon):
        lam = boto3_client("lambda", daemon.endpoint)
        self.addCleanup(lam.close)
        lam.create_function(FunctionName="f", Runtime="nodejs20.x", Role=ROLE,
                            Handler="index.handler",
                            Code={"ZipFile": zip_files({"index.js":
                                  "exports.handler = async () => 'hi';"})})
        return lam.invoke(FunctionName="f", Payload=b"{}")

    def test_startup_names_the_shim_dir(self):
        with Daemon() as daemon:
            pass
        lines = [l for l in daemon.output if "runtime clients: " in l]
        self.assertEqual(len(lines), 1, "".join(daemon.output))
        named = lines[0].split("runtime clients: ", 1)[1].rsplit(" (", 1)[0]
        self.assertTrue(os.path.isfile(os.path.join(named, "node", "bootstrap.mjs")), lines[0])

    def test_binary_outside_the_build_tree_warns_and_invokes_name_the_problem(self):
        # A copy of the binary with nothing beside it, and no OFFSTAGE_SHIM_DIR.
        if os.path.isdir("/usr/share/offstage/runtime-shim"):
            self.skipTest("an installed offstage's shim directory is on this machine")
        root = temp_dir(self)
        os.makedirs(os.path.join(root, "bin"))
        copy = os.path.join(root, "bin", "offstage")
        shutil.copy2(BIN, copy)
        env = {k: v for k, v in os.environ.items() if k != "OFFSTAGE_SHIM_DIR"}
        old = dict(os.environ)
        os.environ.clear()
        os.environ.update(env)
        try:
            import harness
            saved, harness.BIN = harness.BIN, copy
            try:
                daemon = Daemon().start()
            finally:
                harness.BIN = saved
        finally:
            os.environ.clear()
            os.environ.update(old)
        try:
            out = self.invoke_node(daemon)
            payload = json.loads(out["Payload"].read())
        finally:
            daemon.stop()
        console = "".join(daemon.output)
        self.assertIn("WARNING", console)
        self.assertIn("no runtime shim directory", console)
        self.assertIn("--shim-dir", console)
        self.assertEqual(out.get("FunctionError"), "Unhandled")
        self.assertNotEqual(payload["errorType"], "Runtime.ExitError", payload)
        self.assertIn("runtime-shim", payload["errorMessage"])
        self.assertIn("--shim-dir", payload["errorMessage"])
        self.assertIn("OFFSTAGE_SHIM_DIR", payload["errorMessage"])

    def test_shim_dir_flag_pointing_nowhere_is_reported_the_same_way(self):
        missing = os.path.join(temp_dir(self), "nowhere")
        with Daemon("--shim-dir", missing) as daemon:
            out = self.invoke_node(daemon)
            payload = json.loads(out["Payload"].read())
        console = "".join(daemon.output)
        self.assertIn("WARNING", console)
        self.assertIn(missing, console)
        self.assertIn(missing, payload["errorMessage"])
        self.assertNotEqual(payload["errorType"], "Runtime.ExitError", payload)


if __name__ == "__main__":
    unittest.main()

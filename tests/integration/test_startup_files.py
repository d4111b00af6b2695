"""What `offstage serve` finds on disk at startup, and what it says about it (issue #15, "Smaller").

- The SNS signing key (<data-dir>/sns-signing.pem) is created mode 0600; a corrupt one stops the
  daemon at startup with exit 2 and an error naming the file, and is left as it was (a new key
  would change the certificate subscribers verified).
"""
import os
import stat
import subprocess
import unittest

from harness import BIN, Daemon, temp_dir

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


if __name__ == "__main__":
    unittest.main()

"""`offstage serve --config FILE` refusing a wrong file (docs/config.md): each mistake stops the
daemon at start, non-zero, with a message that says where and what. Owned by the config file's
maintainers; every test runs its own short-lived daemon process, one at a time.
"""
import json
import os
import subprocess
import unittest

from harness import BIN, temp_dir


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


if __name__ == "__main__":
    unittest.main()

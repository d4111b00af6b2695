"""The CI snippet of docs/tracing.md ("In CI: assert that the front function offloads") runs as
written: its `run:` steps, in order, in a checkout of offstage, each with its `env:`, with
$GITHUB_PATH honoured between steps as GitHub Actions does. The one change is the port: a free one
instead of 4566, so a daemon already on 4566 cannot make the test wrong. Action steps (`uses:`) are
not run; the files they would keep must exist.
"""
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import unittest

from harness import REPO

DOC = os.path.join(REPO, "docs", "tracing.md")


def ci_snippet():
    """The YAML block of the section, as text."""
    with open(DOC) as f:
        text = f.read()
    section = text[text.index("## In CI: assert that the front function offloads"):]
    return section[section.index("```yaml\n") + 8:section.index("\n```", section.index("```yaml"))]


def steps(yaml_text):
    """[(name, env dict, run script or None, uses or None, with-text)] of a list of GitHub steps,
    read as the snippet writes them (block scalars for run, a flat env mapping)."""
    out = []
    current = None
    lines = yaml_text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("- name:"):
            current = {"name": line[len("- name:"):].strip(), "env": {}, "run": None,
                       "uses": None, "with": ""}
            out.append(current)
        elif current is not None and line.startswith("  run: |"):
            body = []
            i += 1
            while i < len(lines) and (lines[i].startswith("    ") or not lines[i].strip()):
                body.append(lines[i][4:])
                i += 1
            current["run"] = "\n".join(body).strip() + "\n"
            continue
        elif current is not None and line.startswith("  env:"):
            i += 1
            while i < len(lines) and lines[i].startswith("    "):
                key, value = lines[i].strip().split(":", 1)
                current["env"][key.strip()] = value.strip()
                i += 1
            continue
        elif current is not None and line.startswith("  uses:"):
            current["uses"] = line.split(":", 1)[1].strip()
        elif current is not None and line.startswith("  with:"):
            i += 1
            while i < len(lines) and lines[i].startswith("    "):
                current["with"] += lines[i] + "\n"
                i += 1
            continue
        i += 1
    return out


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class DocsCiSnippetTest(unittest.TestCase):
    def test_the_snippet_runs_as_written_and_asserts_offloaded(self):
        snippet = ci_snippet()
        self.assertIn("4566", snippet)
        port = str(free_port())
        parsed = steps(snippet.replace("4566", port))
        self.assertEqual([s["name"] for s in parsed][:3],
                         ["Install offstage", "Start offstage",
                          "front-offload returns before its work finishes"])
        work = tempfile.mkdtemp(prefix="offstage-ci-")
        self.addCleanup(shutil.rmtree, work, ignore_errors=True)
        github_path = os.path.join(work, "GITHUB_PATH")
        open(github_path, "w").close()
        # The job's shell: the checkout's root as the working directory, the artifacts written
        # there as in the snippet; one process group, so the daemon started with `&` ends with it.
        checkout = os.path.join(work, "checkout")
        os.symlink(REPO, checkout)
        env = dict(os.environ, GITHUB_PATH=github_path)
        env["PATH"] = "/usr/bin:/bin:" + env.get("PATH", "")
        script = ["set -e"]
        for step in parsed:
            if step["run"] is None:
                continue
            exports = "".join("export %s=%s\n" % (k, v) for k, v in step["env"].items())
            script.append("( set -eo pipefail\n%s%s)\n" % (exports, step["run"]))
            script.append('while read -r p; do [ -n "$p" ] && PATH="$p:$PATH"; done < "$GITHUB_PATH"')
        proc = subprocess.Popen(["bash", "-c", "\n".join(script)], cwd=checkout, env=env,
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                start_new_session=True)
        try:
            output, _ = proc.communicate(timeout=900)
        finally:
            try:
                os.killpg(proc.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        self.assertEqual(proc.returncode, 0, output[-6000:])
        self.assertIn("front-offload returned", output.replace("\n", " "))
        # What the upload step keeps exists.
        for name in ("trace.html", "offstage.log"):
            path = os.path.join(REPO, name)
            self.addCleanup(lambda p=path: os.path.exists(p) and os.remove(p))
            self.assertTrue(os.path.exists(path), name)
        with open(os.path.join(REPO, "trace.html")) as f:
            self.assertIn("front-offload returned", f.read())


if __name__ == "__main__":
    unittest.main()

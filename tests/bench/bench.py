#!/usr/bin/env python3
"""offstage's benchmarks: every scenario, one table, written into docs/benchmarks.md.

Run through scripts/bench.sh. Not a test: this machine is shared and noisy, so the numbers are
read as ratios within one run (offstage vs the floor, vs moto), and the targets are printed as
pass/fail, not asserted. --quick runs each scenario for a moment (the ctest smoke run) and does
not touch docs/benchmarks.md.
"""
import argparse
import json
import os
import platform
import shutil
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
BUILD = os.path.join(REPO, "build")
OFFSTAGE = os.path.join(BUILD, "offstage")
LOADGEN = os.path.join(BUILD, "offstage_loadgen")
PROBE = os.path.join(BUILD, "offstage_startup_probe")
FLOOR = os.path.join(BUILD, "offstage_floor")
FORM = "Content-Type: application/x-www-form-urlencoded"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    binary = OFFSTAGE  # --offstage

    def __init__(self, *args, binary=None, ephemeral=False):
        self.dir = tempfile.mkdtemp(prefix="offstage-bench-")
        self.port = free_port()
        self.url = "http://127.0.0.1:%d" % self.port
        store = ["--ephemeral"] if ephemeral else ["--data-dir", self.dir + "/data"]
        self.proc = subprocess.Popen(
            [binary or Daemon.binary, "serve", "--port", str(self.port), *store, "--quiet", *args],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.proc.stdout.readline()

    def post(self, path, body, content_type="application/x-www-form-urlencoded", headers=None):
        req = urllib.request.Request(self.url + path, data=body.encode(), method="POST",
                                     headers={"Content-Type": content_type, **(headers or {})})
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.read().decode()

    def sns(self, **params):
        return self.post("/", urllib.parse.urlencode({"Version": "2010-03-31", **params}))

    def lambda_create(self, name, code):
        body = json.dumps({"FunctionName": name, "Runtime": "nodejs20.x", "Handler": "index.handler",
                           "Role": "arn:aws:iam::000000000000:role/bench", "Timeout": 30,
                           "Code": {"S3Bucket": "hot-reload", "S3Key": code}})
        return self.post("/2015-03-31/functions", body, "application/json")

    def stop(self):
        self.proc.terminate()
        self.proc.wait(30)

    def db(self):
        return os.path.join(self.dir, "data", "offstage.db")

    def cleanup(self):
        shutil.rmtree(self.dir, ignore_errors=True)


def loadgen(url, body, seconds, connections=16, rate=None, headers=(FORM,), path="/"):
    body_file = tempfile.NamedTemporaryFile("w", delete=False)
    body_file.write(body)
    body_file.close()
    cmd = [LOADGEN, "--url", url + path, "--body-file", body_file.name, "--connections",
           str(connections), "--seconds", str(seconds)]
    for h in headers:
        cmd += ["--header", h]
    if rate:
        cmd += ["--rate", str(rate)]
    out = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    os.unlink(body_file.name)
    return json.loads(out)


SQS_AUTH = ("AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sqs/aws4_request, "
            "SignedHeaders=host, Signature=x")


def sqs_headers(action):
    return ("Content-Type: application/x-amz-json-1.0", "X-Amz-Target: AmazonSQS." + action,
            "Authorization: " + SQS_AUTH)


def sqs_call(conn, action, body):
    """One SQS JSON-protocol call on an http.client connection; the answer's JSON."""
    conn.request("POST", "/", body=json.dumps(body), headers={
        "Content-Type": "application/x-amz-json-1.0", "X-Amz-Target": "AmazonSQS." + action,
        "Authorization": SQS_AUTH})
    response = conn.getresponse()
    data = response.read()
    if response.status != 200:
        raise RuntimeError("%s answered %d: %s" % (action, response.status, data[:200]))
    return json.loads(data or b"{}")


def receive_delete_rate(base, queue_url, seconds):
    """Messages received and deleted a second by one client (ReceiveMessage of 10, then
    DeleteMessageBatch of what came), for `seconds` or until the queue is empty."""
    import http.client
    conn = http.client.HTTPConnection(base.split("//")[1], timeout=60)
    done = 0
    start = time.perf_counter()
    while time.perf_counter() - start < seconds:
        got = sqs_call(conn, "ReceiveMessage", {"QueueUrl": queue_url, "MaxNumberOfMessages": 10})
        messages = got.get("Messages", [])
        if not messages:
            break
        sqs_call(conn, "DeleteMessageBatch", {"QueueUrl": queue_url, "Entries": [
            {"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(messages)]})
        done += len(messages)
    conn.close()
    return done / (time.perf_counter() - start)


def start_moto():
    """moto_server on a free port, answering; (process, url), or (None, None) when absent."""
    moto = shutil.which("moto_server")
    if not moto:
        return None, None
    port = free_port()
    proc = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    url = "http://127.0.0.1:%d" % port
    for _ in range(100):
        try:
            urllib.request.urlopen(url + "/moto-api/", timeout=2).read()
            break
        except OSError:
            time.sleep(0.1)
    return proc, url


def publish_body(topic_arn):
    return urllib.parse.urlencode({"Action": "Publish", "Version": "2010-03-31",
                                   "TopicArn": topic_arn, "Message": "hello"})


def rss_kib(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def get_json(url):
    with urllib.request.urlopen(url, timeout=30) as r:
        return json.loads(r.read())


def start_node(script, port, cwd=None):
    """`node SCRIPT PORT`, once it prints its ready line: (process, rest of the line)."""
    proc = subprocess.Popen(["node", script, str(port)], stdout=subprocess.PIPE, text=True,
                            cwd=cwd)
    line = proc.stdout.readline().strip()
    if not line.startswith("ready"):
        proc.kill()
        raise RuntimeError("%s did not start: %r" % (script, line))
    return proc, line[len("ready"):].strip()


def wait_count(url, expected, timeout):
    """Polls an http_sink's /count until `expected`; the seconds it took, or None."""
    start = time.time()
    while time.time() - start < timeout:
        if int(urllib.request.urlopen(url + "/count", timeout=10).read()) >= expected:
            return time.time() - start
        time.sleep(0.1)
    return None


def wait_quiet(daemon, expected_invocations, timeout):
    """Waits until the daemon has run `expected_invocations` invocations (from its spans)."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        time.sleep(0.5)
        try:
            con = sqlite3.connect("file:%s?mode=ro" % daemon.db(), uri=True, timeout=5)
            n = con.execute("SELECT count(*) FROM spans WHERE kind='invocation' AND "
                            "end_ns IS NOT NULL").fetchone()[0]
            con.close()
        except sqlite3.Error:
            continue
        if n >= expected_invocations:
            return n
    return None


import urllib.parse  # noqa: E402  (used above)

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


class Counters:
    """The work a process did, from the kernel's accounting of it (docs/benchmarks.md, "Counting
    the work"): CPU time (/proc/PID/stat: every thread, the exited ones included), context
    switches (each live thread's /proc/PID/task/TID/status; a thread that exits between two
    snapshots takes its switches since the first with it), and I/O (/proc/PID/io: every thread).
    Handler processes are other processes and are not counted."""

    def __init__(self, pid):
        with open("/proc/%d/stat" % pid) as f:
            fields = f.read().rsplit(")", 1)[1].split()
        self.cpu_us = (int(fields[11]) + int(fields[12])) * 1e6 / CLOCK_TICKS
        self.switches = {}
        for tid in os.listdir("/proc/%d/task" % pid):
            try:
                with open("/proc/%d/task/%s/status" % (pid, tid)) as f:
                    n = sum(int(line.split()[1]) for line in f
                            if line.startswith(("voluntary_ctxt", "nonvoluntary_ctxt")))
            except OSError:
                continue  # exited meanwhile
            self.switches[tid] = n
        with open("/proc/%d/io" % pid) as f:
            self.io = {k: int(v) for k, v in (line.split(":") for line in f)}

    def since(self, before):
        """What was done between `before` and this snapshot."""
        return {
            "cpu_us": self.cpu_us - before.cpu_us,
            "switches": sum(n - before.switches.get(tid, 0) for tid, n in self.switches.items()),
            "syscalls": (self.io["syscr"] + self.io["syscw"]) - (before.io["syscr"] + before.io["syscw"]),
            "disk_bytes": self.io["write_bytes"] - before.io["write_bytes"],
            "written_bytes": self.io["wchar"] - before.io["wchar"],
        }


def check_clean(run):
    """A figure per operation counts answered operations only."""
    if run["errors"] or run["non_2xx"]:
        raise RuntimeError("%d errors and %d non-2xx answers in a counted run" %
                           (run["errors"], run["non_2xx"]))


def thread_count(pid):
    return len(os.listdir("/proc/%d/task" % pid))


def measure_counters(binary, secs, quick):
    """The counter figures of one build: Publish at 5,000/s with a data dir (and the same with
    --ephemeral, for the p99 ratio), a sync Invoke loop, and the threads left once idle."""
    out = {}
    arn = "arn:aws:sns:us-east-1:000000000000:bench"
    for ephemeral in (False, True):
        d = Daemon(binary=binary, ephemeral=ephemeral)
        try:
            d.sns(Action="CreateTopic", Name="bench")
            loadgen(d.url, publish_body(arn), 1, connections=8, rate=1000)  # warm-up
            before = Counters(d.proc.pid)
            run = loadgen(d.url, publish_body(arn), secs, connections=8, rate=5000)
            check_clean(run)
            time.sleep(1)  # the checkpoints that follow the load are part of what it cost
            work = Counters(d.proc.pid).since(before)
            key = "ephemeral" if ephemeral else "durable"
            out[key] = {"p99_ms": run["p99_ms"], "requests": run["requests"], **work}
            if not ephemeral:
                time.sleep(2 if quick else 12)  # workers started for the load retire when idle
                out["threads_after_load"] = thread_count(d.proc.pid)
        finally:
            d.stop()
            d.cleanup()
    d = Daemon(binary=binary)
    try:
        d.lambda_create("noop", os.path.join(HERE, "functions", "noop"))
        path = "/2015-03-31/functions/noop/invocations"
        headers = ("Content-Type: application/json",)
        # Warm, and a handler that runs (a function error is a 200 too).
        answer = d.post(path, "{}", "application/json")
        if answer != '{"ok":true}':
            raise RuntimeError("the no-op handler did not run: %s" % answer[:300])
        loadgen(d.url, "{}", 1, connections=1, headers=headers, path=path)
        before = Counters(d.proc.pid)
        run = loadgen(d.url, "{}", secs, connections=1, headers=headers, path=path)
        check_clean(run)
        out["invoke"] = {"requests": run["requests"], "p50_ms": run["p50_ms"],
                         **Counters(d.proc.pid).since(before)}
    finally:
        d.stop()
        d.cleanup()
    return out


def start_figures(binary, port, runs):
    """exec to first health answer (ms), idle RSS, RssAnon, PSS (MiB) and threads: medians."""
    cols = [[] for _ in range(5)]
    for _ in range(runs):
        out = subprocess.run([PROBE, binary, str(port), "--ephemeral"], capture_output=True,
                             text=True, check=True).stdout.split()
        for i, v in enumerate(out):
            cols[i].append(float(v))
    ms, rss, anon, pss, threads = (statistics.median(c) for c in cols)
    return ms, rss / 1024, anon / 1024, pss / 1024, threads


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--offstage", default=OFFSTAGE, help="the build to measure")
    parser.add_argument("--before", help="an earlier build, measured beside it for the counter rows")
    parser.add_argument("--counters-only", action="store_true",
                        help="the floor, start and counter rows only; docs/benchmarks.md untouched")
    args = parser.parse_args()
    Daemon.binary = args.offstage
    quick = args.quick
    secs = 1 if quick else 5
    rows = []  # (scenario, figure, value, target, pass)

    def row(scenario, figure, value, target="", ok=None):
        print("  %s: %s = %s" % (scenario, figure, value), file=sys.stderr, flush=True)
        rows.append((scenario, figure, value, target, "" if ok is None else ("pass" if ok else "MISS")))

    # 0. The floor: what this machine costs for the operations the figures are built from.
    runs = 20 if quick else 200
    version_ms = float(subprocess.run([FLOOR, "version", args.offstage, str(runs // 4)],
                                      capture_output=True, text=True, check=True).stdout)
    futex_us = float(subprocess.run([FLOOR, "futex", str(runs * 100)], capture_output=True,
                                    text=True, check=True).stdout)
    fsync_dir = tempfile.mkdtemp(prefix="offstage-bench-")  # where the daemons' data dirs go
    fsync_us = float(subprocess.run([FLOOR, "fsync", fsync_dir, str(runs)], capture_output=True,
                                    text=True, check=True).stdout)
    os.rmdir(fsync_dir)
    node_port = free_port()
    node = subprocess.Popen(["node", os.path.join(HERE, "node_floor.js"), str(node_port)],
                            stdout=subprocess.PIPE, text=True)
    node.stdout.readline()
    node_floor = loadgen("http://127.0.0.1:%d" % node_port, "{}", secs, connections=1,
                         headers=("Content-Type: application/json",))
    node.terminate()
    row("floor", "plain Node HTTP server, no-op, round trip p50 (1 connection)",
        "%.3f ms (%.0f/s)" % (node_floor["p50_ms"], node_floor["rps"]))
    row("floor", "exec of `offstage --version` to its exit, p50", "%.2f ms" % version_ms)
    row("floor", "4 KiB write + fsync in the data directories' filesystem, p50", "%.0f µs" % fsync_us)
    row("floor", "futex ping-pong between two threads, round trip p50", "%.1f µs" % futex_us)

    # 1. Start-up, idle memory and threads.
    port = free_port()
    start_ms, rss, anon, pss, threads = start_figures(args.offstage, port, 3 if quick else 15)
    row("start", "exec to first /_offstage/health, p50", "%.2f ms" % start_ms,
        "<= 2x `--version` (%.2f ms)" % (2 * version_ms), start_ms <= 2 * version_ms)
    row("start", "idle RSS (shared library text included)", "%.1f MiB" % rss, "<= 8 MiB", rss <= 8)
    row("start", "idle private memory (RssAnon)", "%.1f MiB" % anon)
    row("start", "idle PSS (shared pages divided among their users)", "%.1f MiB" % pss)
    before_start = start_figures(args.before, port, 3 if quick else 15) if args.before else None

    # 1b. The work per operation, counted beside the time (and for --before, the same counted
    # for the earlier build, alternately: one run, one machine).
    count_secs = 2 if quick else 5
    now = measure_counters(args.offstage, count_secs, quick)
    was = measure_counters(args.before, count_secs, quick) if args.before else None

    def per(figures, key, what):
        return figures[what][key] / max(figures[what]["requests"], 1)

    def counter_row(figure, value, before, unit, fmt):
        if before is None:
            row("work", figure, fmt % value + unit, "<= half the build before (bench.py --before)")
        else:
            row("work", figure, (fmt + "%s (before: " + fmt + "%s)") % (value, unit, before, unit),
                "<= %s%s" % (fmt % (before / 2), unit), value <= before / 2)

    for figure, key, what, unit, fmt in (
            ("CPU per Publish", "cpu_us", "durable", " µs", "%.1f"),
            ("context switches per Publish", "switches", "durable", "", "%.2f"),
            ("CPU per sync Invoke", "cpu_us", "invoke", " µs", "%.1f"),
            ("context switches per sync Invoke", "switches", "invoke", "", "%.2f"),
            ("disk bytes per Publish", "disk_bytes", "durable", " B", "%.0f")):
        counter_row(figure, per(now, key, what), per(was, key, what) if was else None, unit, fmt)
    for figure, key, unit, fmt in (("read/write syscalls per Publish", "syscalls", "", "%.2f"),
                                   ("bytes passed to write calls per Publish", "written_bytes",
                                    " B", "%.0f")):
        value = per(now, key, "durable")
        row("work", figure, fmt % value + unit + (
            (" (before: " + fmt + unit + ")") % per(was, key, "durable") if was else ""))
    row("work", "threads at idle", "%d%s" % (threads, " (before: %d)" % before_start[4]
                                              if before_start else ""), "<= 16", threads <= 16)
    row("work", "threads %d s after a Publish load ended" % (3 if quick else 13),
        "%d%s" % (now["threads_after_load"], " (before: %d)" % was["threads_after_load"]
                  if was else ""))
    ratio = now["durable"]["p99_ms"] / max(now["ephemeral"]["p99_ms"], 1e-3)
    row("work", "Publish p99 at 5,000/s: data dir / --ephemeral",
        "%.2f / %.2f ms = %.2fx" % (now["durable"]["p99_ms"], now["ephemeral"]["p99_ms"], ratio),
        "<= 2x", ratio <= 2)
    if args.counters_only:
        print("\n".join("| %s | %s | %s | %s | %s |" % r for r in rows))
        return 0

    noop = os.path.join(HERE, "functions", "noop")
    slow = os.path.join(HERE, "functions", "slow")

    # 2. Publish throughput and latency, with 0, 1 and 50 Lambda subscribers, durably.
    # Latency with subscribers is taken with every function warm, at two rates: 200/s, where 50
    # subscribers ask for 10,000 invocations a second (several times what 2 cores run, so it
    # measures Publish beside an overload), and a rate the machine keeps up with even for 50
    # (20/s: 1,000 invocations/s), which is what the many-subscriber target compares.
    latency_1 = latency_50 = low_1 = low_50 = None
    low_rate = 10 if quick else 20
    for subscribers in ((0, 1, 5) if quick else (0, 1, 50)):
        d = Daemon("--max-environments", "64")
        try:
            arn = "arn:aws:sns:us-east-1:000000000000:bench"
            d.sns(Action="CreateTopic", Name="bench")
            for i in range(subscribers):
                d.lambda_create("noop%d" % i, noop)
                d.sns(Action="Subscribe", TopicArn=arn, Protocol="lambda",
                      Endpoint="arn:aws:lambda:us-east-1:000000000000:function:noop%d" % i)
            sent = 0
            if subscribers <= 1:
                # Max throughput: a closed loop (each message then runs a no-op handler).
                closed = loadgen(d.url, publish_body(arn), 1 if quick else 3)
                sent = closed["requests"]
                row("publish, %d subscriber(s)" % subscribers, "max Publish/s (16 connections)",
                    "%.0f" % closed["rps"], {0: ">= 20000", 1: ">= 10000"}[subscribers],
                    closed["rps"] >= (20000 if subscribers == 0 else 10000))
                if subscribers == 1:
                    began = time.time()
                    drained = wait_quiet(d, sent, 120 if quick else 600)
                    took = time.time() - began
                    row("publish, 1 subscriber(s)",
                        "closed loop's messages all handled, after the loop ended",
                        "%.1f s later (%d invocations)" % (took, sent)
                        if drained else "no (timed out)")
                    if drained:
                        # Publish is accepted faster than the no-op handlers run: the rate at
                        # which messages were handled, from the loop's start to the last one.
                        row("publish, 1 subscriber(s)", "handled end to end (loop + drain)",
                            "%.0f invocations/s" % (sent / (closed["seconds"] + took)))
            rate = 5000 if subscribers == 0 else (50 if quick else 200)
            if subscribers > 1:
                # Every function started and run once, as the 1-subscriber case's closed loop
                # leaves its function: latency, not cold starts.
                d.sns(Action="Publish", TopicArn=arn, Message="warm up")
                sent = 1
                wait_quiet(d, subscribers, 120)
            open_start_ns = time.time_ns()  # the daemon's clock is the epoch too
            opened = loadgen(d.url, publish_body(arn), secs if subscribers == 0 else 2,
                             connections=8, rate=rate)
            sent += opened["requests"]
            if subscribers:
                ran = wait_quiet(d, sent * subscribers, 120 if quick else 900)
                row("publish, %d subscriber(s)" % subscribers,
                    "every message delivered to every subscriber by the end",
                    "yes (%d invocations)" % (sent * subscribers) if ran else "no (timed out)",
                    "all", bool(ran))
            row("publish, %d subscriber(s)" % subscribers,
                "latency at %d/s p50 / p99 / p99.9" % rate,
                "%.2f / %.2f / %.2f ms" % (opened["p50_ms"], opened["p99_ms"], opened["p999_ms"]),
                "p99 <= 2 ms" if subscribers == 0 else "",
                opened["p99_ms"] <= 2 if subscribers == 0 else None)
            if subscribers == 1:
                latency_1 = opened["p50_ms"]
            if subscribers > 1:
                latency_50 = opened["p50_ms"]
            low_start_ns = time.time_ns()
            if subscribers:
                low = loadgen(d.url, publish_body(arn), 1 if quick else 3, connections=8,
                              rate=low_rate)
                sent += low["requests"]
                wait_quiet(d, sent * subscribers, 120 if quick else 300)
                row("publish, %d subscriber(s)" % subscribers,
                    "latency at %d/s p50 / p99 / p99.9" % low_rate,
                    "%.2f / %.2f / %.2f ms" % (low["p50_ms"], low["p99_ms"], low["p999_ms"]))
                if subscribers == 1:
                    low_1 = low["p50_ms"]
                else:
                    low_50 = low["p50_ms"]
            if subscribers == 1:
                # 3. Publish -> warm handler start, from the recorded spans: the event handed
                # to the runtime (the invocation span's start, when its bytes were written to
                # the runtime's /next), and the handler called (the runtime client's own
                # clock, handler_start_ns, moved onto the daemon's: docs/tracing.md).
                wait_quiet(d, 1, 5)
                d.stop()
                con = sqlite3.connect(d.db())
                spans = con.execute(
                    "SELECT inv.start_ns - pub.start_ns, "
                    "json_extract(inv.attrs, '$.handler_start_ns') - pub.start_ns FROM spans inv "
                    "JOIN spans ev ON inv.parent_id = ev.id JOIN spans dl ON ev.parent_id = dl.id "
                    "JOIN spans pub ON dl.parent_id = pub.id WHERE inv.kind = 'invocation' "
                    "AND pub.kind = 'publish' AND json_extract(inv.attrs, '$.cold') = 0 "
                    "AND pub.start_ns >= ? AND pub.start_ns < ?",
                    (open_start_ns, low_start_ns)).fetchall()
                con.close()
                handed = sorted(r[0] / 1e6 for r in spans)
                called = sorted(r[1] / 1e6 for r in spans if r[1] is not None)
                # Only the fixed-rate phase (the closed loop's backlog has drained by then):
                # latency, not queueing.
                if handed:
                    p50, p99 = handed[len(handed) // 2], handed[int(len(handed) * 0.99)]
                    row("publish -> handler",
                        "event handed to the warm runtime after Publish at %d/s, p50 / p99"
                        % rate, "%.2f / %.2f ms (%d)" % (p50, p99, len(handed)))
                if called:
                    p50, p99 = called[len(called) // 2], called[int(len(called) * 0.99)]
                    row("publish -> handler",
                        "warm handler start after Publish at %d/s, p50 / p99" % rate,
                        "%.2f / %.2f ms (%d)" % (p50, p99, len(called)), "<= 1 / <= 5 ms",
                        p50 <= 1 and p99 <= 5)
        finally:
            if d.proc.poll() is None:
                d.stop()
            d.cleanup()
    many = 5 if quick else 50
    if low_1 and low_50:
        row("publish", "%d-subscriber p50 / 1-subscriber p50 at %d/s (%d invocations/s asked)"
            % (many, low_rate, many * low_rate), "%.2fx" % (low_50 / low_1), "<= 2x",
            low_50 / low_1 <= 2)
    if latency_1 and latency_50:
        high = 50 if quick else 200
        row("publish", "%d-subscriber p50 / 1-subscriber p50 at %d/s (%d invocations/s asked)"
            % (many, high, many * high), "%.2fx" % (latency_50 / latency_1))

    # 4. Sync Invoke round trip vs a plain Node HTTP server doing the same no-op.
    d = Daemon()
    try:
        d.lambda_create("noop", noop)
        d.post("/2015-03-31/functions/noop/invocations", "{}", "application/json")
        invoke = loadgen(d.url, "{}", secs, connections=1, headers=("Content-Type: application/json",),
                         path="/2015-03-31/functions/noop/invocations")
        floor = node_floor
        ratio = invoke["p50_ms"] / floor["p50_ms"]
        row("invoke", "sync Invoke round trip p50 (no-op Node handler)",
            "%.3f ms (%.0f/s)" % (invoke["p50_ms"], invoke["rps"]))
        row("invoke", "round trip / floor", "%.2fx" % ratio, "<= 2x", ratio <= 2)

        # 5. Cold start vs the floor of node starting and exiting.
        inits = []
        for i in range(3 if quick else 10):
            name = "cold%d" % i
            d.lambda_create(name, noop)
            d.post("/2015-03-31/functions/%s/invocations" % name, "{}", "application/json")
        time.sleep(0.5)
        con = sqlite3.connect("file:%s?mode=ro" % d.db(), uri=True)
        inits = [r[0] / 1e6 for r in con.execute(
            "SELECT json_extract(attrs, '$.init_ns') FROM spans WHERE kind = 'invocation' AND "
            "name LIKE 'cold%' AND json_extract(attrs, '$.init_ns') IS NOT NULL")]
        con.close()
        floors = []
        for _ in range(3 if quick else 10):
            t = time.perf_counter()
            subprocess.run(["node", "-e", "0"], check=True)
            floors.append((time.perf_counter() - t) * 1000)
        if inits:
            gap = statistics.median(inits) - statistics.median(floors)
            row("cold start", "Init Duration p50 vs `node -e 0` p50",
                "%.1f ms vs %.1f ms (+%.1f ms)" % (statistics.median(inits), statistics.median(floors), gap),
                "<= +5 ms", gap <= 5)
    finally:
        d.stop()
        d.cleanup()

    # 6. Event invokes: accepted per second and 202 latency while a slow handler is busy.
    d = Daemon("--max-environments", "4")
    try:
        d.lambda_create("slow", slow)
        event = loadgen(d.url, "{}", secs, connections=8,
                        headers=("Content-Type: application/json", "X-Amz-Invocation-Type: Event"),
                        path="/2015-03-31/functions/slow/invocations")
        row("event invoke", "accepted Event invokes/s (handler 200 ms, 4 environments)",
            "%.0f" % event["rps"])
        row("event invoke", "202 latency p50 / p99", "%.2f / %.2f ms" % (event["p50_ms"], event["p99_ms"]))
    finally:
        d.stop()
        d.cleanup()

    # 7. The same Publish load against moto_server and serverless-offline-sns, side by side.
    ours = next((float(r[2]) for r in rows
                 if r[0] == "publish, 0 subscriber(s)" and r[1].startswith("max")), None)
    moto = None if quick else shutil.which("moto_server")
    if moto:
        port = free_port()
        proc = subprocess.Popen([moto, "-H", "127.0.0.1", "-p", str(port)], stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        url = "http://127.0.0.1:%d" % port
        for _ in range(100):
            try:
                urllib.request.urlopen(urllib.request.Request(
                    url + "/", data=b"Action=CreateTopic&Version=2010-03-31&Name=bench",
                    headers={"Content-Type": "application/x-www-form-urlencoded",
                             "Authorization": "AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=x"}),
                    timeout=2)
                break
            except OSError:
                time.sleep(0.1)
        auth = "Authorization: AWS4-HMAC-SHA256 Credential=test/20260101/us-east-1/sns/aws4_request, SignedHeaders=host, Signature=x"
        moto_run = loadgen(url, publish_body("arn:aws:sns:us-east-1:123456789012:bench"), secs,
                           headers=(FORM, auth))
        proc.terminate()
        proc.wait()
        row("vs moto", "moto_server max Publish/s (same load, 0 subscribers)", "%.0f" % moto_run["rps"])
        if ours:
            row("vs moto", "offstage / moto", "%.1fx" % (ours / max(moto_run["rps"], 1)))
    else:
        row("vs moto", "moto_server", "skipped (--quick)" if quick else "not installed here: skipped")

    # serverless-offline-sns (npm, installed by scripts/bench.sh): 0 subscribers, and 1 HTTP
    # subscriber (its Lambda subscriptions need the serverless framework's functions), the same
    # HTTP subscriber behind offstage for the ratio.
    sls_dir = os.path.join(HERE, "serverless-offline-sns")
    if quick or not os.path.isdir(os.path.join(sls_dir, "node_modules", "serverless-offline-sns")):
        row("vs serverless-offline-sns", "serverless-offline-sns",
            "skipped (--quick)" if quick else "not installed (scripts/bench.sh installs it): skipped")
    else:
        sls_port = free_port()
        sls, sls_arn = start_node(os.path.join(sls_dir, "start.mjs"), sls_port, cwd=sls_dir)
        sls_url = "http://127.0.0.1:%d" % sls_port
        try:
            sls_run = loadgen(sls_url, publish_body(sls_arn), secs)
            row("vs serverless-offline-sns", "max Publish/s, 0 subscribers", "%.0f" % sls_run["rps"])
            if ours:
                row("vs serverless-offline-sns", "offstage / serverless-offline-sns, 0 subscribers",
                    "%.1fx" % (ours / max(sls_run["rps"], 1)))
            sink_port = free_port()
            sink, _ = start_node(os.path.join(HERE, "http_sink.mjs"), sink_port)
            sink_url = "http://127.0.0.1:%d" % sink_port
            try:
                urllib.request.urlopen(urllib.request.Request(sls_url + "/", data=urllib.parse.urlencode(
                    {"Action": "Subscribe", "TopicArn": sls_arn, "Protocol": "http",
                     "Endpoint": sink_url + "/sls"}).encode(),
                    headers={"Content-Type": "application/x-www-form-urlencoded"}), timeout=10).read()
                sls_sub = loadgen(sls_url, publish_body(sls_arn), secs)
                sls_drain = wait_count(sink_url, sls_sub["requests"], 120)
            finally:
                sink.terminate()
            sink, _ = start_node(os.path.join(HERE, "http_sink.mjs"), sink_port)
            d = Daemon()
            try:
                arn = "arn:aws:sns:us-east-1:000000000000:bench"
                d.sns(Action="CreateTopic", Name="bench")
                d.sns(Action="Subscribe", TopicArn=arn, Protocol="http", Endpoint=sink_url + "/offstage")
                time.sleep(0.5)  # the sink confirms the subscription
                ours_sub = loadgen(d.url, publish_body(arn), secs)
                ours_drain = wait_count(sink_url, ours_sub["requests"], 300)
            finally:
                d.stop()
                d.cleanup()
                sink.terminate()
            for name, run, drain in (("serverless-offline-sns", sls_sub, sls_drain),
                                     ("offstage", ours_sub, ours_drain)):
                row("vs serverless-offline-sns", "%s, 1 HTTP subscriber: max Publish/s; all delivered" % name,
                    "%.0f; %s" % (run["rps"], "%.1f s after the loop" % drain if drain is not None
                                  else "not all within the wait"))
            row("vs serverless-offline-sns", "offstage / serverless-offline-sns, 1 HTTP subscriber",
                "%.1fx" % (ours_sub["rps"] / max(sls_sub["rps"], 1)))
        finally:
            sls.terminate()
            sls.wait()

    # 8. Soak: memory over minutes of Publishes at 5,000/s, and database size per message.
    soak_secs = 3 if quick else 300
    d = Daemon()
    try:
        arn = "arn:aws:sns:us-east-1:000000000000:bench"
        d.sns(Action="CreateTopic", Name="bench")
        samples = []
        body_file = tempfile.NamedTemporaryFile("w", delete=False)
        body_file.write(publish_body(arn))
        body_file.close()
        gen = subprocess.Popen([LOADGEN, "--url", d.url + "/", "--body-file", body_file.name,
                                "--connections", "8", "--seconds", str(soak_secs), "--rate", "5000",
                                "--header", FORM], stdout=subprocess.PIPE, text=True)
        while gen.poll() is None:
            samples.append(rss_kib(d.proc.pid) / 1024)
            time.sleep(0.5 if quick else 5)
        soak = json.loads(gen.stdout.read())
        os.unlink(body_file.name)
        d.stop()
        size = sum(os.path.getsize(d.db() + ext) for ext in ("", "-wal") if os.path.exists(d.db() + ext))
        # Growth from the end of the first tenth (caches warm) to the end.
        base = samples[max(1, len(samples) // 10) - 1] if samples else 0
        peak = max(samples) if samples else 0
        growth = (samples[-1] - base) / base * 100 if base else 0
        row("soak", "%d s of Publish at 5,000/s: RSS after the first tenth -> end (peak)" % soak_secs,
            "%.1f -> %.1f MiB (%.1f) = %+.1f%%" % (base, samples[-1] if samples else 0, peak, growth),
            "growth < 10%", growth < 10)
        row("soak", "latency p50 / p99 / p99.9 over the soak",
            "%.2f / %.2f / %.2f ms (%d Publishes)" % (soak["p50_ms"], soak["p99_ms"], soak["p999_ms"],
                                                      soak["requests"]))
        row("soak", "database size per message (file + WAL)",
            "%.0f bytes (%.1f MiB for %d)" % (size / max(soak["requests"], 1), size / 2**20, soak["requests"]))
    finally:
        if d.proc.poll() is None:
            d.stop()
        d.cleanup()

    # 9. Retention at work: the same 5,000/s while the pruner deletes continuously.
    d = Daemon("--retention", "2s")
    try:
        arn = "arn:aws:sns:us-east-1:000000000000:bench"
        d.sns(Action="CreateTopic", Name="bench")
        pruned = loadgen(d.url, publish_body(arn), 3 if quick else 20, connections=8, rate=5000)
        health = get_json(d.url + "/_offstage/health")["retention"]
        row("retention", "Publish at 5,000/s with --retention 2s: p50 / p99 / p99.9",
            "%.2f / %.2f / %.2f ms" % (pruned["p50_ms"], pruned["p99_ms"], pruned["p999_ms"]),
            "p99 <= 2 ms", pruned["p99_ms"] <= 2)
        row("retention", "rows pruned meanwhile (spans, messages)",
            "%d, %d in %d passes" % (health["deleted"].get("spans", 0),
                                      health["deleted"].get("messages", 0), health["passes"]))
    finally:
        d.stop()
        d.cleanup()

    # 10. SQS: SendMessage throughput (the JSON protocol, as current SDKs send it) beside
    # moto_server's under the same load, Receive+Delete by one client, and publish -> warm
    # handler through a queue (SNS -> SQS -> event source mapping, batching window 0).
    import http.client
    send_body = lambda url: json.dumps({"QueueUrl": url, "MessageBody": "hello"})  # noqa: E731
    d = Daemon()
    ours_send = None
    try:
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
        url = sqs_call(conn, "CreateQueue", {"QueueName": "bench"})["QueueUrl"]
        conn.close()
        run = loadgen(d.url, send_body(url), secs, headers=sqs_headers("SendMessage"))
        ours_send = run["rps"]
        row("sqs", "max SendMessage/s (16 connections, durable)", "%.0f" % run["rps"])
        row("sqs", "SendMessage latency p50 / p99 (closed loop)",
            "%.2f / %.2f ms" % (run["p50_ms"], run["p99_ms"]))
        row("sqs", "Receive(10) + DeleteMessageBatch, 1 client: messages/s",
            "%.0f" % receive_delete_rate(d.url, url, secs))
    finally:
        d.stop()
        d.cleanup()
    proc, moto_url = (None, None) if quick else start_moto()
    if proc:
        try:
            conn = http.client.HTTPConnection(moto_url.split("//")[1], timeout=60)
            url = sqs_call(conn, "CreateQueue", {"QueueName": "bench"})["QueueUrl"]
            conn.close()
            run = loadgen(moto_url, send_body(url), secs, headers=sqs_headers("SendMessage"))
            row("sqs vs moto", "moto_server max SendMessage/s (same load)", "%.0f" % run["rps"])
            if ours_send:
                ratio = ours_send / max(run["rps"], 1)
                row("sqs vs moto", "offstage / moto, SendMessage/s", "%.1fx" % ratio, ">= 50x",
                    ratio >= 50)
            row("sqs vs moto", "moto_server Receive(10) + DeleteMessageBatch, 1 client: messages/s",
                "%.0f" % receive_delete_rate(moto_url, url, secs))
        finally:
            proc.terminate()
            proc.wait()
    else:
        row("sqs vs moto", "moto_server", "skipped (--quick)" if quick else "not installed here: skipped")
    row("sqs vs ElasticMQ", "ElasticMQ", "not run: it is a JVM server, not in Debian or npm")

    d = Daemon()
    try:
        arn = "arn:aws:sns:us-east-1:000000000000:bench"
        d.sns(Action="CreateTopic", Name="bench")
        d.lambda_create("queued", noop)
        conn = http.client.HTTPConnection("127.0.0.1", d.port, timeout=60)
        queue_url = sqs_call(conn, "CreateQueue", {"QueueName": "jobs"})["QueueUrl"]
        conn.close()
        queue_arn = "arn:aws:sqs:us-east-1:000000000000:jobs"
        d.sns(Action="Subscribe", TopicArn=arn, Protocol="sqs", Endpoint=queue_arn,
              **{"Attributes.entry.1.key": "RawMessageDelivery",
                 "Attributes.entry.1.value": "true"})
        d.post("/2015-03-31/event-source-mappings/", json.dumps(
            {"EventSourceArn": queue_arn, "FunctionName": "queued", "BatchSize": 1,
             "MaximumBatchingWindowInSeconds": 0}), "application/json")
        d.sns(Action="Publish", TopicArn=arn, Message="warm up")
        wait_quiet(d, 1, 120)
        rate = 20 if quick else 50
        began_ns = time.time_ns()
        sent = loadgen(d.url, publish_body(arn), 1 if quick else 5, connections=4, rate=rate)
        wait_quiet(d, 1 + sent["requests"], 120 if quick else 300)
        d.stop()
        con = sqlite3.connect(d.db())
        spans = con.execute(
            "SELECT inv.start_ns - pub.start_ns, "
            "json_extract(inv.attrs, '$.handler_start_ns') - pub.start_ns FROM spans inv "
            "JOIN spans ev ON inv.parent_id = ev.id JOIN spans dl ON ev.parent_id = dl.id "
            "JOIN spans pub ON dl.parent_id = pub.id WHERE inv.kind = 'invocation' "
            "AND ev.name LIKE 'sqs %' AND pub.kind = 'publish' "
            "AND json_extract(inv.attrs, '$.cold') = 0 AND pub.start_ns >= ?",
            (began_ns,)).fetchall()
        con.close()
        called = sorted(r[1] / 1e6 for r in spans if r[1] is not None)
        if called:
            p50, p99 = called[len(called) // 2], called[int(len(called) * 0.99)]
            row("publish -> queue -> handler",
                "warm handler start after Publish at %d/s (SNS -> SQS -> mapping), p50 / p99" % rate,
                "%.2f / %.2f ms (%d)" % (p50, p99, len(called)), "p50 <= 2 ms", p50 <= 2)
        else:
            row("publish -> queue -> handler", "warm handler start after Publish",
                "no traced invocation found", "p50 <= 2 ms", False)
    finally:
        if d.proc.poll() is None:
            d.stop()
        d.cleanup()

    header = "| scenario | figure | value | target | |\n|---|---|---|---|---|\n"
    table = header + "".join("| %s | %s | %s | %s | %s |\n" % r for r in rows)
    machine = "%s, %d cores, %s" % (platform.platform(), os.cpu_count(), time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()))
    print("offstage benchmarks (%s)%s\n" % (machine, ", --quick" if quick else ""))
    print(table)
    if not quick:
        path = os.path.join(REPO, "docs", "benchmarks.md")
        text = open(path).read() if os.path.exists(path) else "# Benchmarks\n"
        start = "<!-- bench.sh: begin -->"
        end = "<!-- bench.sh: end -->"
        block = "%s\nThe last run of `scripts/bench.sh`, on %s:\n\n%s%s" % (start, machine, table, end)
        if start in text:
            text = text[: text.index(start)] + block + text[text.index(end) + len(end):]
        else:
            text += "\n" + block + "\n"
        open(path, "w").write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())

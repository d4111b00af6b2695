"""The dashboard's side of the daemon over plain HTTP (the browser test, tests/browser/, drives
the page itself): where a browser is sent, how the files are served, and the control API reads
the dashboard makes: traces with figures, functions with environments and figures, failures,
logs of every function, and the long poll on committed changes (docs/dashboard.md)."""
import json
import threading
import time
import unittest
import urllib.error
import urllib.request

from harness import HANG_S, AwsClientsTestCase, Daemon
from lambda_fixtures import ROLE, zip_fixture


def request(endpoint, path, headers=None, method="GET", body=None):
    """(status, headers, body text) without following redirects."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):
            return None

    opener = urllib.request.build_opener(NoRedirect)
    req = urllib.request.Request(endpoint + path, headers=headers or {}, method=method,
                                 data=body.encode() if body is not None else None)
    try:
        with opener.open(req, timeout=HANG_S) as response:
            return response.status, response.headers, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.headers, err.read().decode()


def get_json(endpoint, path):
    status, _, body = request(endpoint, path)
    return status, json.loads(body)


def post_json(endpoint, path, body):
    status, _, text = request(endpoint, path, {"Content-Type": "application/json"}, "POST",
                              json.dumps(body))
    return status, json.loads(text)


class DashboardApiTest(AwsClientsTestCase):
    daemon_args = ("--async-retry-delays", "50ms,50ms")

    def wait_for(self, what, check):
        deadline = time.monotonic() + HANG_S
        while True:
            found = check()
            if found:
                return found
            if time.monotonic() > deadline:
                self.fail("no %s within %s s" % (what, HANG_S))
            time.sleep(0.05)

    def create(self, fixture):
        name = self.unique(fixture)
        self.lam.create_function(FunctionName=name, Runtime="nodejs20.x", Role=ROLE,
                                 Handler="index.handler", Code={"ZipFile": zip_fixture(fixture)})
        return name

    def test_a_browser_is_sent_to_the_dashboard_and_api_clients_are_not(self):
        html = {"Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}
        status, headers, _ = request(self.endpoint, "/", html)
        self.assertEqual(status, 302)
        self.assertEqual(headers["Location"], "/_offstage/")
        # A signed request, or one with a query (an SNS link, an old client), is SNS's.
        status, _, body = request(self.endpoint, "/?Action=ListTopics", html)
        self.assertEqual(status, 200)
        self.assertIn("ListTopicsResponse", body)
        status, _, _ = request(self.endpoint, "/", dict(html, Authorization="AWS4-HMAC-SHA256 x"))
        self.assertNotEqual(status, 302)
        status, _, _ = request(self.endpoint, "/", {"Accept": "*/*"})
        self.assertNotEqual(status, 302)

    def test_the_files_are_served_from_the_binary_and_refuse_framing(self):
        status, headers, body = request(self.endpoint, "/_offstage/")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/html"))
        self.assertIn('<script src="/_offstage/ui/app.js"', body)
        self.assertIn("frame-ancestors 'none'", headers["Content-Security-Policy"])
        self.assertIn("script-src 'self'", headers["Content-Security-Policy"])
        self.assertEqual(headers["X-Frame-Options"], "DENY")
        self.assertEqual(headers["X-Content-Type-Options"], "nosniff")
        status, headers, body = request(self.endpoint, "/_offstage/ui/app.js")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/javascript"))
        self.assertIn("/changes?since=", body)
        status, headers, _ = request(self.endpoint, "/_offstage/ui/app.css")
        self.assertEqual(status, 200)
        self.assertTrue(headers["Content-Type"].startswith("text/css"))
        self.assertEqual(request(self.endpoint, "/_offstage/ui/missing.js")[0], 404)
        self.assertEqual(request(self.endpoint, "/_offstage/ui/../health")[0], 404)

    def test_the_long_poll_answers_once_a_write_committed(self):
        status, first = get_json(self.endpoint, "/_offstage/changes?since=0&wait_ms=0")
        self.assertEqual(status, 200)
        version = first["version"]
        self.assertGreater(version, 0)
        answer = {}

        def poll():
            answer["status"], answer["body"] = get_json(
                self.endpoint, "/_offstage/changes?since=%d&wait_ms=25000" % version)

        waiter = threading.Thread(target=poll)
        waiter.start()
        time.sleep(0.2)
        self.assertTrue(waiter.is_alive(), "the long poll answered before anything changed")
        self.sns.create_topic(Name=self.unique("changed"))
        waiter.join(HANG_S)
        self.assertFalse(waiter.is_alive())
        self.assertEqual(answer["status"], 200)
        # Moved on: a timeout would have answered the version it was given.
        self.assertGreater(answer["body"]["version"], version)
        for bad in ("since=x", "wait_ms=soon", "since=1&wait_ms=1e3"):
            status, body = get_json(self.endpoint, "/_offstage/changes?" + bad)
            self.assertEqual(status, 400, bad)
            self.assertIn("must be integers", body["error"])

    def test_traces_functions_and_logs_carry_what_the_views_show(self):
        name = self.create("node-throws")
        out = self.lam.invoke(FunctionName=name, Payload=b'{"reason": "shown"}')
        self.assertEqual(out["FunctionError"], "Unhandled")
        request_id = out["ResponseMetadata"]["RequestId"]

        def failed_trace():
            traces = get_json(self.endpoint, "/_offstage/traces?limit=50&figures=1")[1]["traces"]
            return next((t for t in traces if t["root_name"] == name), None)

        trace = self.wait_for("trace", failed_trace)
        self.assertEqual(trace["badge"], "failed")
        self.assertIn("%s FAILED" % name, trace["verdict"])
        self.assertIn(name, trace["names"])
        self.assertGreater(trace["root_duration_ns"], 0)
        status, _, fragment = request(self.endpoint,
                                      "/_offstage/traces/%s/waterfall" % trace["trace_id"])
        self.assertEqual(status, 200)
        self.assertIn('<p class="verdict bad">', fragment)
        self.assertNotIn("<html", fragment)
        self.assertEqual(request(self.endpoint, "/_offstage/traces/1-nope/waterfall")[0], 404)

        def function():
            functions = get_json(self.endpoint, "/_offstage/functions?detail=1")[1]["functions"]
            f = next(f for f in functions if f["name"] == name)
            # The invocation's span is committed as it ends; its environment goes back to the
            # pool (busy -> idle, then frozen) just after, so wait for both.
            settled = [e for e in f["environments"] if e["state"] != "busy"]
            return f if f["stats"]["invocations"] == 1 and settled else None

        f = self.wait_for("function figures", function)
        self.assertEqual(f["stats"]["errors"], 1)
        self.assertEqual(f["stats"]["error_rate"], 1.0)
        self.assertEqual(f["stats"]["cold_starts"], 1)
        self.assertGreater(f["stats"]["p50_ms"], 0)
        self.assertEqual(len(f["environments"]), 1)
        self.assertIn(f["environments"][0]["state"], ("idle", "frozen"))
        self.assertEqual(f["environments"][0]["invocations"], 1)

        def report():
            lines = get_json(self.endpoint, "/_offstage/logs?tail=1&limit=500")[1]["lines"]
            mine = [line for line in lines if line["request_id"] == request_id]
            return mine if any(line["text"].startswith("REPORT ") for line in mine) else None

        mine = self.wait_for("the REPORT line", report)
        self.assertTrue(all(line["function"] == name for line in mine))
        # tail=1 gives the last lines, oldest first.
        status, body = get_json(self.endpoint, "/_offstage/logs?tail=1&limit=2")
        self.assertEqual(status, 200)
        self.assertEqual(len(body["lines"]), 2)
        self.assertLess(body["lines"][0]["seq"], body["lines"][1]["seq"])
        self.assertEqual(body["next"], body["lines"][1]["seq"])

    def test_topics_show_each_subscriptions_filter_policy_and_recent_deliveries(self):
        prefix = "arn:aws:lambda:us-east-1:000000000000:function:"
        topic = self.sns.create_topic(Name=self.unique("shown"))["TopicArn"]
        matching = self.sns.subscribe(TopicArn=topic, Protocol="lambda",
                                      Endpoint=prefix + self.create("node-recorder"),
                                      ReturnSubscriptionArn=True)["SubscriptionArn"]
        policy = '{"kind":["new"]}'
        picky = self.sns.subscribe(TopicArn=topic, Protocol="lambda",
                                   Endpoint=prefix + self.create("node-recorder"),
                                   Attributes={"FilterPolicy": policy},
                                   ReturnSubscriptionArn=True)["SubscriptionArn"]
        self.sns.publish(TopicArn=topic, Message="{}")

        def shown():
            topics = get_json(self.endpoint, "/_offstage/topics?detail=1")[1]["topics"]
            subs = next(t for t in topics if t["arn"] == topic)["subscription_list"]
            by_arn = {s["arn"]: s for s in subs}
            done = by_arn[matching]["deliveries"] and by_arn[picky]["deliveries"]
            return by_arn if done else None

        subs = self.wait_for("the deliveries", shown)
        self.assertEqual(subs[matching]["deliveries"], {"invoked": 1})
        self.assertEqual(subs[picky]["deliveries"], {"filtered": 1})
        self.assertEqual(subs[picky]["FilterPolicy"], policy)
        self.assertNotIn("FilterPolicy", subs[matching])
        self.assertEqual(subs[matching]["protocol"], "lambda")

    def test_failures_list_failed_events_until_they_are_redriven(self):
        name = self.create("node-throws")
        out = self.lam.invoke(FunctionName=name, InvocationType="Event", Payload=b"{}")
        request_id = out["ResponseMetadata"]["RequestId"]

        def listed(rid):
            events = get_json(self.endpoint, "/_offstage/failures")[1]["events"]
            return next((e for e in events if e["request_id"] == rid), None)

        event = self.wait_for("the failed event", lambda: listed(request_id))
        self.assertEqual(event["function"], name)
        self.assertEqual(event["state"], "failed")
        self.assertEqual(event["attempts"], 3)
        self.assertEqual(event["last_error"], "Error")
        self.assertEqual(event["last_error_message"], "boom: no reason")
        self.assertTrue(event["trace_id"])
        status, redriven = post_json(self.endpoint, "/_offstage/replay/failed", {"function": name})
        self.assertEqual(status, 200)
        self.assertEqual([r["original"] for r in redriven["redriven"]], [request_id])
        self.assertIsNone(listed(request_id))
        # Its redrive fails as well, and is listed in turn.
        self.wait_for("the redrive's failure", lambda: listed(redriven["redriven"][0]["request_id"]))
        status, body = get_json(self.endpoint, "/_offstage/failures?limit=zero")
        self.assertEqual(status, 400)


class DashboardLongPollCapTest(AwsClientsTestCase):
    def test_long_polls_beyond_the_cap_answer_at_once_and_leave_workers_to_the_apis(self):
        version = get_json(self.endpoint, "/_offstage/changes?since=0&wait_ms=0")[1]["version"]
        answers = []

        def poll():
            # As the page does: refused while the probe below holds a place, it asks again.
            while True:
                body = get_json(self.endpoint,
                                "/_offstage/changes?since=%d&wait_ms=25000" % version)[1]
                if not body.get("busy"):
                    answers.append(body)
                    return
                time.sleep(0.05)

        waiters = [threading.Thread(target=poll) for _ in range(16)]
        for waiter in waiters:
            waiter.start()
        deadline = time.monotonic() + HANG_S
        # Once the 16 wait, another is refused at once ("busy"); wait_ms=0 so that, while they
        # are not all waiting yet, this one does not become a waiter itself.
        while True:
            status, body = get_json(self.endpoint,
                                    "/_offstage/changes?since=%d&wait_ms=0" % version)
            if body.get("busy"):
                break
            self.assertLess(time.monotonic(), deadline, "no long poll was ever refused")
            time.sleep(0.02)
        self.assertEqual(status, 200)
        self.assertEqual(body["version"], version)
        # The APIs still answer while the 16 wait.
        self.assertIn("Topics", self.sns.list_topics())
        self.sns.create_topic(Name=self.unique("wake"))
        for waiter in waiters:
            waiter.join(HANG_S)
        self.assertEqual(len(answers), 16)
        self.assertTrue(all(a["version"] > version and "busy" not in a for a in answers), answers)


class DashboardShutdownTest(unittest.TestCase):
    def test_a_waiting_long_poll_does_not_hold_up_the_stop(self):
        daemon = Daemon().start()
        version = get_json(daemon.endpoint, "/_offstage/changes?since=0&wait_ms=0")[1]["version"]
        answer = {}

        def poll():
            try:
                answer["status"] = get_json(
                    daemon.endpoint, "/_offstage/changes?since=%d&wait_ms=25000" % version)[0]
            except Exception as err:  # the connection may close under it
                answer["error"] = err

        waiter = threading.Thread(target=poll)
        waiter.start()
        time.sleep(0.3)
        self.assertTrue(waiter.is_alive())
        started = time.monotonic()
        self.assertEqual(daemon.stop(), 0, "".join(daemon.output))
        # The wait was closed at once rather than waited out (25 s).
        self.assertLess(time.monotonic() - started, 20)
        waiter.join(HANG_S)
        self.assertEqual(answer.get("status"), 200, answer)


if __name__ == "__main__":
    unittest.main()

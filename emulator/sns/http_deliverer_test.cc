// Unit tests of HttpDeliverer against a real local HTTP server (cpp-httplib on an ephemeral
// port) whose answers a test scripts: AWS's success range (200-499), retries after 5xx and
// refused connections, exhaustion with the dead-letter note, and the rows and spans each
// outcome leaves. Retry delays are 0 so no test waits on a timer; FakeClock, :memory: database.
#include "emulator/sns/http_deliverer.h"

#include <doctest/doctest.h>
#include <httplib.h>

#include <chrono>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "emulator/common/testing/fakes.h"
#include "emulator/storage/span_store.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::sns {
namespace {

// An HTTP server on 127.0.0.1 answering each POST with the next status of its script (the
// last one repeats), recording what it received.
class ScriptedEndpoint {
 public:
  explicit ScriptedEndpoint(std::deque<int> statuses) : statuses_(std::move(statuses)) {
    server_.Post("/hook", [this](const httplib::Request& req, httplib::Response& res) {
      std::lock_guard<std::mutex> lock(mu_);
      bodies_.push_back(req.body);
      types_.push_back(req.get_header_value("Content-Type"));
      res.status = statuses_.front();
      if (statuses_.size() > 1) statuses_.pop_front();
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    REQUIRE(port_ > 0);
    // Bound and listening already: connections wait in the backlog until the loop accepts.
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    // stop() does nothing before the loop runs (and the join would then wait forever).
    for (int i = 0; i < 3000 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    REQUIRE(server_.is_running());
  }
  ~ScriptedEndpoint() {
    server_.stop();
    thread_.join();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  size_t received() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_.size();
  }
  std::vector<std::string> bodies() {
    std::lock_guard<std::mutex> lock(mu_);
    return bodies_;
  }
  std::vector<std::string> types() {
    std::lock_guard<std::mutex> lock(mu_);
    return types_;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mu_;
  std::deque<int> statuses_;
  std::vector<std::string> bodies_;
  std::vector<std::string> types_;
};

struct Fixture {
  common::testing::FakeClock clock;
  common::Logger log{common::LogLevel::kError, /*quiet=*/true};
  std::unique_ptr<storage::Database> db;
  std::unique_ptr<storage::Writer> writer;
  std::unique_ptr<telemetry::Recorder> recorder;
  std::unique_ptr<HttpDeliverer> deliverer;

  Fixture() {
    db = storage::testing::OpenMemoryDatabase();
    writer = std::make_unique<storage::Writer>(*db, clock);
    recorder = std::make_unique<telemetry::Recorder>(*writer);
    HttpDelivererOptions options;
    options.senders = 2;
    options.timeout_ns = 5'000'000'000;
    deliverer = std::make_unique<HttpDeliverer>(options, *writer, *recorder, clock, log);
  }
  ~Fixture() {
    deliverer.reset();
    writer.reset();
  }

  // A delivery row committed as the fan-out commits it, and its request.
  std::pair<storage::DeliveryRow, HttpRequestSpec> Pending(const std::string& id,
                                                           const std::string& url,
                                                           std::vector<int64_t> delays) {
    storage::DeliveryRow row;
    row.id = id;
    row.message_id = "msg-" + id;
    row.subscription_arn = "arn:aws:sns:us-east-1:000000000000:t:" + id;
    row.protocol = "http";
    row.endpoint = url;
    row.status = storage::DeliveryStatus::kPending;
    row.created_ns = row.updated_ns = clock.NowNanos();
    row.next_attempt_ns = row.created_ns;
    HttpRequestSpec request;
    request.url = url;
    request.body = "{\"Message\":\"" + id + "\"}";
    request.headers = {{"Content-Type", "application/json"}, {"x-amz-sns-message-id", id}};
    request.retry_delays_ns = std::move(delays);
    request.trace_id = "1-trace";
    row.request = request.ToJson();
    REQUIRE(writer->Call([&](storage::Database& d) { return storage::InsertDelivery(d, row); })
                .has_value());
    return {row, request};
  }

  // Polls the row until it is no longer pending (30 s at most), then stops the senders so
  // every write they made has been posted, and returns the row and its span as stored.
  std::pair<storage::DeliveryRow, storage::SpanRow> Settled(const std::string& id) {
    for (int i = 0; i < 3000 && Status(id) == storage::DeliveryStatus::kPending; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
    deliverer->Stop();
    std::optional<storage::DeliveryRow> row;
    std::optional<storage::SpanRow> span;
    REQUIRE(writer
                ->Query([&](storage::Database& d) -> common::Status {
                  auto stmt =
                      d.Prepare("SELECT status, reason, attempts FROM deliveries WHERE id = ?1");
                  if (!stmt) return common::Fail(stmt.error());
                  (*stmt)->Bind(1, id);
                  auto found = storage::FirstRow(**stmt, [](const storage::Statement& s) {
                    storage::DeliveryRow r;
                    r.status = *storage::ParseDeliveryStatus(s.ColumnText(0));
                    if (!s.ColumnIsNull(1)) r.reason = s.ColumnText(1);
                    r.attempts = static_cast<int>(s.ColumnInt(2));
                    return r;
                  });
                  if (!found) return common::Fail(found.error());
                  row = *found;
                  auto spans = storage::FindSpan(d, id);
                  if (!spans) return common::Fail(spans.error());
                  span = *spans;
                  return {};
                })
                .has_value());
    REQUIRE(row.has_value());
    REQUIRE(span.has_value());
    return {*row, *span};
  }

  storage::DeliveryStatus Status(const std::string& id) {
    storage::DeliveryStatus status = storage::DeliveryStatus::kPending;
    REQUIRE(writer
                ->Query([&](storage::Database& d) -> common::Status {
                  auto pending = storage::PendingDeliveries(d);
                  if (!pending) return common::Fail(pending.error());
                  status = storage::DeliveryStatus::kDelivered;  // any finished status
                  for (const auto& r : *pending) {
                    if (r.id == id) status = storage::DeliveryStatus::kPending;
                  }
                  return {};
                })
                .has_value());
    return status;
  }
};

TEST_CASE("HttpDeliverer: a 5xx is retried, then a 200 delivers; the body is sent unchanged") {
  ScriptedEndpoint endpoint({500, 503, 200});
  Fixture f;
  f.deliverer->Start();
  auto [row, request] = f.Pending("d1", endpoint.url(), {0, 0, 0});
  f.deliverer->Enqueue(row, request);
  const auto [stored, span] = f.Settled("d1");
  CHECK(stored.status == storage::DeliveryStatus::kDelivered);
  CHECK(stored.attempts == 3);
  CHECK(stored.reason == "HTTP 200");
  CHECK(endpoint.bodies() == std::vector<std::string>(3, "{\"Message\":\"d1\"}"));
  CHECK(endpoint.types() == std::vector<std::string>(3, "application/json"));
  CHECK(span.kind == "delivery");
  CHECK(span.status == "delivered");
  CHECK(span.name == "http " + endpoint.url());
  CHECK(span.end_ns.has_value());
}

TEST_CASE("HttpDeliverer: a 4xx counts as delivered and is not retried (AWS: 200-499)") {
  ScriptedEndpoint endpoint({404});
  Fixture f;
  f.deliverer->Start();
  auto [row, request] = f.Pending("d2", endpoint.url(), {0, 0, 0});
  f.deliverer->Enqueue(row, request);
  const auto [stored, span] = f.Settled("d2");
  CHECK(stored.status == storage::DeliveryStatus::kDelivered);
  CHECK(stored.attempts == 1);
  CHECK(stored.reason == "HTTP 404");
  CHECK(endpoint.received() == 1);
}

TEST_CASE("HttpDeliverer: retries run out; without SQS the RedrivePolicy is named as not sent") {
  ScriptedEndpoint endpoint({500});
  Fixture f;
  f.deliverer->Start();
  auto [row, request] = f.Pending("d3", endpoint.url(), {0});
  request.dead_letter_target = "arn:aws:sqs:us-east-1:000000000000:dlq";
  f.deliverer->Enqueue(row, request);
  const auto [stored, span] = f.Settled("d3");
  CHECK(stored.status == storage::DeliveryStatus::kFailed);
  CHECK(stored.attempts == 2);
  CHECK(stored.reason ==
        "HTTP 500; retries exhausted after 2 attempt(s); RedrivePolicy "
        "arn:aws:sqs:us-east-1:000000000000:dlq: not sent (SQS is not running)");
  CHECK(endpoint.received() == 2);
  CHECK(span.status == "failed");
}

TEST_CASE("HttpDeliverer: nothing listening is a failed attempt, retried like a 5xx") {
  int port = 0;
  {
    ScriptedEndpoint closed({200});  // a port that was free a moment ago, closed again
    port = std::stoi(closed.url().substr(closed.url().rfind(':') + 1));
  }
  Fixture f;
  f.deliverer->Start();
  auto [row, request] = f.Pending("d4", "http://127.0.0.1:" + std::to_string(port) + "/hook", {0});
  f.deliverer->Enqueue(row, request);
  const auto [stored, span] = f.Settled("d4");
  CHECK(stored.status == storage::DeliveryStatus::kFailed);
  CHECK(stored.attempts == 2);
  REQUIRE(stored.reason.has_value());
  CHECK(stored.reason->find("retries exhausted after 2 attempt(s)") != std::string::npos);
}

TEST_CASE("HttpDeliverer: Load resumes the pending deliveries committed before a stop") {
  ScriptedEndpoint endpoint({200});
  Fixture f;
  f.Pending("d5", endpoint.url(), {0});
  f.deliverer->Start();
  REQUIRE(f.deliverer->Load().has_value());
  const auto [stored, span] = f.Settled("d5");
  CHECK(stored.status == storage::DeliveryStatus::kDelivered);
  CHECK(endpoint.bodies() == std::vector<std::string>{"{\"Message\":\"d5\"}"});
}

}  // namespace
}  // namespace offstage::sns

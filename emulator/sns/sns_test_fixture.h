// The object graph of the SNS unit tests, wired as app::Daemon wires it: an in-memory
// database and its Writer, a Recorder, a Signer with an in-memory key, an HttpDeliverer that
// is never started (its deliveries stay pending), the FanoutQueue, the SnsService, and the
// Fanout that drains the queue into a FakeIntake standing for Lambda. Tests start the Fanout
// when they look at deliveries (the shipped path), or leave its jobs queued.
// Thread model: the test's thread, plus the Writer's and the Fanout's.
#pragma once

#include <doctest/doctest.h>

#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "emulator/common/testing/fakes.h"
#include "emulator/sns/fanout.h"
#include "emulator/sns/sns_service.h"
#include "emulator/storage/testing/test_database.h"

namespace offstage::sns::testing {

// Lambda as SNS's fan-out sees it: a function exists unless its name starts with "missing";
// activated events are kept for the test to read.
class FakeIntake final : public lambda::AsyncIntake {
 public:
  common::Result<lambda::AsyncEvent> Stage(const common::RequestContext& ctx,
                                           const std::string& function_arn, std::string payload,
                                           std::string source, std::string source_id) override {
    if (function_arn.find(":function:missing") != std::string::npos) {
      return common::Fail(common::InvalidParameter("Function not found: " + function_arn));
    }
    lambda::AsyncEvent event;
    event.request_id = "event-" + std::to_string(++staged_);
    event.function_arn = event.invoked_arn = function_arn;
    event.payload = std::move(payload);
    event.trace_id = ctx.trace_id;
    event.parent_span = ctx.parent_span;
    event.source = std::move(source);
    event.source_id = std::move(source_id);
    event.state = storage::AsyncEventState::kQueued;
    return event;
  }
  common::Status Write(storage::Database& db,
                       const std::vector<lambda::AsyncEvent>& events) override {
    for (const auto& event : events) {
      if (auto status = storage::InsertAsyncEvent(db, event); !status) return status;
    }
    return {};
  }
  void Activate(const lambda::AsyncEvent& event) override {
    std::lock_guard lock(mu_);
    activated_.push_back(event);
    cv_.notify_all();
  }
  // Waits (at most 60 s: a hang bound, not a timing) until `count` events were activated.
  std::vector<lambda::AsyncEvent> WaitActivated(size_t count) {
    std::unique_lock lock(mu_);
    cv_.wait_for(lock, std::chrono::seconds(60), [&] { return activated_.size() >= count; });
    return activated_;
  }

 private:
  int staged_ = 0;  // Stage runs on the one fan-out worker
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<lambda::AsyncEvent> activated_;
};

struct SnsFixture {
  SnsFixture() {
    recorder = std::make_unique<telemetry::Recorder>(*writer);
    HttpDelivererOptions http_options;
    http_options.signer = &signer;
    http = std::make_unique<HttpDeliverer>(http_options, *writer, *recorder, clock, log);
    queue = std::make_unique<FanoutQueue>(clock);
    service = MakeService();
    REQUIRE(service->Load().has_value());
    fanout = std::make_unique<Fanout>(*queue, intake, *http, delivery, *writer, *recorder, clock,
                                      ids, log);
    ctx.region = "us-east-1";
    ctx.account = "000000000000";
    ctx.request_id = "req";
  }
  ~SnsFixture() {
    fanout.reset();
    service.reset();
    http.reset();
  }
  // A service over the same database and peers (a restart, when its Load is called).
  std::unique_ptr<SnsService> MakeService() {
    return std::make_unique<SnsService>(SnsPeers{*queue, *http, signer, delivery}, *writer,
                                        *recorder, clock, ids, log);
  }

  common::testing::FakeClock clock;
  common::testing::SequentialIds ids;
  common::Logger log{common::LogLevel::kError, /*quiet=*/true};
  Signer signer{""};  // an in-memory key
  DeliveryOptions delivery{"http://127.0.0.1:1", std::nullopt};
  FakeIntake intake;
  storage::testing::TestDatabase storage{clock};  // Break / Heal make commits fail
  std::unique_ptr<storage::Writer>& writer = storage.writer;
  std::unique_ptr<telemetry::Recorder> recorder;
  std::unique_ptr<HttpDeliverer> http;
  std::unique_ptr<FanoutQueue> queue;
  std::unique_ptr<SnsService> service;
  std::unique_ptr<Fanout> fanout;
  RequestContext ctx;
};

}  // namespace offstage::sns::testing

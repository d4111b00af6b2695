// Fanout: SNS's dispatcher. A committed Publish (or PublishBatch, or a replay, or a fan-out
// owed since the last stop) becomes a FanoutJob on the FanoutQueue; the Fanout's one worker
// plans each message's deliveries (filter policies; a Lambda event, an HTTP notification, a
// message sent to an SQS queue, or a record that the protocol is not emulated), commits them with
// the mark that nothing is owed any more, and starts them (§3, §6.1; docs/architecture.md,
// Durability).
//
// SnsService (the provider) fills the queue and the Fanout (the dispatcher) drains it. The
// queue is built first and the Fanout after Lambda, so the SNS -> Lambda -> SNS cycle
// (destinations publish to topics) is wired once, with references in constructors.
//
// Thread model: FanoutQueue::Add from any thread; Run on the one worker Start starts (unit
// tests may call it directly); `warned_` under its own leaf mutex.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/delayed_queue.h"
#include "emulator/common/faults.h"
#include "emulator/common/ids.h"
#include "emulator/common/latency.h"
#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/common/request_context.h"
#include "emulator/lambda/async_intake.h"
#include "emulator/sns/dead_letter.h"
#include "emulator/sns/delivery_policy.h"
#include "emulator/sns/envelope.h"
#include "emulator/sns/filter_policy.h"
#include "emulator/sns/http_deliverer.h"
#include "emulator/sns/signer.h"
#include "emulator/sqs/sqs_service.h"
#include "emulator/storage/delivery_store.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/recorder.h"

namespace offstage::sns {

// The source name of the asynchronous events SNS queues for Lambda (AsyncIntake::Stage):
// LambdaEventSigner completes the events of this source only.
inline constexpr std::string_view kLambdaEventSource = "sns";

// Where the daemon serves the certificate that verifies its signatures (SigningCertURL).
inline constexpr std::string_view kCertificatePath =
    "/_offstage/sns/SimpleNotificationService-offstage.pem";

// How deliveries reach subscribers: the daemon's URL (SigningCertURL, SubscribeURL,
// UnsubscribeURL) and --sns-retry-delays, which overrides every delivery policy.
struct DeliveryOptions {
  std::string base_url;
  std::optional<std::vector<int64_t>> http_retry_delays_ns;
  common::FaultInjector* faults = nullptr;    // offstage faults (delay, duplicate); the daemon's
  common::LatencyProfile* latency = nullptr;  // serve --latency; the daemon's (null: none)
  // SQS subscribers' queues (null: sqs deliveries are recorded as not emulated), and the
  // signer of the notifications they receive (null: unsigned).
  sqs::SqsService* sqs = nullptr;
  Signer* signer = nullptr;
};

// A subscription as a message's fan-out sees it (copied out of SnsService under its mutex).
struct Target {
  std::string subscription_arn;
  std::string protocol;
  std::string endpoint;
  bool raw = false;
  std::shared_ptr<const FilterPolicy> filter;
  std::shared_ptr<const HttpDeliveryPlan> http_plan;  // http(s) only
  std::optional<std::string> dead_letter_target;
};

// What committed messages owe: their deliveries to `targets`.
struct FanoutJob {
  common::RequestContext ctx;  // traced
  std::vector<MessageView> views;
  std::vector<Target> targets;
  std::string owed = "*";  // the messages' mark until done: "*", or a replay's subscription
};

using FanoutQueue = common::DelayedQueue<FanoutJob>;

class Fanout {
 public:
  Fanout(FanoutQueue& queue, lambda::AsyncIntake& lambda, HttpDeliverer& http,
         DeliveryOptions options, storage::Writer& writer, telemetry::Recorder& recorder,
         const common::Clock& clock, common::IdGenerator& ids, common::Logger& log);
  ~Fanout();  // Stop()

  // Starts the worker: jobs queued before (owed since the last stop) run first.
  void Start();
  // No job starts after this; one not started stays owed in the database (its messages keep
  // their mark) and is finished at the next start.
  void Stop();
  // One job: plans, commits (not awaited: the Writer runs jobs in order) and starts its
  // deliveries, and records their spans.
  void Run(FanoutJob job);

 private:
  // The deliveries of the messages of one job: rows to commit, then work to start.
  struct Planned {
    std::vector<storage::DeliveryRow> rows;
    std::vector<lambda::AsyncEvent> events;
    std::vector<int64_t> event_delays_ns;  // one per event: an injected delay, or 0
    std::vector<std::pair<storage::DeliveryRow, HttpRequestSpec>> http;
    std::map<std::string, std::string> injected;  // delivery id -> the fault injected into it
    struct Simulated {
      std::string delivery_id;
      common::LatencyHop hop;
      int64_t delay_ns;
    };
    std::vector<Simulated> simulated;  // a latency profile's delays, one span each
  };
  void Plan(const common::RequestContext& ctx, const MessageView& message,
            const std::vector<Target>& targets, Planned& planned);
  void DeliverToQueue(const common::RequestContext& ctx, const MessageView& message,
                      const Target& target, const std::string& text, const Signed& sig,
                      storage::DeliveryRow& row) EXCLUDES(mu_);
  // What a delivery that failed for good sends to the target's RedrivePolicy queue.
  static DeadLetter DeadLetterOf(const common::RequestContext& ctx, const MessageView& message,
                                 const Target& target, const storage::DeliveryRow& row,
                                 std::string body, std::string error_code);

  FanoutQueue& queue_;
  lambda::AsyncIntake& lambda_;
  HttpDeliverer& http_;
  const DeliveryOptions options_;
  storage::Writer& writer_;
  telemetry::Recorder& recorder_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  common::Logger& log_;
  common::Mutex mu_;
  std::set<std::string> warned_ GUARDED_BY(mu_);  // subscriptions warned as not delivered to
};

}  // namespace offstage::sns

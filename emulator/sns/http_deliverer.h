// HttpDeliverer: delivers SNS messages to http(s) subscribers with the retry policy of the
// subscription or topic (§3.2, §6.1 of the wire reference): success is any status from 200 to
// 499 within 15 s; anything else is retried after the policy's delays (or --sns-retry-delays),
// and recorded as failed when they run out. Each delivery is a row in SQLite from the publish
// commit on, so a restart resumes what was pending. Owned by app::Daemon. Thread model: Enqueue
// from any thread; N sender threads of a common::DelayedQueue, whose mutex is never held during
// a request.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "emulator/common/clock.h"
#include "emulator/common/delayed_queue.h"
#include "emulator/common/faults.h"
#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/common/result.h"
#include "emulator/sns/signer.h"
#include "emulator/sqs/sqs_service.h"
#include "emulator/storage/delivery_store.h"
#include "emulator/storage/writer.h"
#include "emulator/telemetry/recorder.h"

namespace offstage::sns {

struct HttpRequestSpec {
  std::string url;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::vector<int64_t> retry_delays_ns;           // one per retry
  std::optional<std::string> dead_letter_target;  // RedrivePolicy: sent there on exhaustion
  std::string trace_id;                           // of the message, for the delivery's span
  bool sign = false;  // a notification with an empty Signature, signed when it is sent
  // Faults injected into this delivery so far (offstage faults), for its span.
  std::vector<std::string> injected;

  std::string ToJson() const;
  static std::optional<HttpRequestSpec> FromJson(const std::string& text);
};

struct HttpDelivererOptions {
  bool insecure_tls = false;  // --sns-insecure-tls: accept any certificate
  int senders = 4;
  int64_t timeout_ns = 15'000'000'000;
  Signer* signer = nullptr;  // signs notifications as they are sent (SignHttpNotification)
  common::FaultInjector* faults = nullptr;  // offstage faults (http-failure); owned by the daemon
  // Where a delivery whose retries ran out goes when its subscription has a RedrivePolicy
  // (dead_letter.h); null: recorded as not sent.
  sqs::SqsService* sqs = nullptr;
};

class HttpDeliverer {
 public:
  HttpDeliverer(HttpDelivererOptions options, storage::Writer& writer,
                telemetry::Recorder& recorder, const common::Clock& clock, common::Logger& log);
  ~HttpDeliverer();  // Stop()

  void Start();
  // Re-schedules every pending delivery from the database.
  common::Status Load();
  // Schedules a delivery whose row the caller has committed (status "pending").
  void Enqueue(storage::DeliveryRow row, HttpRequestSpec request);
  void Stop();

 private:
  struct Job {
    storage::DeliveryRow row;
    HttpRequestSpec request;
  };
  void Send(Job job);
  // One attempt: the status code, or 0 with `error` when nothing answered.
  int Attempt(const HttpRequestSpec& request, std::string& error) const;

  const HttpDelivererOptions options_;
  storage::Writer& writer_;
  telemetry::Recorder& recorder_;
  const common::Clock& clock_;
  common::Logger& log_;

  common::DelayedQueue<Job> queue_;
};

}  // namespace offstage::sns

#include "emulator/sns/http_deliverer.h"

#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/sns/dead_letter.h"
#include "emulator/sns/delivery_span.h"
#include "emulator/sns/envelope.h"

namespace offstage::sns {
namespace {

using nlohmann::json;

}  // namespace

std::string HttpRequestSpec::ToJson() const {
  json out = {{"url", url},
              {"headers", headers},
              {"body", body},
              {"retry_delays_ns", retry_delays_ns},
              {"trace_id", trace_id}};
  if (dead_letter_target) out["dead_letter_target"] = *dead_letter_target;
  if (sign) out["sign"] = true;
  if (!injected.empty()) out["injected"] = injected;
  return out.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

std::optional<HttpRequestSpec> HttpRequestSpec::FromJson(const std::string& text) {
  try {
    const json in = json::parse(text);
    HttpRequestSpec spec;
    spec.url = in.at("url");
    spec.headers = in.at("headers").get<std::vector<std::pair<std::string, std::string>>>();
    spec.body = in.at("body");
    spec.retry_delays_ns = in.at("retry_delays_ns").get<std::vector<int64_t>>();
    if (in.contains("dead_letter_target")) spec.dead_letter_target = in["dead_letter_target"];
    spec.trace_id = in.value("trace_id", "");
    spec.sign = in.value("sign", false);
    spec.injected = in.value("injected", std::vector<std::string>{});
    return spec;
  } catch (const json::exception&) {
    return std::nullopt;
  }
}

HttpDeliverer::HttpDeliverer(HttpDelivererOptions options, storage::Writer& writer,
                             telemetry::Recorder& recorder, const common::Clock& clock,
                             common::Logger& log)
    : options_(options),
      writer_(writer),
      recorder_(recorder),
      clock_(clock),
      log_(log),
      queue_(clock) {}

HttpDeliverer::~HttpDeliverer() { Stop(); }

void HttpDeliverer::Start() {
  queue_.Start(options_.senders, [this](Job job) { Send(std::move(job)); });
}

common::Status HttpDeliverer::Load() {
  std::vector<storage::DeliveryRow> rows;
  auto status = writer_.Query([&](storage::Database& db) -> common::Status {
    auto pending = storage::PendingDeliveries(db);
    if (!pending) return common::Fail(pending.error());
    rows = std::move(*pending);
    return {};
  });
  if (!status) return status;
  for (auto& row : rows) {
    auto request = row.request ? HttpRequestSpec::FromJson(*row.request) : std::nullopt;
    if (!request) continue;
    Enqueue(std::move(row), std::move(*request));
  }
  return {};
}

void HttpDeliverer::Enqueue(storage::DeliveryRow row, HttpRequestSpec request) {
  const int64_t due = row.next_attempt_ns.value_or(0);
  queue_.Add(due, Job{std::move(row), std::move(request)});
}

void HttpDeliverer::Stop() { queue_.Stop(); }

int HttpDeliverer::Attempt(const HttpRequestSpec& request, std::string& error) const {
  // Split "scheme://host[:port]" from the path (and query).
  const size_t scheme_end = request.url.find("://");
  const size_t path_start =
      scheme_end == std::string::npos ? std::string::npos : request.url.find('/', scheme_end + 3);
  const std::string origin = request.url.substr(0, path_start);
  const std::string path = path_start == std::string::npos ? "/" : request.url.substr(path_start);
  // One keep-alive connection per endpoint origin and sender thread (the senders are this
  // deliverer's own threads): a new connection per POST held delivery to ~1,800/s. A client
  // whose request failed is dropped, so the next attempt connects afresh.
  thread_local std::map<std::string, std::unique_ptr<httplib::Client>> clients;
  std::unique_ptr<httplib::Client>& cached = clients[origin];
  if (!cached) {
    cached = std::make_unique<httplib::Client>(origin);
    if (!cached->is_valid()) {
      clients.erase(origin);
      error = "invalid endpoint " + request.url;
      return 0;
    }
    const auto timeout = std::chrono::nanoseconds(options_.timeout_ns);
    const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(timeout).count();
    cached->set_connection_timeout(seconds);
    cached->set_read_timeout(seconds);
    cached->enable_server_certificate_verification(!options_.insecure_tls);
    cached->set_keep_alive(true);
    cached->set_tcp_nodelay(true);  // headers and body are two writes: no Nagle wait between
  }
  httplib::Client& client = *cached;
  httplib::Headers headers;
  std::string content_type = "text/plain; charset=UTF-8";
  for (const auto& [name, value] : request.headers) {
    if (name == "Content-Type") {
      content_type = value;
    } else {
      headers.emplace(name, value);
    }
  }
  auto response = client.Post(path, headers, request.body, content_type);
  if (!response) {
    error = httplib::to_string(response.error());
    clients.erase(origin);
    return 0;
  }
  return response->status;
}

void HttpDeliverer::Send(Job job) {
  if (job.request.sign && options_.signer) {
    std::string error;
    job.request.body = SignHttpNotification(std::move(job.request.body), *options_.signer, error);
    if (!error.empty()) log_.Warn("offstage: " + error);
    job.request.sign = false;  // retries send the signed body
  }
  std::string error;
  std::optional<common::Injection> injection;
  if (options_.faults != nullptr && !options_.faults->empty()) {
    // A failure injected into this notification's attempt (offstage faults): no request is
    // sent, and the attempt counts as a 500 would. Subscription confirmations are not touched.
    std::string topic_arn;
    bool notification = false;
    for (const auto& [name, value] : job.request.headers) {
      if (name == "x-amz-sns-topic-arn") topic_arn = value;
      if (name == "x-amz-sns-message-type") notification = value == "Notification";
    }
    if (notification) {
      injection = options_.faults->Draw(
          {{common::FaultTarget::kSubscription, {job.row.subscription_arn}},
           {common::FaultTarget::kTopic, {topic_arn, topic_arn.substr(topic_arn.rfind(':') + 1)}}},
          {common::FaultKind::kHttpFailure});
    }
  }
  int status = 0;
  if (injection) {
    status = 500;
    job.request.injected.push_back(injection->Describe());
    log_.Warn("offstage: delivery of " + job.row.message_id + " to " + job.row.endpoint + ": " +
              injection->Describe());
  } else {
    status = Attempt(job.request, error);
  }
  const int64_t now = clock_.NowNanos();
  storage::DeliveryRow& row = job.row;
  ++row.attempts;
  row.updated_ns = now;
  const bool ok = status >= 200 && status < 500;
  const int retries_used = row.attempts - 1;
  if (ok) {
    row.status = storage::DeliveryStatus::kDelivered;
    row.reason = "HTTP " + std::to_string(status);
    row.next_attempt_ns.reset();
  } else if (retries_used < static_cast<int>(job.request.retry_delays_ns.size())) {
    row.status = storage::DeliveryStatus::kPending;
    row.reason = status == 0 ? error : "HTTP " + std::to_string(status);
    if (injection) *row.reason += " (" + injection->Describe() + ")";
    row.next_attempt_ns = now + job.request.retry_delays_ns[static_cast<size_t>(retries_used)];
  } else {
    row.status = storage::DeliveryStatus::kFailed;
    row.reason = (status == 0 ? error : "HTTP " + std::to_string(status)) +
                 (injection ? " (" + injection->Describe() + ")" : std::string()) +
                 "; retries exhausted after " + std::to_string(row.attempts) + " attempt(s)";
    if (job.request.dead_letter_target) {
      DeadLetter letter;
      letter.queue_arn = *job.request.dead_letter_target;
      letter.body = job.request.body;
      letter.error_code = status == 0 ? "ClientError" : "HTTP " + std::to_string(status);
      letter.error_message = *row.reason;
      letter.message_id = row.message_id;
      letter.trace_id = job.request.trace_id;
      letter.parent_span = row.id;
      *row.reason += SendDeadLetter(options_.sqs, letter);
    }
    row.next_attempt_ns.reset();
    log_.Warn("offstage: delivery of " + row.message_id + " to " + row.endpoint +
              " failed: " + *row.reason);
  }
  writer_.Post([row](storage::Database& db) { return storage::UpdateDelivery(db, row); });
  if (!job.request.trace_id.empty() && row.status != storage::DeliveryStatus::kPending) {
    recorder_.Record(
        DeliverySpan(row, job.request.trace_id, row.created_ns, now, job.request.injected));
  }
  if (row.status == storage::DeliveryStatus::kPending)
    Enqueue(std::move(row), std::move(job.request));
}

}  // namespace offstage::sns

// Fanout: SNS's dispatcher (see fanout.h): plans each committed message's deliveries, commits
// them with the mark that the message owes nothing more, and starts them.
#include "emulator/sns/fanout.h"

#include "emulator/common/arn.h"
#include "emulator/common/strings.h"
#include "emulator/sns/delivery_span.h"
#include "emulator/storage/sns_store.h"

namespace offstage::sns {
namespace {

constexpr std::string_view kDefaultContentType = "text/plain; charset=UTF-8";

// The latency hop of a protocol offstage delivers (lambda, http, https); nullopt for one it only
// records. Also what decides whether faults are drawn for a delivery.
std::optional<common::LatencyHop> HopFor(const std::string& protocol) {
  if (protocol == "lambda") return common::LatencyHop::kSnsLambda;
  if (protocol == "http" || protocol == "https") return common::LatencyHop::kSnsHttp;
  return std::nullopt;
}

}  // namespace

Fanout::Fanout(FanoutQueue& queue, lambda::AsyncIntake& lambda, HttpDeliverer& http,
               DeliveryOptions options, storage::Writer& writer, telemetry::Recorder& recorder,
               const common::Clock& clock, common::IdGenerator& ids, common::Logger& log)
    : queue_(queue),
      lambda_(lambda),
      http_(http),
      options_(std::move(options)),
      writer_(writer),
      recorder_(recorder),
      clock_(clock),
      ids_(ids),
      log_(log) {}

Fanout::~Fanout() { Stop(); }

void Fanout::Start() {
  queue_.Start(1, [this](FanoutJob job) { Run(std::move(job)); });
}

void Fanout::Stop() { queue_.Stop(); }

void Fanout::Plan(const common::RequestContext& ctx, const MessageView& message,
                  const std::vector<Target>& targets, Planned& planned) {
  const int64_t now = clock_.NowNanos();
  // A delivery's row as planned: filtered, made, failed or not emulated, set by the caller.
  auto NewRow = [&](const Target& target) {
    storage::DeliveryRow row;
    row.id = ids_.Uuid();
    row.message_id = message.message_id;
    row.subscription_arn = target.subscription_arn;
    row.protocol = target.protocol;
    row.endpoint = target.endpoint;
    row.created_ns = row.updated_ns = now;
    return row;
  };
  // Each target is planned once (a filtered one here), or twice when a duplicate is injected
  // (offstage faults): faults are drawn only for deliveries that will be made.
  struct Delivery {
    const Target* target;
    std::optional<common::Injection> injection;
    bool duplicate = false;  // the injected second one
  };
  std::vector<Delivery> plan;
  for (const Target& target : targets) {
    if (target.filter) {
      std::string refusal;
      const bool match =
          target.filter->scope() == FilterScope::kMessageBody
              ? target.filter->MatchesBody(MessageFor(message, target.protocol), &refusal)
              : target.filter->Matches(message.attributes);
      if (!match) {
        storage::DeliveryRow row = NewRow(target);
        row.status = storage::DeliveryStatus::kFiltered;
        row.reason = refusal.empty() ? "the subscription's filter policy does not match" : refusal;
        planned.rows.push_back(std::move(row));
        continue;
      }
    }
    std::optional<common::Injection> injection;
    if (HopFor(target.protocol) && options_.faults != nullptr && !options_.faults->empty()) {
      const std::string& topic = message.topic_arn;
      injection = options_.faults->Draw(
          {{common::FaultTarget::kSubscription, {target.subscription_arn}},
           {common::FaultTarget::kTopic, {topic, topic.substr(topic.rfind(':') + 1)}}},
          {common::FaultKind::kDelay, common::FaultKind::kDuplicate});
    }
    plan.push_back(Delivery{&target, injection, false});
    if (injection && injection->kind == common::FaultKind::kDuplicate) {
      plan.push_back(Delivery{&target, injection, true});
    }
  }
  for (const Delivery& delivery : plan) {
    const Target& target = *delivery.target;
    const std::optional<common::Injection>& injection = delivery.injection;
    // The fault this delivery carries: a delay on it, or being the duplicate.
    int64_t delay_ns = injection && injection->kind == common::FaultKind::kDelay
                           ? injection->delay_ms * 1'000'000
                           : 0;
    std::string injected;
    if (delivery.duplicate || delay_ns > 0) injected = injection->Describe();
    // A latency profile's delay (serve --latency): recorded as its own simulated span.
    const std::optional<common::LatencyHop> hop = HopFor(target.protocol);
    int64_t simulated_ns = 0;
    if (options_.latency != nullptr && hop) {
      simulated_ns = options_.latency->Sample(*hop).value_or(0);
    }
    delay_ns += simulated_ns;
    storage::DeliveryRow row = NewRow(target);
    const std::string text = MessageFor(message, target.protocol);
    if (simulated_ns > 0) planned.simulated.push_back({row.id, *hop, simulated_ns});
    // Signed when delivered, off the Publish path: a Lambda event as it is dispatched
    // (LambdaEventSigner, Lambda's EventFinalizer), an HTTP notification as it is sent.
    const Signed sig{
        "", options_.base_url + std::string(kCertificatePath),
        options_.base_url + "/?Action=Unsubscribe&SubscriptionArn=" + target.subscription_arn};
    if (target.protocol == "lambda") {
      // function:<name>[:<version or alias>]: a qualified ARN is resolved by Lambda at each
      // attempt (an alias that routes to two versions picks one).
      auto arn = common::ParseArn(target.endpoint);
      const auto parts = common::Split(arn->resource, ':');
      std::string function_arn = common::FunctionArn(arn->region, arn->account, parts[1]);
      if (parts.size() > 2) function_arn += ":" + std::string(parts[2]);
      common::RequestContext delivery_ctx = ctx;
      delivery_ctx.parent_span = row.id;  // the invocation is caused by this delivery
      auto event = lambda_.Stage(delivery_ctx, function_arn,
                                 LambdaEvent(message, target.subscription_arn, text, sig),
                                 std::string(kLambdaEventSource), message.message_id);
      if (!event) {
        // SNS could not hand the event to Lambda (the function is gone, ...): a failure SNS
        // owns, so the subscription's RedrivePolicy takes the message.
        row.status = storage::DeliveryStatus::kFailed;
        row.reason = event.error().message;
        if (target.dead_letter_target) {
          *row.reason += SendDeadLetter(
              options_.sqs, DeadLetterOf(ctx, message, target, row,
                                         LambdaEvent(message, target.subscription_arn, text, sig),
                                         std::string(event.error().info().aws_code)));
        }
      } else {
        row.status = storage::DeliveryStatus::kInvoked;
        row.async_request_id = event->request_id;
        planned.events.push_back(std::move(*event));
        planned.event_delays_ns.push_back(delay_ns);
      }
      if (!injected.empty()) planned.injected[row.id] = injected;
      planned.rows.push_back(std::move(row));
      continue;
    }
    if (target.protocol == "http" || target.protocol == "https") {
      HttpRequestSpec request;
      request.url = target.endpoint;
      request.body = target.raw ? text : HttpNotification(message, text, sig);
      request.sign = !target.raw;
      request.headers = {{"x-amz-sns-message-type", "Notification"},
                         {"x-amz-sns-message-id", message.message_id},
                         {"x-amz-sns-topic-arn", message.topic_arn},
                         {"x-amz-sns-subscription-arn", target.subscription_arn},
                         {"User-Agent", "Amazon Simple Notification Service Agent"},
                         {"Content-Type", target.http_plan ? target.http_plan->content_type
                                                           : std::string(kDefaultContentType)}};
      if (target.raw) request.headers.emplace_back("x-amz-sns-rawdelivery", "true");
      request.retry_delays_ns = options_.http_retry_delays_ns.value_or(
          target.http_plan ? target.http_plan->retry_delays_ns : RetryDelays(""));
      request.dead_letter_target = target.dead_letter_target;
      request.trace_id = ctx.trace_id;
      if (!injected.empty()) {
        request.injected.push_back(injected);
        planned.injected[row.id] = injected;
      }
      row.status = storage::DeliveryStatus::kPending;
      row.next_attempt_ns = now + delay_ns;
      row.request = request.ToJson();
      planned.http.emplace_back(row, std::move(request));
      planned.rows.push_back(std::move(row));
      continue;
    }
    if (target.protocol == "sqs" && options_.sqs != nullptr) {
      DeliverToQueue(ctx, message, target, text, sig, row);
      if (!injected.empty()) planned.injected[row.id] = injected;
      planned.rows.push_back(std::move(row));
      continue;
    }
    row.status = storage::DeliveryStatus::kNotEmulated;
    row.reason = target.protocol + " delivery is not emulated by offstage";
    {
      common::MutexLock lock(mu_);
      if (warned_.insert(target.subscription_arn).second) {
        log_.Warn("offstage: " + target.protocol + " subscription " + target.subscription_arn +
                  " receives nothing: " + target.protocol +
                  " delivery is not emulated (each message is recorded as not delivered)");
      }
    }
    planned.rows.push_back(std::move(row));
  }
}

DeadLetter Fanout::DeadLetterOf(const common::RequestContext& ctx, const MessageView& message,
                                const Target& target, const storage::DeliveryRow& row,
                                std::string body, std::string error_code) {
  DeadLetter letter;
  letter.queue_arn = *target.dead_letter_target;
  letter.body = std::move(body);
  letter.error_code = std::move(error_code);
  letter.error_message = row.reason.value_or("");
  letter.message_id = message.message_id;
  letter.group_id = message.group_id;
  letter.dedup_id = message.dedup_id;
  letter.trace_id = ctx.trace_id;
  letter.parent_span = row.id;
  return letter;
}

// An SQS subscriber: the message is sent to its queue now, on this thread (committed before
// the delivery's row says "delivered"; a stop in between sends it again at the next start, at
// least once, as AWS delivers). Raw: the message itself, its attributes as the SQS message's;
// otherwise the notification an HTTP subscriber gets, signed. A FIFO topic's group and
// deduplication id go with it.
void Fanout::DeliverToQueue(const common::RequestContext& ctx, const MessageView& message,
                            const Target& target, const std::string& text, const Signed& sig,
                            storage::DeliveryRow& row) {
  sqs::SendEntry entry;
  if (target.raw) {
    entry.body = text;
    for (const auto& [name, value] : message.attributes) {
      sqs::MessageAttribute attribute;
      attribute.data_type = value.data_type;
      attribute.binary = value.binary_value.has_value();
      attribute.value = attribute.binary ? *value.binary_value : value.string_value.value_or("");
      entry.attributes.emplace(name, std::move(attribute));
    }
  } else {
    entry.body = HttpNotification(message, text, sig);
    if (options_.signer != nullptr) {
      std::string error;
      entry.body = SignHttpNotification(std::move(entry.body), *options_.signer, error);
      if (!error.empty()) log_.Warn("offstage: an SQS notification went unsigned: " + error);
    }
  }
  if (target.endpoint.ends_with(".fifo")) {
    entry.group_id = message.group_id;
    entry.dedup_id = message.dedup_id;
  }
  common::RequestContext send_ctx = ctx;
  send_ctx.parent_span = row.id;  // the queued message is caused by this delivery
  send_ctx.access_key_id.clear();
  auto arn = common::ParseArn(target.endpoint);
  if (arn) {
    send_ctx.region = arn->region;
    send_ctx.account = arn->account;
  }
  const std::string body = entry.body;  // the dead letter's too, signed alike
  auto sent = options_.sqs->SendMessage(send_ctx, target.endpoint, std::move(entry));
  if (sent) {
    row.status = storage::DeliveryStatus::kDelivered;
    return;
  }
  row.status = storage::DeliveryStatus::kFailed;
  row.reason = "SQS queue " + target.endpoint + ": " + sent.error().message;
  if (target.dead_letter_target && *target.dead_letter_target != target.endpoint) {
    *row.reason += SendDeadLetter(
        options_.sqs,
        DeadLetterOf(ctx, message, target, row, body, std::string(sent.error().info().aws_code)));
  }
  common::MutexLock lock(mu_);
  if (warned_.insert(target.subscription_arn).second) {
    log_.Warn("offstage: sqs subscription " + target.subscription_arn + " receives nothing: " +
              *row.reason + " (each message is recorded as a failed delivery)");
  }
}

void Fanout::Run(FanoutJob job) {
  Planned planned;
  for (const auto& view : job.views) Plan(job.ctx, view, job.targets, planned);
  std::vector<std::string> message_ids;
  for (const auto& view : job.views) message_ids.push_back(view.message_id);
  // Not awaited: the writer runs Posts in order, so these rows are in before any update the
  // deliveries started below make, and a stop before the commit leaves the messages owing
  // their fan-out (finished at the next start; at least once, as AWS delivers). With
  // deliveries to make it is committed at once (PostNow), not after the Posts' delay: a
  // delivery attempted before its row commits would be planned again, with new bytes, by a
  // restart after a kill -9 (test_async_durability checks the retry is the same notification).
  storage::Writer::Job write = [message_ids, deliveries = planned.rows, events = planned.events,
                                &lambda = lambda_](storage::Database& db) -> common::Status {
    for (const auto& row : deliveries) {
      if (auto status = storage::InsertDelivery(db, row); !status) return status;
    }
    if (auto status = lambda.Write(db, events); !status) return status;
    return storage::FinishFanout(db, message_ids);
  };
  if (planned.rows.empty()) {
    writer_.Post(std::move(write));
  } else {
    writer_.PostNow(std::move(write));
  }
  const int64_t now = clock_.NowNanos();
  for (size_t i = 0; i < planned.events.size(); ++i) {
    // An injected or simulated delay is the delivery's: Lambda gets the event after it, and
    // its age (MaximumEventAgeInSeconds) counts from then, as on AWS.
    lambda::AsyncEvent& event = planned.events[i];
    event.enqueued_ns = event.next_attempt_ns = now + planned.event_delays_ns[i];
    lambda_.Activate(event);
  }
  for (auto& [row, request] : planned.http) http_.Enqueue(row, std::move(request));
  for (const auto& [delivery_id, hop, delay_ns] : planned.simulated) {
    recorder_.Record(telemetry::SimulatedSpan(delivery_id + "~latency", job.ctx.trace_id,
                                              delivery_id, common::LatencyHopName(hop), now,
                                              delay_ns));
  }
  for (const auto& row : planned.rows) {
    auto injected = planned.injected.find(row.id);
    recorder_.Record(DeliverySpan(row, job.ctx.trace_id, now, now,
                                  injected == planned.injected.end()
                                      ? std::vector<std::string>{}
                                      : std::vector<std::string>{injected->second}));
  }
}

}  // namespace offstage::sns

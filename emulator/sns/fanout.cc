// SnsService's fan-out: which subscriptions a message reaches (filter policies), what each
// receives (Lambda event, HTTP notification, or a record that the protocol is not emulated),
// the commit of the messages that answers a Publish, and the fan-out worker's job that commits
// and starts their deliveries after it (§3, §6.1; docs/architecture.md, Durability).
#include <nlohmann/json.hpp>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/sns/attributes.h"
#include "emulator/sns/delivery_policy.h"
#include "emulator/sns/delivery_span.h"
#include "emulator/sns/sns_service.h"
#include "emulator/storage/async_store.h"
#include "emulator/telemetry/span_schema.h"

namespace offstage::sns {
namespace {

using common::Fail;

constexpr std::string_view kDefaultContentType = "text/plain; charset=UTF-8";

}  // namespace

void SnsService::SetDeliveryTargets(DeliveryTargets targets) { targets_ = std::move(targets); }

Result<std::shared_ptr<const FilterPolicy>> SnsService::ParseFilter(
    const AttributeMap& attributes, std::string_view reason_prefix) {
  auto policy = attributes.find("FilterPolicy");
  if (policy == attributes.end()) return std::shared_ptr<const FilterPolicy>();
  auto scope = attributes.find("FilterPolicyScope");
  const FilterScope filter_scope = scope != attributes.end() && scope->second == "MessageBody"
                                       ? FilterScope::kMessageBody
                                       : FilterScope::kMessageAttributes;
  auto parsed = FilterPolicy::Parse(policy->second, filter_scope);
  if (!parsed) {
    const std::string& detail = parsed.error().message;
    return Fail(common::InvalidParameter(
        "Invalid parameter: " + std::string(reason_prefix) +
        (FilterPolicy::IsScopeError(detail) ? "" : "FilterPolicy: ") + detail));
  }
  return std::make_shared<const FilterPolicy>(std::move(*parsed));
}

std::vector<SnsService::Target> SnsService::TargetsOf(const Topic& topic) const {
  std::vector<Target> targets;
  const std::string prefix = topic.arn + ":";
  for (auto it = subscriptions_.lower_bound(prefix);
       it != subscriptions_.end() && common::StartsWith(it->first, prefix); ++it) {
    const Subscription& sub = it->second;
    if (!sub.confirmed) continue;  // pending subscriptions receive nothing
    Target target;
    target.subscription_arn = sub.arn;
    target.protocol = sub.protocol;
    target.endpoint = sub.endpoint;
    auto raw = sub.attributes.find("RawMessageDelivery");
    target.raw = raw != sub.attributes.end() && raw->second == "true";
    target.filter = sub.filter;
    target.http_plan = sub.http_plan;
    target.dead_letter_target = sub.dead_letter_target;
    targets.push_back(std::move(target));
  }
  return targets;
}

void SnsService::Replan(Subscription& sub) const {
  sub.dead_letter_target.reset();
  auto redrive = sub.attributes.find("RedrivePolicy");
  if (redrive != sub.attributes.end()) {
    auto parsed = common::ParseJson(redrive->second);
    if (auto arn = parsed.find("deadLetterTargetArn"); arn != parsed.end() && arn->is_string()) {
      sub.dead_letter_target = arn->get<std::string>();
    }
  }
  sub.http_plan.reset();
  if (sub.protocol != "http" && sub.protocol != "https") return;
  std::string_view topic_policy;
  if (auto topic = topics_.find(sub.topic_arn); topic != topics_.end()) {
    if (auto it = topic->second.attributes.find("DeliveryPolicy");
        it != topic->second.attributes.end()) {
      topic_policy = it->second;
    }
  }
  auto own = sub.attributes.find("DeliveryPolicy");
  sub.http_plan =
      std::make_shared<const HttpDeliveryPlan>(PlanHttpDelivery(EffectiveSubscriptionDeliveryPolicy(
          own == sub.attributes.end() ? std::string_view() : std::string_view(own->second),
          topic_policy)));
}

std::string SnsService::SignLambdaEvent(std::string payload) const {
  if (!targets_.signer) return payload;
  std::string error;
  std::string signed_payload = sns::SignLambdaEvent(std::move(payload), *targets_.signer, error);
  if (!error.empty()) log_.Warn("offstage: " + error);
  return signed_payload;
}

void SnsService::PlanFanout(const RequestContext& ctx, const MessageView& message,
                            const std::vector<Target>& targets, Fanout& fanout) {
  const int64_t now = clock_.NowNanos();
  for (const Target& target : targets) {
    storage::DeliveryRow row;
    row.id = ids_.Uuid();
    row.message_id = message.message_id;
    row.subscription_arn = target.subscription_arn;
    row.protocol = target.protocol;
    row.endpoint = target.endpoint;
    row.created_ns = row.updated_ns = now;
    const std::string text = MessageFor(message, target.protocol);
    if (target.filter) {
      std::string refusal;
      const bool match = target.filter->scope() == FilterScope::kMessageBody
                             ? target.filter->MatchesBody(text, &refusal)
                             : target.filter->Matches(message.attributes);
      if (!match) {
        row.status = storage::DeliveryStatus::kFiltered;
        row.reason = refusal.empty() ? "the subscription's filter policy does not match" : refusal;
        fanout.rows.push_back(std::move(row));
        continue;
      }
    }
    // Signed when delivered, off the Publish path: a Lambda event as it is dispatched
    // (SignLambdaEvent, through lambda::EventFinalizer), an HTTP notification as it is sent.
    const Signed sig{
        "", targets_.base_url + std::string(kCertificatePath),
        targets_.base_url + "/?Action=Unsubscribe&SubscriptionArn=" + target.subscription_arn};
    if (target.protocol == "lambda" && targets_.lambda) {
      auto arn = common::ParseArn(target.endpoint);
      const std::string function_arn =
          common::FunctionArn(arn->region, arn->account, common::Split(arn->resource, ':')[1]);
      RequestContext delivery_ctx = ctx;
      delivery_ctx.parent_span = row.id;  // the invocation is caused by this delivery
      auto event = targets_.lambda->PrepareAsync(
          delivery_ctx, function_arn, LambdaEvent(message, target.subscription_arn, text, sig),
          "sns", message.message_id);
      if (!event) {
        row.status = storage::DeliveryStatus::kFailed;
        row.reason = event.error().message;
      } else {
        row.status = storage::DeliveryStatus::kInvoked;
        row.async_request_id = event->request_id;
        fanout.events.push_back(std::move(*event));
      }
      fanout.rows.push_back(std::move(row));
      continue;
    }
    if ((target.protocol == "http" || target.protocol == "https") && targets_.http) {
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
      request.retry_delays_ns = targets_.http_retry_delays_ns.value_or(
          target.http_plan ? target.http_plan->retry_delays_ns : RetryDelays(""));
      request.dead_letter_target = target.dead_letter_target;
      request.trace_id = ctx.trace_id;
      row.status = storage::DeliveryStatus::kPending;
      row.next_attempt_ns = now;
      row.request = request.ToJson();
      fanout.http.emplace_back(row, std::move(request));
      fanout.rows.push_back(std::move(row));
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
    fanout.rows.push_back(std::move(row));
  }
}

Status SnsService::CommitMessages(const std::string& topic_name,
                                  std::vector<storage::MessageRow> rows,
                                  std::optional<std::pair<std::string, int64_t>> sequence,
                                  FanoutJob job) {
  for (auto& row : rows) {
    row.trace_id = job.ctx.trace_id;
    if (!job.targets.empty()) row.fanout = job.owed;
  }
  auto committed = writer_
                       .Submit([rows, sequence](storage::Database& db) -> Status {
                         for (const auto& row : rows) {
                           if (auto status = storage::InsertMessage(db, row); !status)
                             return status;
                         }
                         if (sequence)
                           return storage::SetTopicSequence(db, sequence->first, sequence->second);
                         return {};
                       })
                       .get();
  if (!committed) return Fail(committed.error());
  for (const auto& row : rows) {
    telemetry::Span span;
    span.id = row.message_id;
    span.kind = telemetry::SpanKindName(telemetry::SpanKind::kPublish);
    span.trace_id = job.ctx.trace_id;
    if (!job.ctx.parent_span.empty()) span.parent_id = job.ctx.parent_span;
    span.name = topic_name;
    span.start_ns = row.received_ns;
    span.end_ns = *committed;
    span.status = telemetry::SpanStatusName(telemetry::SpanStatus::kCommitted);
    nlohmann::json attrs = {{"message_id", row.message_id}, {"topic_arn", row.topic_arn}};
    // How many delivery spans its fan-out will record: until they are in, the trace is not
    // quiescent (the fan-out follows the answer).
    attrs["deliveries"] = job.targets.size();
    if (row.subject) attrs["subject"] = *row.subject;
    if (row.sequence_number) attrs["sequence_number"] = *row.sequence_number;
    span.attrs_json = attrs.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    recorder_.Record(std::move(span));
  }
  // The messages are durable and marked as owing their fan-out: the answer need not wait for
  // it. Without a worker (unit tests) it runs here.
  if (job.targets.empty()) return {};
  if (fanout_started_) {
    fanout_queue_.Add(0, std::move(job));
  } else {
    RunFanout(std::move(job));
  }
  return {};
}

void SnsService::RunFanout(FanoutJob job) {
  Fanout fanout;
  for (const auto& view : job.views) PlanFanout(job.ctx, view, job.targets, fanout);
  std::vector<std::string> message_ids;
  for (const auto& view : job.views) message_ids.push_back(view.message_id);
  // Not awaited: the writer runs Posts in order, so these rows are in before any update the
  // deliveries started below make, and a stop before the commit leaves the messages owing
  // their fan-out (finished at the next start; at least once, as AWS delivers).
  writer_.Post([message_ids, deliveries = fanout.rows,
                events = fanout.events](storage::Database& db) -> Status {
    for (const auto& row : deliveries) {
      if (auto status = storage::InsertDelivery(db, row); !status) return status;
    }
    for (const auto& event : events) {
      if (auto status = storage::InsertAsyncEvent(db, event); !status) return status;
    }
    return storage::FinishFanout(db, message_ids);
  });
  const int64_t now = clock_.NowNanos();
  for (auto& event : fanout.events) {
    event.enqueued_ns = event.next_attempt_ns = now;
    targets_.lambda->ActivateAsync(event);
  }
  for (auto& [row, request] : fanout.http) targets_.http->Enqueue(row, std::move(request));
  for (const auto& row : fanout.rows) {
    recorder_.Record(DeliverySpan(row, job.ctx.trace_id, now, now));
  }
}

void SnsService::SendConfirmation(const Subscription& sub, std::string_view type) {
  if (!targets_.http || (sub.protocol != "http" && sub.protocol != "https")) return;
  const std::string message_id = ids_.Uuid();
  const std::string timestamp = common::IsoMillis(clock_.NowNanos());
  const std::string subscribe_url = targets_.base_url +
                                    "/?Action=ConfirmSubscription&TopicArn=" + sub.topic_arn +
                                    "&Token=" + sub.token;
  const std::string text =
      type == "SubscriptionConfirmation"
          ? "You have chosen to subscribe to the topic " + sub.topic_arn +
                ".\nTo confirm the subscription, visit the SubscribeURL included in this message."
          : "You have chosen to deactivate subscription " + sub.arn +
                ".\nTo cancel this operation and restore the subscription, visit the "
                "SubscribeURL included in this message.";
  std::string version = "1";
  {
    common::MutexLock lock(mu_);
    auto topic = topics_.find(sub.topic_arn);
    if (topic != topics_.end()) version = topic->second.signature_version();
  }
  std::string signature;
  if (targets_.signer) {
    auto signed_text =
        targets_.signer->Sign(StringToSign(type, text, message_id, nullptr, timestamp,
                                           sub.topic_arn, &subscribe_url, &sub.token),
                              version);
    if (signed_text) signature = *signed_text;
  }
  HttpRequestSpec request;
  request.url = sub.endpoint;
  request.body =
      ConfirmationBody(type, message_id, sub.token, sub.topic_arn, text, subscribe_url, timestamp,
                       version, signature, targets_.base_url + std::string(kCertificatePath));
  request.headers = {{"x-amz-sns-message-type", std::string(type)},
                     {"x-amz-sns-message-id", message_id},
                     {"x-amz-sns-topic-arn", sub.topic_arn},
                     {"User-Agent", "Amazon Simple Notification Service Agent"},
                     {"Content-Type", "text/plain; charset=UTF-8"}};
  if (type != "SubscriptionConfirmation") {
    request.headers.emplace_back("x-amz-sns-subscription-arn", sub.arn);
  }
  request.retry_delays_ns = targets_.http_retry_delays_ns.value_or(RetryDelays(""));
  storage::DeliveryRow row;
  row.id = ids_.Uuid();
  row.message_id = message_id;
  row.subscription_arn = sub.arn;
  row.protocol = sub.protocol;
  row.endpoint = sub.endpoint;
  row.status = storage::DeliveryStatus::kPending;
  row.reason = std::string(type);
  row.created_ns = row.updated_ns = clock_.NowNanos();
  row.next_attempt_ns = row.created_ns;
  row.request = request.ToJson();
  auto committed =
      writer_.Submit([row](storage::Database& db) { return storage::InsertDelivery(db, row); })
          .get();
  if (!committed) {
    log_.Error("offstage: could not record the " + std::string(type) + " of " + sub.arn + ": " +
               committed.error().message);
    return;
  }
  targets_.http->Enqueue(std::move(row), std::move(request));
}

}  // namespace offstage::sns

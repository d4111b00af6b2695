// SnsService's subscription API: Subscribe, ConfirmSubscription, Unsubscribe,
// ListSubscriptions(ByTopic) and Get/SetSubscriptionAttributes. Thread model: any HTTP worker
// thread; reads under mu_; a change is committed (under update_mu_) before memory changes,
// as sns_service.h describes; confirmation messages are sent with no lock held.
#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/sns/attributes.h"
#include "emulator/sns/sns_service.h"
#include "emulator/sns/validation.h"
#include "emulator/storage/sns_store.h"

namespace offstage::sns {
namespace {

using common::Fail;
using common::InvalidParameter;

bool ConfirmsImmediately(std::string_view protocol) {
  // Same-account lambda/sqs/firehose (and sms/application) need no confirmation (§2.5).
  return protocol != "http" && protocol != "https" && protocol != "email" &&
         protocol != "email-json";
}

}  // namespace

Result<std::string> SnsService::Subscribe(const RequestContext& ctx, const SubscribeInput& in) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", in.topic_arn); !status) {
    return Fail(status.error());
  }
  // AWS answers NotFound for a missing topic before it looks at the protocol or the endpoint.
  bool fifo_topic = false;
  {
    common::MutexLock lock(mu_);
    auto topic = topics_.find(in.topic_arn);
    if (topic == topics_.end()) return TopicNotFoundError();
    fifo_topic = topic->second.fifo();
  }
  if (!IsKnownProtocol(in.protocol)) {
    return Fail(
        InvalidParameter("Invalid parameter: Amazon SNS does not support this protocol "
                         "string: " +
                         in.protocol));
  }
  if (!in.endpoint || in.endpoint->empty()) {
    return Fail(
        InvalidParameter("Invalid parameter: Endpoint Reason: no value for required "
                         "parameter"));
  }
  if (auto status = ValidateEndpoint(in.protocol, *in.endpoint); !status) {
    return Fail(status.error());
  }
  if (in.protocol == "sqs" && !fifo_topic && in.endpoint->ends_with(".fifo")) {
    return Fail(InvalidParameter(
        "Invalid parameter: Invalid parameter: Endpoint Reason: FIFO SQS Queues can not be "
        "subscribed to standard SNS topics"));
  }
  AttributeMap attributes;
  for (const auto& [name, value] : in.attributes) {
    auto normalized =
        NormalizeSubscriptionAttribute(name, value, in.protocol, "Attributes Reason: ");
    if (!normalized) return Fail(normalized.error());
    if (!normalized->empty()) attributes[name] = *normalized;
  }
  auto filter = ParseFilter(attributes, "Attributes Reason: ");
  if (!filter) return Fail(filter.error());

  common::MutexLock update(update_mu_);
  Commit commit;
  std::string result;
  std::optional<Subscription> created;
  {
    common::MutexLock lock(mu_);
    auto topic = topics_.find(in.topic_arn);
    if (topic == topics_.end()) return TopicNotFoundError();
    if (topic->second.fifo() && in.protocol != "sqs") {
      return Fail(InvalidParameter("Invalid parameter: Invalid protocol type: " + in.protocol +
                                   " Reason: FIFO topics deliver only to Amazon SQS queues"));
    }
    const std::string prefix = in.topic_arn + ":";
    for (auto it = subscriptions_.lower_bound(prefix);
         it != subscriptions_.end() && common::StartsWith(it->first, prefix); ++it) {
      const Subscription& existing = it->second;
      if (existing.protocol != in.protocol || existing.endpoint != *in.endpoint) continue;
      for (const auto& [name, value] : attributes) {
        auto found = existing.attributes.find(name);
        if (found == existing.attributes.end() || found->second != value) {
          return Fail(InvalidParameter(
              "Invalid parameter: Attributes Reason: Subscription already exists with different "
              "attributes"));
        }
      }
      if (!existing.confirmed && !in.return_subscription_arn) return "pending confirmation";
      return existing.arn;
    }
    Subscription sub;
    sub.arn = prefix + ids_.Uuid();
    sub.topic_arn = in.topic_arn;
    sub.protocol = in.protocol;
    sub.endpoint = *in.endpoint;
    sub.owner = ctx.account;
    sub.confirmed = ConfirmsImmediately(in.protocol);
    if (!sub.confirmed) sub.token = ids_.Hex(64);
    sub.attributes = std::move(attributes);
    sub.created_ns = clock_.NowNanos();
    sub.filter = std::move(*filter);
    result = sub.confirmed || in.return_subscription_arn ? sub.arn : "pending confirmation";
    commit = PersistSubscription(sub);
    created = std::move(sub);
  }
  if (auto status = Await(std::move(commit)); !status) return Fail(status.error());
  {
    common::MutexLock lock(mu_);
    if (!created->confirmed) tokens_[created->token] = created->arn;
    Replan(*created);
    subscriptions_.emplace(created->arn, *created);
  }
  // http(s) endpoints get AWS's SubscriptionConfirmation message with the token.
  if (!created->confirmed) SendConfirmation(*created, "SubscriptionConfirmation");
  return result;
}

Result<std::string> SnsService::ConfirmSubscription(const RequestContext& ctx,
                                                    const std::string& topic_arn,
                                                    const std::string& token) {
  if (auto status = CheckArnShape("TopicArn", topic_arn); !status) {
    return Fail(InvalidParameter("Invalid parameter: Topic"));
  }
  // The SubscribeURL is opened unsigned (no region in the request): only a signed request
  // names a region the topic must be in.
  if (!ctx.access_key_id.empty() && common::ParseArn(topic_arn)->region != ctx.region) {
    return Fail(InvalidParameter("Invalid parameter: Topic"));
  }
  const bool well_formed =
      !token.empty() && token.find_first_not_of("0123456789abcdef") == std::string::npos;
  if (!well_formed) return Fail(InvalidParameter("Invalid token"));
  common::MutexLock update(update_mu_);
  Commit commit;
  std::string arn;
  Subscription confirmed;
  {
    common::MutexLock lock(mu_);
    auto found = tokens_.find(token);
    if (found == tokens_.end()) {
      // A confirmed subscription keeps its token: confirming twice answers its ARN again.
      for (const auto& [sub_arn, sub] : subscriptions_) {
        if (sub.token == token && sub.topic_arn == topic_arn) return sub_arn;
      }
      return Fail(InvalidParameter("Invalid parameter: Token"));
    }
    auto sub = subscriptions_.find(found->second);
    if (sub == subscriptions_.end() || sub->second.topic_arn != topic_arn) {
      return Fail(InvalidParameter("Invalid parameter: Token"));
    }
    confirmed = sub->second;
    confirmed.confirmed = true;
    arn = sub->first;
    commit = PersistSubscription(confirmed);
  }
  if (auto status = Await(std::move(commit)); !status) return Fail(status.error());
  common::MutexLock lock(mu_);
  tokens_.erase(token);
  if (auto sub = subscriptions_.find(arn); sub != subscriptions_.end()) {
    sub->second.confirmed = true;
  }
  return arn;
}

Status SnsService::Unsubscribe(const RequestContext& ctx, const std::string& subscription_arn) {
  (void)ctx;
  if (auto status = CheckArnShape("SubscriptionArn", subscription_arn); !status) return status;
  if (common::ArnElementCount(subscription_arn) < 7) {
    return Fail(InvalidParameter("Invalid parameter: SubscriptionId"));
  }
  common::MutexLock update(update_mu_);
  Commit commit;
  std::optional<Subscription> removed;
  {
    common::MutexLock lock(mu_);
    if (!subscriptions_.contains(subscription_arn)) return {};  // idempotent, as AWS
    commit = writer_.Submit([subscription_arn](storage::Database& db) {
      return storage::DeleteSubscription(db, subscription_arn);
    });
  }
  if (auto status = Await(std::move(commit)); !status) return status;
  {
    common::MutexLock lock(mu_);
    auto it = subscriptions_.find(subscription_arn);
    if (it == subscriptions_.end()) return {};
    if (!it->second.token.empty()) tokens_.erase(it->second.token);
    if (it->second.confirmed) removed = it->second;
    subscriptions_.erase(it);
  }
  if (removed) SendConfirmation(*removed, "UnsubscribeConfirmation");
  return {};
}

SubscriptionSummary SnsService::Summarize(const Subscription& sub) const {
  return SubscriptionSummary{sub.confirmed ? sub.arn : "PendingConfirmation", sub.owner,
                             sub.protocol, sub.endpoint, sub.topic_arn};
}

Result<Page<SubscriptionSummary>> SnsService::ListSubscriptionsFrom(
    const std::string& prefix, const std::optional<std::string>& next_token,
    const RequestContext& ctx, bool by_topic) {
  auto start = DecodePageToken(next_token);
  if (!start) return Fail(start.error());
  Page<SubscriptionSummary> page;
  common::MutexLock lock(mu_);
  if (by_topic && !topics_.contains(prefix.substr(0, prefix.size() - 1)))
    return TopicNotFoundError();
  // "arn:aws:sns:<region>:<account>:": the caller's subscriptions only.
  const std::string account_prefix = common::TopicArn(ctx.region, ctx.account, "");
  auto it = subscriptions_.lower_bound(start->value_or(prefix));
  for (; it != subscriptions_.end() && common::StartsWith(it->first, prefix); ++it) {
    if (!common::StartsWith(it->first, account_prefix)) continue;
    if (page.items.size() == kListPageSize) {
      page.next_token = EncodePageToken(it->first);
      break;
    }
    page.items.push_back(Summarize(it->second));
  }
  return page;
}

Result<Page<SubscriptionSummary>> SnsService::ListSubscriptions(
    const RequestContext& ctx, const std::optional<std::string>& next_token) {
  return ListSubscriptionsFrom("arn:aws:sns:" + ctx.region + ":", next_token, ctx, false);
}

Result<Page<SubscriptionSummary>> SnsService::ListSubscriptionsByTopic(
    const RequestContext& ctx, const std::string& topic_arn,
    const std::optional<std::string>& next_token) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", topic_arn); !status) {
    return Fail(status.error());
  }
  return ListSubscriptionsFrom(topic_arn + ":", next_token, ctx, true);
}

Result<AttributeMap> SnsService::GetSubscriptionAttributes(const RequestContext& ctx,
                                                           const std::string& subscription_arn) {
  (void)ctx;
  if (auto status = CheckArnShape("SubscriptionArn", subscription_arn); !status) {
    return Fail(status.error());
  }
  common::MutexLock lock(mu_);
  auto it = subscriptions_.find(subscription_arn);
  if (it == subscriptions_.end()) return SubscriptionNotFoundError();
  const Subscription& sub = it->second;
  AttributeMap out = sub.attributes;
  out["SubscriptionArn"] = sub.arn;
  out["TopicArn"] = sub.topic_arn;
  out["Owner"] = sub.owner;
  out["Protocol"] = sub.protocol;
  out["Endpoint"] = sub.endpoint;
  out["PendingConfirmation"] = sub.confirmed ? "false" : "true";
  out["ConfirmationWasAuthenticated"] = sub.confirmed ? "true" : "false";
  out["SubscriptionPrincipal"] = "arn:aws:iam::" + sub.owner + ":user/offstage";
  if (!out.contains("RawMessageDelivery")) out["RawMessageDelivery"] = "false";
  if (out.contains("FilterPolicy") && !out.contains("FilterPolicyScope")) {
    out["FilterPolicyScope"] = "MessageAttributes";
  }
  if (sub.protocol == "http" || sub.protocol == "https") {
    auto delivery = sub.attributes.find("DeliveryPolicy");
    std::string_view topic_policy;
    if (auto topic = topics_.find(sub.topic_arn); topic != topics_.end()) {
      if (auto policy = topic->second.attributes.find("DeliveryPolicy");
          policy != topic->second.attributes.end()) {
        topic_policy = policy->second;
      }
    }
    out["EffectiveDeliveryPolicy"] = EffectiveSubscriptionDeliveryPolicy(
        delivery == sub.attributes.end() ? std::string_view() : delivery->second, topic_policy);
  }
  return out;
}

Status SnsService::SetSubscriptionAttributes(const RequestContext& ctx,
                                             const std::string& subscription_arn,
                                             const std::string& name, const std::string& value) {
  (void)ctx;
  if (auto status = CheckArnShape("SubscriptionArn", subscription_arn); !status) return status;
  return UpdateSubscription(subscription_arn, [&](Subscription& sub) -> Result<bool> {
    auto normalized = NormalizeSubscriptionAttribute(name, value, sub.protocol, "");
    if (!normalized) return Fail(normalized.error());
    AttributeMap attributes = sub.attributes;
    if (normalized->empty()) {
      attributes.erase(name);
      if (name == "FilterPolicy") attributes.erase("FilterPolicyScope");
    } else {
      attributes[name] = *normalized;
    }
    // A policy must stay valid under its scope (a nested policy needs MessageBody).
    auto filter = ParseFilter(attributes, "");
    if (!filter) return Fail(filter.error());
    sub.attributes = std::move(attributes);
    sub.filter = std::move(*filter);
    return true;
  });
}

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

std::vector<Target> SnsService::TargetsOf(const Topic& topic) const {
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

void SnsService::SendConfirmation(const Subscription& sub, std::string_view type) {
  if (sub.protocol != "http" && sub.protocol != "https") return;
  const std::string message_id = ids_.Uuid();
  const std::string timestamp = common::IsoMillis(clock_.NowNanos());
  const std::string subscribe_url = delivery_.base_url +
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
  {
    auto signed_text = signer_.Sign(StringToSign(type, text, message_id, nullptr, timestamp,
                                                 sub.topic_arn, &subscribe_url, &sub.token),
                                    version);
    if (signed_text) signature = *signed_text;
  }
  HttpRequestSpec request;
  request.url = sub.endpoint;
  request.body =
      ConfirmationBody(type, message_id, sub.token, sub.topic_arn, text, subscribe_url, timestamp,
                       version, signature, delivery_.base_url + std::string(kCertificatePath));
  request.headers = {{"x-amz-sns-message-type", std::string(type)},
                     {"x-amz-sns-message-id", message_id},
                     {"x-amz-sns-topic-arn", sub.topic_arn},
                     {"User-Agent", "Amazon Simple Notification Service Agent"},
                     {"Content-Type", "text/plain; charset=UTF-8"}};
  if (type != "SubscriptionConfirmation") {
    request.headers.emplace_back("x-amz-sns-subscription-arn", sub.arn);
  }
  request.retry_delays_ns = delivery_.http_retry_delays_ns.value_or(RetryDelays(""));
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
  http_.Enqueue(std::move(row), std::move(request));
}

}  // namespace offstage::sns

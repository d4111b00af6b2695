// SnsService's subscription API: Subscribe, ConfirmSubscription, Unsubscribe,
// ListSubscriptions(ByTopic) and Get/SetSubscriptionAttributes. Thread model: any HTTP worker
// thread; reads and changes go through the TopicStore (Read; UpdateSubscription commits before
// memory changes); confirmation messages are sent with no lock held.
#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/sns/attributes.h"
#include "emulator/sns/planner.h"
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
  auto fifo_topic = store_.Read([&](const TopicState& state) -> Result<bool> {
    const Topic* topic = state.topic(in.topic_arn);
    if (!topic) return TopicNotFoundError();
    return topic->fifo();
  });
  if (!fifo_topic) return Fail(fifo_topic.error());
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
  if (in.protocol == "sqs" && !*fifo_topic && in.endpoint->ends_with(".fifo")) {
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

  std::string result;
  std::optional<Subscription> created;
  std::string signature_version;
  const std::string arn = in.topic_arn + ":" + ids_.Uuid();
  auto status = store_.UpdateSubscription(
      arn, [&](const TopicState& state, std::optional<Subscription>& sub) -> Result<bool> {
        const Topic* topic = state.topic(in.topic_arn);
        if (!topic) return TopicNotFoundError();
        if (topic->fifo() && in.protocol != "sqs") {
          return Fail(InvalidParameter("Invalid parameter: Invalid protocol type: " + in.protocol +
                                       " Reason: FIFO topics deliver only to Amazon SQS queues"));
        }
        std::optional<Result<bool>> answer;  // set when the subscription exists
        state.ForEachSubscriptionOf(in.topic_arn, [&](const Subscription& existing) {
          if (answer || existing.protocol != in.protocol || existing.endpoint != *in.endpoint) {
            return;
          }
          for (const auto& [name, value] : attributes) {
            auto found = existing.attributes.find(name);
            if (found == existing.attributes.end() || found->second != value) {
              answer = Fail(InvalidParameter(
                  "Invalid parameter: Attributes Reason: Subscription already exists with "
                  "different attributes"));
              return;
            }
          }
          result = !existing.confirmed && !in.return_subscription_arn ? "pending confirmation"
                                                                      : existing.arn;
          answer = false;
        });
        if (answer) return *answer;
        sub.emplace();
        sub->arn = arn;
        sub->topic_arn = in.topic_arn;
        sub->protocol = in.protocol;
        sub->endpoint = *in.endpoint;
        sub->owner = ctx.account;
        sub->confirmed = ConfirmsImmediately(in.protocol);
        if (!sub->confirmed) sub->token = ids_.Hex(64);
        sub->attributes = std::move(attributes);
        sub->created_ns = clock_.NowNanos();
        sub->filter = std::move(*filter);
        result = sub->confirmed || in.return_subscription_arn ? sub->arn : "pending confirmation";
        created = *sub;
        signature_version = topic->signature_version();
        return true;
      });
  if (!status) return Fail(status.error());
  // http(s) endpoints get AWS's SubscriptionConfirmation message with the token.
  if (created && !created->confirmed) {
    confirmations_.Send(*created, ConfirmationType::kSubscribe, signature_version);
  }
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
  // The token names the subscription; the change checks it again under the store's lock.
  auto arn = store_.Read([&](const TopicState& state) -> Result<std::string> {
    auto found = state.tokens.find(token);
    if (found != state.tokens.end()) return found->second;
    // A confirmed subscription keeps its token: confirming twice answers its ARN again.
    for (const auto& [sub_arn, sub] : state.subscriptions) {
      if (sub.token == token && sub.topic_arn == topic_arn) return sub_arn;
    }
    return Fail(InvalidParameter("Invalid parameter: Token"));
  });
  if (!arn) return arn;
  auto status = store_.UpdateSubscription(
      *arn, [&](const TopicState&, std::optional<Subscription>& sub) -> Result<bool> {
        if (!sub || sub->token != token || sub->topic_arn != topic_arn) {
          return Fail(InvalidParameter("Invalid parameter: Token"));
        }
        if (sub->confirmed) return false;
        sub->confirmed = true;
        return true;
      });
  if (!status) return Fail(status.error());
  return arn;
}

Status SnsService::Unsubscribe(const RequestContext& ctx, const std::string& subscription_arn) {
  (void)ctx;
  if (auto status = CheckArnShape("SubscriptionArn", subscription_arn); !status) return status;
  if (common::ArnElementCount(subscription_arn) < 7) {
    return Fail(InvalidParameter("Invalid parameter: SubscriptionId"));
  }
  std::optional<Subscription> removed;  // a confirmed one, told of it
  std::string signature_version;
  auto status = store_.UpdateSubscription(
      subscription_arn,
      [&](const TopicState& state, std::optional<Subscription>& sub) -> Result<bool> {
        if (!sub) return false;  // idempotent, as AWS
        if (sub->confirmed) {
          removed = *sub;
          const Topic* topic = state.topic(sub->topic_arn);
          signature_version = topic ? topic->signature_version() : "1";
        }
        sub.reset();
        return true;
      });
  if (!status) return status;
  if (removed) confirmations_.Send(*removed, ConfirmationType::kUnsubscribe, signature_version);
  return {};
}

SubscriptionSummary SnsService::Summarize(const Subscription& sub) {
  return SubscriptionSummary{sub.confirmed ? sub.arn : "PendingConfirmation", sub.owner,
                             sub.protocol, sub.endpoint, sub.topic_arn};
}

Result<Page<SubscriptionSummary>> SnsService::ListSubscriptionsFrom(
    const std::string& prefix, const std::optional<std::string>& next_token,
    const RequestContext& ctx, bool by_topic) {
  auto start = DecodePageToken(next_token);
  if (!start) return Fail(start.error());
  // "arn:aws:sns:<region>:<account>:": the caller's subscriptions only.
  const std::string account_prefix = common::TopicArn(ctx.region, ctx.account, "");
  return store_.Read([&](const TopicState& state) -> Result<Page<SubscriptionSummary>> {
    if (by_topic && !state.topic(prefix.substr(0, prefix.size() - 1))) {
      return TopicNotFoundError();
    }
    Page<SubscriptionSummary> page;
    auto it = state.subscriptions.lower_bound(start->value_or(prefix));
    for (; it != state.subscriptions.end() && common::StartsWith(it->first, prefix); ++it) {
      if (!common::StartsWith(it->first, account_prefix)) continue;
      if (page.items.size() == kListPageSize) {
        page.next_token = EncodePageToken(it->first);
        break;
      }
      page.items.push_back(Summarize(it->second));
    }
    return page;
  });
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
  return store_.Read([&](const TopicState& state) -> Result<AttributeMap> {
    const Subscription* found = state.subscription(subscription_arn);
    if (!found) return SubscriptionNotFoundError();
    const Subscription& sub = *found;
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
      const Topic* topic = state.topic(sub.topic_arn);
      out["EffectiveDeliveryPolicy"] = EffectiveSubscriptionDeliveryPolicy(
          delivery == sub.attributes.end() ? std::string_view() : delivery->second,
          topic ? topic->delivery_policy() : std::string_view());
    }
    return out;
  });
}

Status SnsService::SetSubscriptionAttributes(const RequestContext& ctx,
                                             const std::string& subscription_arn,
                                             const std::string& name, const std::string& value) {
  (void)ctx;
  if (auto status = CheckArnShape("SubscriptionArn", subscription_arn); !status) return status;
  return store_.UpdateSubscription(
      subscription_arn, [&](const TopicState&, std::optional<Subscription>& found) -> Result<bool> {
        if (!found) return SubscriptionNotFoundError();
        Subscription& sub = *found;
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

}  // namespace offstage::sns

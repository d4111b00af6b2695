#include "emulator/sns/sns_service.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/sns/attributes.h"
#include "emulator/sns/validation.h"
#include "emulator/storage/sns_store.h"

namespace offstage::sns {
namespace {

using common::ErrorCode;
using common::Fail;
using common::InvalidParameter;
using nlohmann::json;

constexpr size_t kPageSize = 100;  // ListTopics / ListSubscriptions* (§2.6)

auto SubscriptionNotFound() { return Fail(ErrorCode::kNotFound, "Subscription does not exist"); }
auto ResourceNotFound() { return Fail(ErrorCode::kResourceNotFound, "Resource does not exist"); }

std::string AttributesToJson(const AttributeMap& attributes) { return json(attributes).dump(); }

AttributeMap AttributesFromJson(const std::string& text) {
  auto parsed = common::ParseJson(text);
  AttributeMap out;
  if (parsed.is_object()) {
    for (auto& [key, value] : parsed.items()) {
      if (value.is_string()) out[key] = value.get<std::string>();
    }
  }
  return out;
}

std::string TagsToJson(const std::vector<Tag>& tags) {
  json out = json::array();
  for (const Tag& tag : tags) out.push_back({tag.key, tag.value});
  return out.dump();
}

std::vector<Tag> TagsFromJson(const std::string& text) {
  auto parsed = common::ParseJson(text);
  std::vector<Tag> out;
  if (parsed.is_array()) {
    for (const auto& pair : parsed) {
      if (pair.is_array() && pair.size() == 2 && pair[0].is_string() && pair[1].is_string()) {
        out.push_back(Tag{pair[0].get<std::string>(), pair[1].get<std::string>()});
      }
    }
  }
  return out;
}

// Pagination tokens are the base64 of the first ARN of the next page.
Result<std::optional<std::string>> DecodeToken(const std::optional<std::string>& token) {
  if (!token || token->empty()) return std::optional<std::string>();
  auto decoded = common::Base64Decode(*token);
  if (!decoded || !common::StartsWith(*decoded, "arn:")) {
    return Fail(InvalidParameter("Invalid parameter: NextToken"));
  }
  return std::optional<std::string>(*decoded);
}

bool ConfirmsImmediately(std::string_view protocol) {
  // Same-account lambda/sqs/firehose (and sms/application) need no confirmation (§2.5).
  return protocol != "http" && protocol != "https" && protocol != "email" &&
         protocol != "email-json";
}

}  // namespace

bool SnsService::Topic::fifo() const {
  auto it = attributes.find("FifoTopic");
  return it != attributes.end() && it->second == "true";
}

std::string SnsService::Topic::signature_version() const {
  auto it = attributes.find("SignatureVersion");
  return it == attributes.end() ? "1" : it->second;
}

SnsService::SnsService(storage::Writer& writer, telemetry::Recorder& recorder,
                       const common::Clock& clock, common::IdGenerator& ids, common::Logger& log)
    : writer_(writer),
      recorder_(recorder),
      clock_(clock),
      ids_(ids),
      log_(log),
      fanout_queue_(clock) {}

Status SnsService::Load() {
  std::vector<storage::TopicRow> topic_rows;
  std::vector<storage::SubscriptionRow> sub_rows;
  std::vector<storage::MessageRow> recent;
  std::vector<storage::MessageRow> owed;
  int64_t message_count = 0;
  const int64_t window_start = clock_.NowNanos() - kDedupWindowNs;
  auto status = writer_.Query([&](storage::Database& db) -> Status {
    auto topics = storage::LoadTopics(db);
    if (!topics) return Fail(topics.error());
    auto subs = storage::LoadSubscriptions(db);
    if (!subs) return Fail(subs.error());
    auto count = storage::CountMessages(db);
    if (!count) return Fail(count.error());
    auto messages = storage::MessagesSince(db, window_start);
    if (!messages) return Fail(messages.error());
    auto pending = storage::PendingFanouts(db);
    if (!pending) return Fail(pending.error());
    owed = std::move(*pending);
    topic_rows = std::move(*topics);
    sub_rows = std::move(*subs);
    message_count = *count;
    recent = std::move(*messages);
    return {};
  });
  if (!status) return status;

  common::MutexLock lock(mu_);
  for (auto& row : topic_rows) {
    Topic topic{row.arn,
                row.name,
                row.region,
                row.account,
                AttributesFromJson(row.attributes_json),
                TagsFromJson(row.tags_json),
                row.next_sequence,
                row.created_ns};
    topics_.emplace(row.arn, std::move(topic));
  }
  for (auto& row : sub_rows) {
    Subscription sub{
        row.arn,        row.topic_arn, row.protocol, row.endpoint,
        row.owner,      row.confirmed, row.token,    AttributesFromJson(row.attributes_json),
        row.created_ns, nullptr};
    if (auto filter = ParseFilter(sub.attributes, ""); filter) sub.filter = *filter;
    if (!sub.confirmed && !sub.token.empty()) tokens_[sub.token] = sub.arn;
    subscriptions_.emplace(row.arn, std::move(sub));
  }
  for (auto& row : recent) {
    if (!row.dedup_id) continue;
    auto key = std::make_pair(row.topic_arn, *row.dedup_id);
    const int64_t expires = row.received_ns + kDedupWindowNs;
    std::promise<bool> stored;
    stored.set_value(true);
    dedup_[key] = DedupEntry{row.message_id, row.sequence_number, expires, stored.get_future()};
    dedup_expiry_.emplace_back(expires, key);
  }
  messages_ = message_count;
  // Fan-outs owed when the daemon stopped: to the subscriptions there are now (at least once:
  // a delivery started before the stop but not yet committed runs again).
  std::vector<std::string> nobody;  // their topic was deleted since: nothing is owed
  size_t queued = 0;                // run once StartFanout starts the worker
  for (auto& row : owed) {
    auto topic = topics_.find(row.topic_arn);
    if (topic == topics_.end()) {
      nobody.push_back(row.message_id);
      continue;
    }
    FanoutJob job;
    job.ctx.region = topic->second.region;
    job.ctx.account = topic->second.account;
    job.ctx.request_id = row.source_request_id;
    job.ctx.trace_id = row.trace_id;
    job.ctx.received_ns = row.received_ns;
    job.targets = TargetsOf(topic->second);
    job.owed = *row.fanout;
    if (job.owed != "*") KeepOnly(job.targets, job.owed);
    Prepared message{row.topic_arn,
                     row.body,
                     row.subject,
                     row.structure,
                     MessageAttributesFromJson(row.attributes_json),
                     row.group_id,
                     row.dedup_id};
    const PublishOutput out{row.message_id, row.sequence_number};
    job.views.push_back(ViewOf(job.ctx, message, out, topic->second.signature_version()));
    fanout_queue_.Add(0, std::move(job));
    ++queued;
  }
  if (queued > 0) {
    log_.Info("offstage: finishing the fan-out of " + std::to_string(queued) +
              " message(s) accepted before the last stop");
  }
  if (!nobody.empty()) {
    writer_.Post([nobody](storage::Database& db) { return storage::FinishFanout(db, nobody); });
  }
  return {};
}

void SnsService::KeepOnly(std::vector<Target>& targets, const std::string& subscription_arn) {
  // A replay to one subscription: that one alone, whatever its filter policy says.
  std::erase_if(targets, [&](const Target& t) { return t.subscription_arn != subscription_arn; });
  for (auto& t : targets) t.filter.reset();
}

void SnsService::StartFanout() {
  fanout_started_ = true;
  fanout_queue_.Start(1, [this](FanoutJob job) { RunFanout(std::move(job)); });
}

void SnsService::StopFanout() { fanout_queue_.Stop(); }

SnsService::Commit SnsService::PersistTopic(const Topic& topic) {
  storage::TopicRow row{topic.arn,
                        topic.name,
                        topic.region,
                        topic.account,
                        AttributesToJson(topic.attributes),
                        TagsToJson(topic.tags),
                        topic.next_sequence,
                        0,
                        topic.created_ns};
  return writer_.Submit(
      [row = std::move(row)](storage::Database& db) { return storage::UpsertTopic(db, row); });
}

SnsService::Commit SnsService::PersistSubscription(const Subscription& sub) {
  storage::SubscriptionRow row{
      sub.arn,       sub.topic_arn, sub.protocol, sub.endpoint,
      sub.owner,     sub.confirmed, sub.token,    AttributesToJson(sub.attributes),
      sub.created_ns};
  return writer_.Submit([row = std::move(row)](storage::Database& db) {
    return storage::UpsertSubscription(db, row);
  });
}

Status SnsService::Await(Commit commit) {
  auto result = commit.get();
  if (!result) {
    log_.Error("could not persist a change: " + result.error().message);
    return Fail(result.error());
  }
  return {};
}

Status SnsService::UpdateTopic(const std::string& arn, std::unexpected<common::ApiError> not_found,
                               const std::function<Result<bool>(Topic&)>& change) {
  common::MutexLock update(update_mu_);
  std::optional<Topic> copy;
  Commit commit;
  {
    common::MutexLock lock(mu_);
    auto it = topics_.find(arn);
    if (it == topics_.end()) return not_found;
    copy = it->second;
    auto changed = change(*copy);
    if (!changed) return Fail(changed.error());
    if (!*changed) return {};
    commit = PersistTopic(*copy);
  }
  if (auto status = Await(std::move(commit)); !status) return status;
  // Publish changes only next_sequence (under mu_): everything else is taken from the copy.
  common::MutexLock lock(mu_);
  auto it = topics_.find(arn);
  if (it == topics_.end()) return {};
  copy->next_sequence = it->second.next_sequence;
  it->second = std::move(*copy);
  return {};
}

Status SnsService::UpdateSubscription(const std::string& arn,
                                      const std::function<Result<bool>(Subscription&)>& change) {
  common::MutexLock update(update_mu_);
  std::optional<Subscription> copy;
  Commit commit;
  {
    common::MutexLock lock(mu_);
    auto it = subscriptions_.find(arn);
    if (it == subscriptions_.end()) return SubscriptionNotFound();
    copy = it->second;
    auto changed = change(*copy);
    if (!changed) return Fail(changed.error());
    if (!*changed) return {};
    commit = PersistSubscription(*copy);
  }
  if (auto status = Await(std::move(commit)); !status) return status;
  common::MutexLock lock(mu_);
  auto it = subscriptions_.find(arn);
  if (it == subscriptions_.end()) return {};
  it->second = std::move(*copy);
  return {};
}

Status SnsService::CheckTopicArn(const RequestContext& ctx, std::string_view param,
                                 const std::string& arn) const {
  if (auto status = CheckArnShape(param, arn); !status) return status;
  auto parsed = common::ParseArn(arn);
  if (parsed->region != ctx.region) {
    return Fail(InvalidParameter("Invalid parameter: " + std::string(param)));
  }
  return {};
}

Result<std::string> SnsService::CreateTopic(const RequestContext& ctx, const CreateTopicInput& in) {
  // FifoTopic decides the naming rule, so read it first.
  bool fifo = false;
  for (const auto& [name, value] : in.attributes) {
    if (name != "FifoTopic") continue;
    auto parsed = ParseBoolAttribute(name, value, "Attributes Reason: ");
    if (!parsed) return Fail(parsed.error());
    fifo = *parsed == "true";
  }
  if (auto status = ValidateTopicName(in.name, fifo); !status) return Fail(status.error());
  AttributeMap attributes;
  for (const auto& [name, value] : in.attributes) {
    auto normalized = NormalizeTopicAttribute(name, value, fifo, TopicAttributeUse::kCreate);
    if (!normalized) return Fail(normalized.error());
    if (name == "FifoTopic" && *normalized == "false") continue;  // AWS stores no FifoTopic=false
    if (!normalized->empty()) attributes[name] = *normalized;
  }
  if (fifo && !attributes.contains("ContentBasedDeduplication")) {
    attributes["ContentBasedDeduplication"] = "false";
  }
  if (in.data_protection_policy) {
    if (auto status = ValidateJsonAttribute("DataProtectionPolicy", *in.data_protection_policy, "");
        !status) {
      return Fail(status.error());
    }
    attributes["DataProtectionPolicy"] = *in.data_protection_policy;
  }
  if (auto status = ValidateTags(in.tags); !status) return Fail(status.error());
  if (in.tags.size() > kMaxTags) {
    return Fail(ErrorCode::kTagLimitExceeded,
                "Could not complete request: tag quota of per resource exceeded");
  }

  const std::string arn = common::TopicArn(ctx.region, ctx.account, in.name);
  common::MutexLock update(update_mu_);
  Commit commit;
  std::optional<Topic> created;
  {
    common::MutexLock lock(mu_);
    auto it = topics_.find(arn);
    if (it != topics_.end()) {
      // Idempotent for the same name unless the request contradicts what exists.
      for (const auto& [name, value] : attributes) {
        auto existing = it->second.attributes.find(name);
        const bool given = std::any_of(in.attributes.begin(), in.attributes.end(),
                                       [&](const auto& kv) { return kv.first == name; });
        if (given && (existing == it->second.attributes.end() || existing->second != value)) {
          return Fail(InvalidParameter(
              "Invalid parameter: Attributes Reason: Topic already exists with different "
              "attributes"));
        }
      }
      if (!in.tags.empty()) {
        auto sorted = [](std::vector<Tag> tags) {
          std::sort(tags.begin(), tags.end(),
                    [](const Tag& a, const Tag& b) { return a.key < b.key; });
          return tags;
        };
        if (sorted(in.tags) != sorted(it->second.tags)) {
          return Fail(InvalidParameter(
              "Invalid parameter: Tags Reason: Topic already exists with different tags"));
        }
      }
      return arn;
    }
    created = Topic{arn,     in.name, ctx.region,       ctx.account, std::move(attributes),
                    in.tags, 0,       clock_.NowNanos()};
    commit = PersistTopic(*created);
  }
  if (auto status = Await(std::move(commit)); !status) return Fail(status.error());
  common::MutexLock lock(mu_);
  topics_.emplace(arn, std::move(*created));
  return arn;
}

Status SnsService::DeleteTopic(const RequestContext& ctx, const std::string& topic_arn) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", topic_arn); !status) return status;
  common::MutexLock update(update_mu_);
  Commit commit;
  {
    common::MutexLock lock(mu_);
    if (!topics_.contains(topic_arn)) return {};  // deleting a missing topic is not an error
    commit = writer_.Submit(
        [topic_arn](storage::Database& db) { return storage::DeleteTopic(db, topic_arn); });
  }
  if (auto status = Await(std::move(commit)); !status) return status;
  {
    common::MutexLock lock(mu_);
    topics_.erase(topic_arn);
    const std::string prefix = topic_arn + ":";
    for (auto it = subscriptions_.lower_bound(prefix);
         it != subscriptions_.end() && common::StartsWith(it->first, prefix);) {
      if (!it->second.token.empty()) tokens_.erase(it->second.token);
      it = subscriptions_.erase(it);
    }
  }
  return {};
}

Result<Page<std::string>> SnsService::ListTopics(const RequestContext& ctx,
                                                 const std::optional<std::string>& next_token) {
  auto start = DecodeToken(next_token);
  if (!start) return Fail(start.error());
  const std::string prefix = "arn:aws:sns:" + ctx.region + ":" + ctx.account + ":";
  Page<std::string> page;
  common::MutexLock lock(mu_);
  auto it = topics_.lower_bound(start->value_or(prefix));
  for (; it != topics_.end() && common::StartsWith(it->first, prefix); ++it) {
    if (page.items.size() == kPageSize) {
      page.next_token = common::Base64Encode(it->first);
      break;
    }
    page.items.push_back(it->first);
  }
  return page;
}

AttributeMap SnsService::TopicAttributes(const Topic& topic) const {
  AttributeMap out = topic.attributes;
  out.erase("DataProtectionPolicy");
  out["TopicArn"] = topic.arn;
  out["Owner"] = topic.account;
  if (!out.contains("Policy")) out["Policy"] = DefaultTopicPolicy(topic.arn, topic.account);
  if (!out.contains("DisplayName")) out["DisplayName"] = "";
  auto delivery = topic.attributes.find("DeliveryPolicy");
  out["EffectiveDeliveryPolicy"] = EffectiveTopicDeliveryPolicy(
      delivery == topic.attributes.end() ? std::string_view() : delivery->second);
  int confirmed = 0;
  int pending = 0;
  const std::string prefix = topic.arn + ":";
  for (auto it = subscriptions_.lower_bound(prefix);
       it != subscriptions_.end() && common::StartsWith(it->first, prefix); ++it) {
    (it->second.confirmed ? confirmed : pending)++;
  }
  out["SubscriptionsConfirmed"] = std::to_string(confirmed);
  out["SubscriptionsPending"] = std::to_string(pending);
  out["SubscriptionsDeleted"] = "0";
  return out;
}

Result<AttributeMap> SnsService::GetTopicAttributes(const RequestContext& ctx,
                                                    const std::string& topic_arn) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", topic_arn); !status) {
    return Fail(status.error());
  }
  common::MutexLock lock(mu_);
  auto it = topics_.find(topic_arn);
  if (it == topics_.end()) return TopicNotFoundError();
  return TopicAttributes(it->second);
}

Status SnsService::SetTopicAttributes(const RequestContext& ctx, const std::string& topic_arn,
                                      const std::string& name, const std::string& value) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", topic_arn); !status) return status;
  return UpdateTopic(topic_arn, TopicNotFoundError(), [&](Topic& topic) -> Result<bool> {
    auto normalized = NormalizeTopicAttribute(name, value, topic.fifo(), TopicAttributeUse::kSet);
    if (!normalized) return Fail(normalized.error());
    if (normalized->empty() && name != "DisplayName") {
      topic.attributes.erase(name);
    } else {
      topic.attributes[name] = *normalized;
    }
    return true;
  });
}

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
  auto start = DecodeToken(next_token);
  if (!start) return Fail(start.error());
  Page<SubscriptionSummary> page;
  common::MutexLock lock(mu_);
  if (by_topic && !topics_.contains(prefix.substr(0, prefix.size() - 1)))
    return TopicNotFoundError();
  const std::string account_prefix = "arn:aws:sns:" + ctx.region + ":" + ctx.account + ":";
  auto it = subscriptions_.lower_bound(start->value_or(prefix));
  for (; it != subscriptions_.end() && common::StartsWith(it->first, prefix); ++it) {
    if (!common::StartsWith(it->first, account_prefix)) continue;
    if (page.items.size() == kPageSize) {
      page.next_token = common::Base64Encode(it->first);
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
  if (it == subscriptions_.end()) return SubscriptionNotFound();
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
    out["EffectiveDeliveryPolicy"] = EffectiveSubscriptionDeliveryPolicy(
        delivery == sub.attributes.end() ? std::string_view() : delivery->second);
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

Status SnsService::TagResource(const RequestContext& ctx, const std::string& arn,
                               const std::vector<Tag>& tags) {
  (void)ctx;
  if (auto status = CheckArnShape("ResourceArn", arn); !status) return status;
  if (auto status = ValidateTags(tags); !status) return status;
  return UpdateTopic(arn, ResourceNotFound(), [&](Topic& topic) -> Result<bool> {
    std::vector<Tag> merged = topic.tags;
    for (const Tag& tag : tags) {
      auto existing = std::find_if(merged.begin(), merged.end(),
                                   [&](const Tag& t) { return t.key == tag.key; });
      if (existing != merged.end()) {
        existing->value = tag.value;
      } else {
        merged.push_back(tag);
      }
    }
    if (merged.size() > kMaxTags) {
      return Fail(ErrorCode::kTagLimitExceeded,
                  "Could not complete request: tag quota of per resource exceeded");
    }
    topic.tags = std::move(merged);
    return true;
  });
}

Status SnsService::UntagResource(const RequestContext& ctx, const std::string& arn,
                                 const std::vector<std::string>& keys) {
  (void)ctx;
  if (auto status = CheckArnShape("ResourceArn", arn); !status) return status;
  return UpdateTopic(arn, ResourceNotFound(), [&](Topic& topic) -> Result<bool> {
    std::erase_if(topic.tags, [&](const Tag& tag) {
      return std::find(keys.begin(), keys.end(), tag.key) != keys.end();
    });
    return true;
  });
}

Result<std::vector<Tag>> SnsService::ListTagsForResource(const RequestContext& ctx,
                                                         const std::string& arn) {
  (void)ctx;
  if (auto status = CheckArnShape("ResourceArn", arn); !status) return Fail(status.error());
  common::MutexLock lock(mu_);
  auto it = topics_.find(arn);
  if (it == topics_.end()) return ResourceNotFound();
  return it->second.tags;
}

Status SnsService::AddPermission(const RequestContext& ctx, const AddPermissionInput& in) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", in.topic_arn); !status) return status;
  if (in.account_ids.empty() || in.action_names.empty()) {
    return Fail(InvalidParameter(in.account_ids.empty()
                                     ? "Invalid parameter: AWSAccountId Reason: no value"
                                     : "Invalid parameter: ActionName Reason: no value"));
  }
  return UpdateTopic(in.topic_arn, TopicNotFoundError(), [&](Topic& topic) -> Result<bool> {
    auto policy_it = topic.attributes.find("Policy");
    json policy = json::parse(policy_it != topic.attributes.end()
                                  ? policy_it->second
                                  : DefaultTopicPolicy(topic.arn, topic.account),
                              nullptr, false);
    if (!policy.is_object()) policy = json::object();
    json& statements = policy["Statement"];
    if (!statements.is_array()) statements = json::array();
    for (const auto& statement : statements) {
      if (statement.value("Sid", "") == in.label) {
        return Fail(InvalidParameter("Invalid parameter: Statement already exists"));
      }
    }
    json principals = json::array();
    for (const auto& account : in.account_ids) {
      principals.push_back("arn:aws:iam::" + account + ":root");
    }
    json actions = json::array();
    for (const auto& action : in.action_names) actions.push_back("SNS:" + action);
    statements.push_back(
        {{"Sid", in.label},
         {"Effect", "Allow"},
         {"Principal", {{"AWS", principals.size() == 1 ? principals[0] : principals}}},
         {"Action", actions.size() == 1 ? actions[0] : actions},
         {"Resource", in.topic_arn}});
    topic.attributes["Policy"] = policy.dump();
    return true;
  });
}

Status SnsService::RemovePermission(const RequestContext& ctx, const std::string& topic_arn,
                                    const std::string& label) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", topic_arn); !status) return status;
  return UpdateTopic(topic_arn, TopicNotFoundError(), [&](Topic& topic) -> Result<bool> {
    auto policy_it = topic.attributes.find("Policy");
    if (policy_it == topic.attributes.end()) return false;
    json policy = json::parse(policy_it->second, nullptr, false);
    if (!policy.is_object() || !policy["Statement"].is_array()) return false;
    auto& statements = policy["Statement"];
    const auto before = statements.size();
    statements.erase(std::remove_if(statements.begin(), statements.end(),
                                    [&](const json& s) { return s.value("Sid", "") == label; }),
                     statements.end());
    if (statements.size() == before) return false;
    policy_it->second = policy.dump();
    return true;
  });
}

Result<std::string> SnsService::GetDataProtectionPolicy(const RequestContext& ctx,
                                                        const std::string& arn) {
  if (auto status = CheckTopicArn(ctx, "ResourceArn", arn); !status) return Fail(status.error());
  common::MutexLock lock(mu_);
  auto it = topics_.find(arn);
  if (it == topics_.end()) return TopicNotFoundError();
  auto policy = it->second.attributes.find("DataProtectionPolicy");
  return policy == it->second.attributes.end() ? std::string() : policy->second;
}

Status SnsService::PutDataProtectionPolicy(const RequestContext& ctx, const std::string& arn,
                                           const std::string& policy) {
  if (auto status = CheckTopicArn(ctx, "ResourceArn", arn); !status) return status;
  if (auto status = ValidateJsonAttribute("DataProtectionPolicy", policy, ""); !status) {
    return status;
  }
  return UpdateTopic(arn, TopicNotFoundError(), [&](Topic& topic) -> Result<bool> {
    topic.attributes["DataProtectionPolicy"] = policy;
    return true;
  });
}

SnsService::Counts SnsService::counts() const {
  common::MutexLock lock(mu_);
  return Counts{topics_.size(), subscriptions_.size(), messages_};
}

}  // namespace offstage::sns

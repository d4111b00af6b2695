// SnsService's core: construction, loading the state from the database at start (topics,
// subscriptions, the FIFO deduplication window, fan-outs still owed), and the persistence
// machinery the API files share: a change is committed first and swapped into memory only once
// durable (PersistTopic / PersistSubscription, Await, UpdateTopic / UpdateSubscription). The
// topic API is in topics.cc, the subscription API in subscriptions.cc, Publish in publish.cc,
// the fan-out in fanout.cc. Thread model: any HTTP worker thread (see sns_service.h); Load runs
// once, before serving.
#include "emulator/sns/sns_service.h"

#include <nlohmann/json.hpp>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/sns/attributes.h"
#include "emulator/sns/validation.h"
#include "emulator/storage/sns_store.h"

namespace offstage::sns {
namespace {

using common::Fail;
using common::InvalidParameter;
using nlohmann::json;

std::string AttributesToJson(const AttributeMap& attributes) {
  return json(attributes).dump(-1, ' ', false, common::kReplaceInvalidUtf8);
}

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
  return out.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
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

}  // namespace

bool SnsService::Topic::fifo() const {
  auto it = attributes.find("FifoTopic");
  return it != attributes.end() && it->second == "true";
}

std::string SnsService::Topic::signature_version() const {
  auto it = attributes.find("SignatureVersion");
  return it == attributes.end() ? "1" : it->second;
}

SnsService::SnsService(SnsPeers peers, storage::Writer& writer, telemetry::Recorder& recorder,
                       const common::Clock& clock, common::IdGenerator& ids, common::Logger& log)
    : fanouts_(peers.fanouts),
      http_(peers.http),
      signer_(peers.signer),
      delivery_(std::move(peers.delivery)),
      writer_(writer),
      recorder_(recorder),
      clock_(clock),
      ids_(ids),
      log_(log) {}

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
        row.created_ns, nullptr,       nullptr,      std::nullopt};
    if (auto filter = ParseFilter(sub.attributes, ""); filter) sub.filter = *filter;
    Replan(sub);  // the topics are in memory already
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
  size_t queued = 0;                // run once the Fanout starts
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
    fanouts_.Add(0, std::move(job));
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
  // Its subscriptions' plans follow its DeliveryPolicy.
  const std::string prefix = arn + ":";
  for (auto sub = subscriptions_.lower_bound(prefix);
       sub != subscriptions_.end() && common::StartsWith(sub->first, prefix); ++sub) {
    Replan(sub->second);
  }
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
    if (it == subscriptions_.end()) return SubscriptionNotFoundError();
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
  Replan(*copy);
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

SnsService::Counts SnsService::counts() const {
  common::MutexLock lock(mu_);
  return Counts{topics_.size(), subscriptions_.size(), messages_};
}

}  // namespace offstage::sns

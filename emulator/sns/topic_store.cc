// TopicStore (topic_store.h): loading the topics and subscriptions, and the one way they
// change — validated on a copy, committed, then swapped in. Also the rows they are stored as.
// Thread model: any thread (see topic_store.h).
#include "emulator/sns/topic_store.h"

#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/sns/planner.h"
#include "emulator/storage/sns_store.h"

namespace offstage::sns {
namespace {

using common::Fail;
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

// The sequence number is the MessageLog's: an upsert never lowers it (MAX in UpsertTopic).
storage::TopicRow ToRow(const Topic& topic) {
  return storage::TopicRow{topic.arn,
                           topic.name,
                           topic.region,
                           topic.account,
                           AttributesToJson(topic.attributes),
                           TagsToJson(topic.tags),
                           0,
                           0,
                           topic.created_ns};
}

Topic FromRow(const storage::TopicRow& row) {
  return Topic{row.arn,
               row.name,
               row.region,
               row.account,
               AttributesFromJson(row.attributes_json),
               TagsFromJson(row.tags_json),
               row.created_ns};
}

storage::SubscriptionRow ToRow(const Subscription& sub) {
  return storage::SubscriptionRow{
      sub.arn,       sub.topic_arn, sub.protocol, sub.endpoint,
      sub.owner,     sub.confirmed, sub.token,    AttributesToJson(sub.attributes),
      sub.created_ns};
}

Subscription FromRow(const storage::SubscriptionRow& row) {
  Subscription sub;
  sub.arn = row.arn;
  sub.topic_arn = row.topic_arn;
  sub.protocol = row.protocol;
  sub.endpoint = row.endpoint;
  sub.owner = row.owner;
  sub.confirmed = row.confirmed;
  sub.token = row.token;
  sub.attributes = AttributesFromJson(row.attributes_json);
  sub.created_ns = row.created_ns;
  // Stored policies were valid when set; one that no longer parses filters nothing.
  if (auto filter = ParseFilter(sub.attributes, ""); filter) sub.filter = *filter;
  return sub;
}

}  // namespace

TopicStore::TopicStore(storage::Writer& writer, common::Logger& log) : writer_(writer), log_(log) {}

Status TopicStore::Load() {
  std::vector<storage::TopicRow> topic_rows;
  std::vector<storage::SubscriptionRow> sub_rows;
  auto status = writer_.Query([&](storage::Database& db) -> Status {
    auto topics = storage::LoadTopics(db);
    if (!topics) return Fail(topics.error());
    auto subs = storage::LoadSubscriptions(db);
    if (!subs) return Fail(subs.error());
    topic_rows = std::move(*topics);
    sub_rows = std::move(*subs);
    return {};
  });
  if (!status) return status;
  common::MutexLock update(update_mu_);
  common::MutexLock lock(mu_);
  for (const auto& row : topic_rows) state_.topics.emplace(row.arn, FromRow(row));
  for (const auto& row : sub_rows) {
    Subscription sub = FromRow(row);
    Replan(sub, state_.topic(sub.topic_arn));  // the topics are in already
    if (!sub.confirmed && !sub.token.empty()) state_.tokens[sub.token] = sub.arn;
    state_.subscriptions.emplace(row.arn, std::move(sub));
  }
  return {};
}

Status TopicStore::Commit(storage::Writer::Job job) {
  if (auto status = writer_.Call(std::move(job)); !status) {
    log_.Error("could not persist a change: " + status.error().message);
    return status;
  }
  return {};
}

Status TopicStore::UpdateTopic(const std::string& arn, const TopicChange& change) {
  common::MutexLock update(update_mu_);
  std::optional<Topic> copy;
  bool existed = false;
  {
    common::MutexLock lock(mu_);
    if (const Topic* now = state_.topic(arn)) copy = *now;
    existed = copy.has_value();
    auto changed = change(state_, copy);
    if (!changed) return Fail(changed.error());
    if (!*changed || (!existed && !copy)) return {};
  }
  Status committed =
      copy ? Commit([row = ToRow(*copy)](storage::Database& db) {
        return storage::UpsertTopic(db, row);
      })
           : Commit([arn](storage::Database& db) { return storage::DeleteTopic(db, arn); });
  if (!committed) return committed;
  common::MutexLock lock(mu_);
  if (!copy) {
    state_.topics.erase(arn);
    const std::string prefix = arn + ":";
    for (auto it = state_.subscriptions.lower_bound(prefix);
         it != state_.subscriptions.end() && it->first.starts_with(prefix);) {
      if (!it->second.token.empty()) state_.tokens.erase(it->second.token);
      it = state_.subscriptions.erase(it);
    }
    return {};
  }
  const Topic& installed = state_.topics.insert_or_assign(arn, std::move(*copy)).first->second;
  // Its subscriptions' plans follow its DeliveryPolicy.
  const std::string prefix = arn + ":";
  for (auto it = state_.subscriptions.lower_bound(prefix);
       it != state_.subscriptions.end() && it->first.starts_with(prefix); ++it) {
    Replan(it->second, &installed);
  }
  return {};
}

Status TopicStore::UpdateSubscription(const std::string& arn, const SubscriptionChange& change) {
  common::MutexLock update(update_mu_);
  std::optional<Subscription> copy;
  bool existed = false;
  {
    common::MutexLock lock(mu_);
    if (const Subscription* now = state_.subscription(arn)) copy = *now;
    existed = copy.has_value();
    auto changed = change(state_, copy);
    if (!changed) return Fail(changed.error());
    if (!*changed || (!existed && !copy)) return {};
    // The topic cannot change before the swap: update_mu_ is held until then.
    if (copy) Replan(*copy, state_.topic(copy->topic_arn));
  }
  Status committed =
      copy ? Commit([row = ToRow(*copy)](storage::Database& db) {
        return storage::UpsertSubscription(db, row);
      })
           : Commit([arn](storage::Database& db) { return storage::DeleteSubscription(db, arn); });
  if (!committed) return committed;
  common::MutexLock lock(mu_);
  if (auto old = state_.subscriptions.find(arn); old != state_.subscriptions.end()) {
    if (!old->second.token.empty()) state_.tokens.erase(old->second.token);
    if (!copy) state_.subscriptions.erase(old);
  }
  if (copy) {
    if (!copy->confirmed && !copy->token.empty()) state_.tokens[copy->token] = arn;
    state_.subscriptions.insert_or_assign(arn, std::move(*copy));
  }
  return {};
}

}  // namespace offstage::sns

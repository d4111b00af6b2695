// SQL for SNS state: topics, subscriptions and accepted messages, as plain rows (storage/
// knows no SNS types; sns/ maps them). Every function takes the Database and so runs on the
// Writer thread (or before it starts, at load).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emulator/storage/database.h"

namespace offstage::storage {

// FIFO topics' deduplication window (5 minutes): a message whose deduplication id was accepted
// on its topic less than this long ago is a duplicate (sns::SnsService), so a FIFO message is
// kept at least this long whatever the retention (Pruner).
inline constexpr int64_t kFifoDedupWindowNs = 300'000'000'000;

struct TopicRow {
  std::string arn;
  std::string name;
  std::string region;
  std::string account;
  std::string attributes_json;
  std::string tags_json;
  int64_t next_sequence = 0;
  int64_t subscriptions_deleted = 0;
  int64_t created_ns = 0;
};

struct SubscriptionRow {
  std::string arn;
  std::string topic_arn;
  std::string protocol;
  std::string endpoint;
  std::string owner;
  bool confirmed = false;
  std::string token;
  std::string attributes_json;
  int64_t created_ns = 0;
};

struct MessageRow {
  std::string message_id;
  std::string topic_arn;
  std::optional<std::string> subject;
  std::string body;
  std::optional<std::string> structure;
  std::string attributes_json;
  std::optional<std::string> group_id;
  std::optional<std::string> dedup_id;
  std::optional<std::string> sequence_number;
  std::string source_request_id;
  int64_t received_ns = 0;
  std::string trace_id;
  // The fan-out still owed: "*" (every subscription) or one subscription's ARN; nullopt once
  // the deliveries are committed (or when there was nobody to deliver to).
  std::optional<std::string> fanout;
};

Status UpsertTopic(Database& db, const TopicRow& row);
// Deletes the topic and its subscriptions.
Status DeleteTopic(Database& db, const std::string& arn);
Status UpsertSubscription(Database& db, const SubscriptionRow& row);
Status DeleteSubscription(Database& db, const std::string& arn);
Status SetTopicSequence(Database& db, const std::string& arn, int64_t next_sequence);
Status InsertMessage(Database& db, const MessageRow& row);

Result<std::vector<TopicRow>> LoadTopics(Database& db);
Result<std::vector<SubscriptionRow>> LoadSubscriptions(Database& db);
Result<int64_t> CountMessages(Database& db);
// FIFO messages (with a deduplication id) received at or after `since_ns`, oldest first.
Result<std::vector<MessageRow>> MessagesSince(Database& db, int64_t since_ns);
Result<std::optional<MessageRow>> FindMessage(Database& db, const std::string& message_id);
// Messages whose fan-out was not committed before the daemon stopped, oldest first.
Result<std::vector<MessageRow>> PendingFanouts(Database& db);
// The messages' deliveries are committed (or there is nobody to deliver to): nothing is owed.
Status FinishFanout(Database& db, const std::vector<std::string>& message_ids);

}  // namespace offstage::storage

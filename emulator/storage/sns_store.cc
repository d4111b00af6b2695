#include "emulator/storage/sns_store.h"

namespace offstage::storage {
namespace {

std::optional<std::string> OptText(const Statement& stmt, int index) {
  if (stmt.ColumnIsNull(index)) return std::nullopt;
  return stmt.ColumnText(index);
}

constexpr const char* kMessageColumns =
    "message_id, topic_arn, subject, body, structure, attributes, group_id, dedup_id, "
    "sequence_number, source_request_id, received_ns, trace_id, fanout";

MessageRow ReadMessage(const Statement& stmt) {
  MessageRow row;
  row.message_id = stmt.ColumnText(0);
  row.topic_arn = stmt.ColumnText(1);
  row.subject = OptText(stmt, 2);
  row.body = stmt.ColumnText(3);
  row.structure = OptText(stmt, 4);
  row.attributes_json = stmt.ColumnText(5);
  row.group_id = OptText(stmt, 6);
  row.dedup_id = OptText(stmt, 7);
  row.sequence_number = OptText(stmt, 8);
  row.source_request_id = stmt.ColumnText(9);
  row.received_ns = stmt.ColumnInt(10);
  row.trace_id = stmt.ColumnText(11);
  row.fanout = OptText(stmt, 12);
  return row;
}

}  // namespace

Status UpsertTopic(Database& db, const TopicRow& row) {
  auto stmt = db.Prepare(
      "INSERT INTO topics (arn, name, region, account, attributes, tags, next_sequence, "
      "subscriptions_deleted, created_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT(arn) DO UPDATE SET attributes = ?5, tags = ?6, "
      "next_sequence = MAX(next_sequence, ?7), "
      "subscriptions_deleted = ?8");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)
      ->Bind(1, row.arn)
      .Bind(2, row.name)
      .Bind(3, row.region)
      .Bind(4, row.account)
      .Bind(5, row.attributes_json)
      .Bind(6, row.tags_json)
      .Bind(7, row.next_sequence)
      .Bind(8, row.subscriptions_deleted)
      .Bind(9, row.created_ns);
  return (*stmt)->Run();
}

Status DeleteTopic(Database& db, const std::string& arn) {
  for (const char* sql :
       {"DELETE FROM subscriptions WHERE topic_arn = ?1", "DELETE FROM topics WHERE arn = ?1"}) {
    auto stmt = db.Prepare(sql);
    if (!stmt) return common::Fail(stmt.error());
    (*stmt)->Bind(1, arn);
    if (auto status = (*stmt)->Run(); !status) return status;
  }
  return {};
}

Status UpsertSubscription(Database& db, const SubscriptionRow& row) {
  auto stmt = db.Prepare(
      "INSERT INTO subscriptions (arn, topic_arn, protocol, endpoint, owner, confirmed, token, "
      "attributes, created_ns) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) "
      "ON CONFLICT(arn) DO UPDATE SET confirmed = ?6, token = ?7, attributes = ?8");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)
      ->Bind(1, row.arn)
      .Bind(2, row.topic_arn)
      .Bind(3, row.protocol)
      .Bind(4, row.endpoint)
      .Bind(5, row.owner)
      .Bind(6, static_cast<int64_t>(row.confirmed))
      .Bind(7, row.token)
      .Bind(8, row.attributes_json)
      .Bind(9, row.created_ns);
  return (*stmt)->Run();
}

Status DeleteSubscription(Database& db, const std::string& arn) {
  auto stmt = db.Prepare("DELETE FROM subscriptions WHERE arn = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, arn);
  return (*stmt)->Run();
}

Status SetTopicSequence(Database& db, const std::string& arn, int64_t next_sequence) {
  auto stmt = db.Prepare("UPDATE topics SET next_sequence = MAX(next_sequence, ?2) WHERE arn = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, arn).Bind(2, next_sequence);
  return (*stmt)->Run();
}

Status InsertMessage(Database& db, const MessageRow& row) {
  auto stmt = db.Prepare(
      "INSERT INTO messages (message_id, topic_arn, subject, body, structure, attributes, "
      "group_id, dedup_id, sequence_number, source_request_id, received_ns, trace_id, fanout) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)
      ->Bind(1, row.message_id)
      .Bind(2, row.topic_arn)
      .BindOptional(3, row.subject)
      .Bind(4, row.body)
      .BindOptional(5, row.structure)
      .Bind(6, row.attributes_json)
      .BindOptional(7, row.group_id)
      .BindOptional(8, row.dedup_id)
      .BindOptional(9, row.sequence_number)
      .Bind(10, row.source_request_id)
      .Bind(11, row.received_ns)
      .Bind(12, row.trace_id)
      .BindOptional(13, row.fanout);
  return (*stmt)->Run();
}

Result<std::vector<TopicRow>> LoadTopics(Database& db) {
  auto stmt = db.Prepare(
      "SELECT arn, name, region, account, attributes, tags, next_sequence, "
      "subscriptions_deleted, created_ns FROM topics ORDER BY created_ns, arn");
  if (!stmt) return common::Fail(stmt.error());
  return CollectRows(**stmt, [](const Statement& s) {
    return TopicRow{s.ColumnText(0), s.ColumnText(1), s.ColumnText(2),
                    s.ColumnText(3), s.ColumnText(4), s.ColumnText(5),
                    s.ColumnInt(6),  s.ColumnInt(7),  s.ColumnInt(8)};
  });
}

Result<std::vector<SubscriptionRow>> LoadSubscriptions(Database& db) {
  auto stmt = db.Prepare(
      "SELECT arn, topic_arn, protocol, endpoint, owner, confirmed, token, attributes, "
      "created_ns FROM subscriptions ORDER BY created_ns, arn");
  if (!stmt) return common::Fail(stmt.error());
  return CollectRows(**stmt, [](const Statement& s) {
    return SubscriptionRow{s.ColumnText(0), s.ColumnText(1), s.ColumnText(2),
                           s.ColumnText(3), s.ColumnText(4), s.ColumnInt(5) != 0,
                           s.ColumnText(6), s.ColumnText(7), s.ColumnInt(8)};
  });
}

Result<int64_t> CountMessages(Database& db) {
  auto stmt = db.Prepare("SELECT count(*) FROM messages");
  if (!stmt) return common::Fail(stmt.error());
  auto row = (*stmt)->Step();
  if (!row) return common::Fail(row.error());
  const int64_t count = (*stmt)->ColumnInt(0);
  (*stmt)->Reset();
  return count;
}

Result<std::vector<MessageRow>> MessagesSince(Database& db, int64_t since_ns) {
  auto stmt =
      db.Prepare(std::string("SELECT ") + kMessageColumns +
                 " FROM messages WHERE dedup_id IS NOT NULL AND received_ns >= ?1 ORDER BY seq");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, since_ns);
  return CollectRows(**stmt, ReadMessage);
}

Result<std::optional<MessageRow>> FindMessage(Database& db, const std::string& message_id) {
  auto stmt =
      db.Prepare(std::string("SELECT ") + kMessageColumns + " FROM messages WHERE message_id = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, message_id);
  return FirstRow(**stmt, ReadMessage);
}

Result<std::vector<MessageRow>> PendingFanouts(Database& db) {
  auto stmt = db.Prepare(std::string("SELECT ") + kMessageColumns +
                         " FROM messages WHERE fanout IS NOT NULL ORDER BY seq");
  if (!stmt) return common::Fail(stmt.error());
  return CollectRows(**stmt, ReadMessage);
}

Status FinishFanout(Database& db, const std::vector<std::string>& message_ids) {
  auto stmt = db.Prepare("UPDATE messages SET fanout = NULL WHERE message_id = ?1");
  if (!stmt) return common::Fail(stmt.error());
  for (const auto& id : message_ids) {
    (*stmt)->Bind(1, id);
    if (auto status = (*stmt)->Run(); !status) return status;
  }
  return {};
}

}  // namespace offstage::storage

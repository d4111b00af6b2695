// SQS's SQL (sqs_store.h).
#include "emulator/storage/sqs_store.h"

namespace offstage::storage {

common::Status UpsertSqsQueue(Database& db, const SqsQueueRow& row) {
  auto stmt = db.Prepare(
      "INSERT INTO sqs_queues (arn, document) VALUES (?1, ?2) "
      "ON CONFLICT(arn) DO UPDATE SET document = ?2");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, row.arn).Bind(2, row.document);
  return (*stmt)->Run();
}

common::Status DeleteSqsQueue(Database& db, const std::string& arn) {
  if (auto status = PurgeSqsMessages(db, arn); !status) return status;
  auto stmt = db.Prepare("DELETE FROM sqs_queues WHERE arn = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, arn);
  return (*stmt)->Run();
}

common::Result<std::vector<SqsQueueRow>> LoadSqsQueues(Database& db) {
  auto stmt = db.Prepare("SELECT arn, document FROM sqs_queues ORDER BY arn");
  if (!stmt) return common::Fail(stmt.error());
  return CollectRows(**stmt, [](const Statement& s) {
    return SqsQueueRow{s.ColumnText(0), s.ColumnText(1)};
  });
}

common::Status InsertSqsMessage(Database& db, const SqsMessageRow& row) {
  auto stmt = db.Prepare(
      "INSERT INTO sqs_messages (queue_arn, seq, message_id, body, attributes, system, group_id, "
      "dedup_id, sequence_number, sent_ns, visible_ns, receive_count, first_receive_ns, receipt) "
      "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)
      ->Bind(1, row.queue_arn)
      .Bind(2, row.seq)
      .Bind(3, row.message_id)
      .Bind(4, row.body)
      .Bind(5, row.attributes)
      .Bind(6, row.system)
      .BindOptional(7, row.group_id)
      .BindOptional(8, row.dedup_id)
      .BindOptional(9, row.sequence_number)
      .Bind(10, row.sent_ns)
      .Bind(11, row.visible_ns)
      .Bind(12, row.receive_count)
      .Bind(13, row.first_receive_ns)
      .BindOptional(14, row.receipt);
  return (*stmt)->Run();
}

common::Status UpdateSqsReceipt(Database& db, const std::string& queue_arn, int64_t seq,
                                int64_t visible_ns, int64_t receive_count, int64_t first_receive_ns,
                                const std::optional<std::string>& receipt) {
  auto stmt = db.Prepare(
      "UPDATE sqs_messages SET visible_ns = ?3, receive_count = ?4, first_receive_ns = ?5, "
      "receipt = ?6 WHERE queue_arn = ?1 AND seq = ?2");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)
      ->Bind(1, queue_arn)
      .Bind(2, seq)
      .Bind(3, visible_ns)
      .Bind(4, receive_count)
      .Bind(5, first_receive_ns)
      .BindOptional(6, receipt);
  return (*stmt)->Run();
}

common::Status DeleteSqsMessage(Database& db, const std::string& queue_arn, int64_t seq) {
  auto stmt = db.Prepare("DELETE FROM sqs_messages WHERE queue_arn = ?1 AND seq = ?2");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, queue_arn).Bind(2, seq);
  return (*stmt)->Run();
}

common::Status PurgeSqsMessages(Database& db, const std::string& queue_arn) {
  auto stmt = db.Prepare("DELETE FROM sqs_messages WHERE queue_arn = ?1");
  if (!stmt) return common::Fail(stmt.error());
  (*stmt)->Bind(1, queue_arn);
  return (*stmt)->Run();
}

common::Result<std::vector<SqsMessageRow>> LoadSqsMessages(Database& db) {
  auto stmt = db.Prepare(
      "SELECT queue_arn, seq, message_id, body, attributes, system, group_id, dedup_id, "
      "sequence_number, sent_ns, visible_ns, receive_count, first_receive_ns, receipt "
      "FROM sqs_messages ORDER BY queue_arn, seq");
  if (!stmt) return common::Fail(stmt.error());
  return CollectRows(**stmt, [](const Statement& s) {
    auto optional = [&s](int i) -> std::optional<std::string> {
      if (s.ColumnIsNull(i)) return std::nullopt;
      return s.ColumnText(i);
    };
    SqsMessageRow row;
    row.queue_arn = s.ColumnText(0);
    row.seq = s.ColumnInt(1);
    row.message_id = s.ColumnText(2);
    row.body = s.ColumnText(3);
    row.attributes = s.ColumnText(4);
    row.system = s.ColumnText(5);
    row.group_id = optional(6);
    row.dedup_id = optional(7);
    row.sequence_number = optional(8);
    row.sent_ns = s.ColumnInt(9);
    row.visible_ns = s.ColumnInt(10);
    row.receive_count = s.ColumnInt(11);
    row.first_receive_ns = s.ColumnInt(12);
    row.receipt = optional(13);
    return row;
  });
}

}  // namespace offstage::storage

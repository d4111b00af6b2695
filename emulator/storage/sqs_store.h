// SQL for SQS (sqs/): a queue is one row holding its configuration as a JSON document (sqs/
// owns its shape); a message is one row in its queue's send order, with the state of its
// current receipt. Functions take the Database the writer runs them on; thread model: the
// writer's (or a Query's) thread only.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/storage/database.h"

namespace offstage::storage {

struct SqsQueueRow {
  std::string arn;
  std::string document;
};

struct SqsMessageRow {
  std::string queue_arn;
  int64_t seq = 0;
  std::string message_id;
  std::string body;
  std::string attributes;  // JSON
  std::string system;      // JSON
  std::optional<std::string> group_id;
  std::optional<std::string> dedup_id;
  std::optional<std::string> sequence_number;
  int64_t sent_ns = 0;
  int64_t visible_ns = 0;
  int64_t receive_count = 0;
  int64_t first_receive_ns = 0;
  std::optional<std::string> receipt;
};

common::Status UpsertSqsQueue(Database& db, const SqsQueueRow& row);
// The queue and every message it holds.
common::Status DeleteSqsQueue(Database& db, const std::string& arn);
common::Result<std::vector<SqsQueueRow>> LoadSqsQueues(Database& db);

common::Status InsertSqsMessage(Database& db, const SqsMessageRow& row);
// A receive or a visibility change: the receipt's state.
common::Status UpdateSqsReceipt(Database& db, const std::string& queue_arn, int64_t seq,
                                int64_t visible_ns, int64_t receive_count, int64_t first_receive_ns,
                                const std::optional<std::string>& receipt);
common::Status DeleteSqsMessage(Database& db, const std::string& queue_arn, int64_t seq);
common::Status PurgeSqsMessages(Database& db, const std::string& queue_arn);
common::Result<std::vector<SqsMessageRow>> LoadSqsMessages(Database& db);

}  // namespace offstage::storage

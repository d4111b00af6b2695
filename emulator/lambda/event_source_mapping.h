// EventSourceMapping: an SQS -> Lambda event source mapping as Lambda keeps it, and the pure
// pieces of its polling: the SQS event a batch becomes (AWS's shape: Records[] with messageId,
// receiptHandle, body, attributes, messageAttributes, md5OfBody, eventSource,
// eventSourceARN, awsRegion) and the partial batch response a handler answers
// (ReportBatchItemFailures). Plain values; the functions are pure.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/sqs/sqs_service.h"

namespace offstage::lambda {

struct EventSourceMapping {
  std::string uuid;
  std::string region;
  std::string account;
  std::string event_source_arn;
  std::string function_arn;  // as resolved: qualified when the mapping names a version or alias
  int batch_size = 10;
  int max_batching_window_s = 0;
  bool enabled = true;
  bool report_batch_item_failures = false;  // FunctionResponseTypes
  std::optional<int> maximum_concurrency;   // ScalingConfig
  // FilterCriteria.Filters[].Pattern, as given (ORed: a record matching one is delivered;
  // one matching none is deleted from the queue unseen, as AWS does).
  std::vector<std::string> filter_patterns;
  int64_t last_modified_ns = 0;
  // What the last poll said when it could not invoke (the function is gone, ...): AWS's
  // LastProcessingResult. "OK" once a batch ran.
  std::string last_processing_result = "No records processed";

  std::string arn() const;  // arn:aws:lambda:<region>:<account>:event-source-mapping:<uuid>
  std::string ToDocument() const;
  static common::Result<EventSourceMapping> FromDocument(const std::string& document);
};

// The event a batch of received messages becomes.
std::string SqsEvent(const std::vector<sqs::ReceivedMessage>& batch,
                     const std::string& event_source_arn, const std::string& region);

// The message ids a handler reported failed ({"batchItemFailures":[{"itemIdentifier":ID}]}),
// or nullopt when the answer is not a valid partial batch response (then, as AWS, the whole
// batch counts as failed). An empty or null list: the whole batch succeeded.
std::optional<std::set<std::string>> BatchItemFailures(const std::string& payload,
                                                       const std::set<std::string>& batch_ids);

}  // namespace offstage::lambda

// Queue: an SQS queue's configuration, the value the QueueStore keeps (queue_store.h), and the
// rules of its attributes (AWS's names, ranges, defaults and error texts). A plain value; the
// functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::sqs {

using common::Result;
using common::Status;

struct RedrivePolicy {
  std::string dead_letter_target_arn;
  int max_receive_count = 0;
};

struct Queue {
  std::string name;
  std::string region;
  std::string account;
  std::string arn;
  // The settable attributes as AWS answers them (defaults filled in at creation).
  std::map<std::string, std::string> attributes;
  std::map<std::string, std::string> tags;
  int64_t created_ns = 0;
  int64_t modified_ns = 0;

  bool fifo() const;
  bool content_based_deduplication() const;
  int64_t visibility_timeout_s() const;
  int64_t delay_s() const;
  int64_t retention_s() const;
  int64_t max_message_bytes() const;
  int64_t receive_wait_s() const;
  // The parsed RedrivePolicy (nullopt when none is set).
  std::optional<RedrivePolicy> redrive() const;

  std::string ToDocument() const;
  static Result<Queue> FromDocument(const std::string& document);
};

// A queue's ARN and its (region, account, name).
std::string QueueArn(const std::string& region, const std::string& account,
                     const std::string& name);
// The ARN of the queue a queue URL names (http(s)://HOST/ACCOUNT/NAME, or the path alone):
// the region is the host's when it is one of AWS's own forms (sqs.REGION.amazonaws.com,
// REGION.queue.amazonaws.com), else `region`. nullopt when it names no account and name.
std::optional<std::string> QueueArnOfUrl(std::string_view url, const std::string& region);
// 1-80 of [A-Za-z0-9_-], plus ".fifo" for a FIFO queue.
Status CheckQueueName(const std::string& name, bool fifo);

// The attributes a new queue has: AWS's defaults, overridden by `given` (already checked).
std::map<std::string, std::string> DefaultAttributes(bool fifo);
// Checks attributes a caller sets (CreateQueue, SetQueueAttributes): every name known and
// settable (InvalidAttributeName), every value in range (InvalidAttributeValue), FIFO-only
// ones only on a FIFO queue. `creating`: FifoQueue may be given.
Status CheckSettableAttributes(const std::map<std::string, std::string>& attributes, bool fifo,
                               bool creating);
// The attribute names GetQueueAttributes knows (the settable ones and the read-only ones).
bool IsKnownAttributeName(const std::string& name);

}  // namespace offstage::sqs

// Message: an SQS message as a queue holds it (its body, attributes, FIFO fields and the state
// of its newest receipt), its message attributes, and the digests AWS answers for them
// (MD5OfMessageBody, MD5OfMessageAttributes, MD5OfMessageSystemAttributes), which the SDKs
// check. Plain values; the functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "emulator/common/result.h"
#include "emulator/storage/sqs_store.h"

namespace offstage::sqs {

using common::Result;
using common::Status;

struct MessageAttribute {
  std::string data_type;  // String, Number, Binary, optionally ".custom"
  std::string value;      // the string, or the binary bytes (not base64)
  bool binary = false;
};
using MessageAttributes = std::map<std::string, MessageAttribute>;  // sorted by name

struct Message {
  std::string queue_arn;
  int64_t seq = 0;
  std::string id;
  std::string body;
  MessageAttributes attributes;
  MessageAttributes system_attributes;  // AWSTraceHeader
  std::string sender_id;
  std::string group_id;         // FIFO (and fair standard queues); empty: none
  std::string dedup_id;         // FIFO
  std::string sequence_number;  // FIFO
  int64_t sent_ns = 0;
  int64_t visible_ns = 0;  // receivable from then on (delay, visibility timeout)
  int receive_count = 0;
  int64_t first_receive_ns = 0;
  std::string receipt;  // nonce of the newest receipt handle; empty: never received
  // In a dead-letter queue: the queue it was redriven from (DeadLetterQueueSourceArn; where a
  // message move task without a DestinationArn returns it). Empty: sent there directly.
  std::string dead_letter_source_arn;
  // Causality: the span of the send (or of the delivery that sent it), and its trace.
  std::string trace_id;
  std::string span_id;

  storage::SqsMessageRow ToRow() const;
  static Result<Message> FromRow(const storage::SqsMessageRow& row);
};

std::string Md5Hex(std::string_view bytes);
// AWS's digest of message attributes: by name, each name, data type, transport type (1
// string, 2 binary) and value, length-prefixed (developer guide, "Calculating the MD5 message
// digest for message attributes"). Empty for no attributes.
std::string AttributesMd5(const MessageAttributes& attributes);
// The bytes SQS counts against MaximumMessageSize: the body, and each attribute's name, data
// type and value.
size_t MessageSize(const std::string& body, const MessageAttributes& attributes);
// Checks message attributes as SendMessage does (at most 10; names and data types AWS
// accepts; a value for the type; Number parses). `label` prefixes errors.
Status CheckMessageAttributes(const MessageAttributes& attributes);
// Characters SQS accepts in a body and a string attribute value (#x9 | #xA | #xD | #x20 to
// #xD7FF | #xE000 to #xFFFD | #x10000 to #x10FFFF); `text` is UTF-8.
bool IsAllowedText(std::string_view text);

}  // namespace offstage::sqs

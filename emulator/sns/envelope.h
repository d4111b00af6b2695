// The bodies SNS delivers (§3 of the wire reference): the Lambda event, the HTTP(S)
// notification, and the subscription / unsubscribe confirmations; and the per-protocol message
// of MessageStructure=json. Pure functions; key order as AWS's.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "emulator/sns/signer.h"
#include "emulator/sns/types.h"

namespace offstage::sns {

struct MessageView {
  std::string message_id;
  std::string topic_arn;
  std::optional<std::string> subject;
  std::string body;  // as published
  std::optional<std::string> structure;
  MessageAttributes attributes;
  std::string timestamp;  // ISO-8601 with milliseconds
  std::optional<std::string> sequence_number;
  std::string signature_version = "1";
  std::optional<std::string> group_id;  // FIFO topics: an SQS FIFO subscriber's group
  std::optional<std::string> dedup_id;  // FIFO topics (content-based: the body's SHA-256)
};

// The `Message` a subscriber of `protocol` receives: with MessageStructure=json, that
// protocol's entry or "default" (§3.4); otherwise the body.
std::string MessageFor(const MessageView& message, std::string_view protocol);

struct Signed {
  std::string signature;
  std::string cert_url;
  std::string unsubscribe_url;
};

std::string LambdaEvent(const MessageView& message, const std::string& subscription_arn,
                        const std::string& text, const Signed& sig);
std::string HttpNotification(const MessageView& message, const std::string& text,
                             const Signed& sig);
// Notifications are built with an empty Signature and signed when they are delivered, off
// the Publish path. These fill it in from the message's own fields, as SNS signs them (§3.3):
// every Records[].Sns of a Lambda event, or an HTTP notification body. Deterministic (PKCS#1
// v1.5), so a retry or a replay carries the same bytes. Text without an empty Signature comes
// back unchanged; `error` is set when signing failed (the text then stays unsigned).
std::string SignLambdaEvent(std::string payload, Signer& signer, std::string& error);
std::string SignHttpNotification(std::string body, Signer& signer, std::string& error);

std::string ConfirmationBody(std::string_view type, const std::string& message_id,
                             const std::string& token, const std::string& topic_arn,
                             const std::string& text, const std::string& subscribe_url,
                             const std::string& timestamp, const std::string& signature_version,
                             const std::string& signature, const std::string& cert_url);

}  // namespace offstage::sns

// The SQS codec: both wire protocols SQS clients speak, AWS JSON 1.0 (X-Amz-Target:
// AmazonSQS.<Action>; current botocore, the SDK v3) and awsQuery (Action=<Action> in a form;
// older SDKs), into one table of actions (one row per action, its handler reading the JSON
// protocol's input document, which sqs_query.h makes from a form) -> sqs::SqsService -> the
// JSON output document, answered as JSON or as awsQuery XML; one error renderer per protocol.
// Queue URLs are made and read here (the daemon's address as the client reached it, then
// /<account>/<name>; AWS's own https://sqs.<region>.amazonaws.com/... URLs are read too).
// Stateless apart from the service reference; safe on any thread.
#pragma once

#include <string>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/common/request_context.h"
#include "emulator/protocol/http_types.h"
#include "emulator/sqs/sqs_service.h"

namespace offstage::protocol {

enum class SqsWire { kJson, kQuery };

struct SqsCall {
  SqsWire wire = SqsWire::kJson;
  std::string action;
  nlohmann::json input;  // the JSON protocol's input document
  std::string host;      // the Host the client used: queue URLs are made from it
  std::string path;      // the request's path (awsQuery clients post to the queue's URL)
};

class SqsCodec {
 public:
  explicit SqsCodec(sqs::SqsService& service) : service_(service) {}

  HttpResponse Handle(const common::RequestContext& ctx, const SqsCall& call) const;
  static HttpResponse RenderError(const common::ApiError& error, SqsWire wire,
                                  const std::string& request_id);
  // Whether `action` is an SQS action this codec knows (routing awsQuery requests).
  static bool IsAction(std::string_view action);

 private:
  sqs::SqsService& service_;
};

}  // namespace offstage::protocol

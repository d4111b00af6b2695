// The Lambda REST-JSON codec (§4 of the wire reference): routes /2015-03-31/... style paths to
// LambdaService with typed inputs, renders FunctionConfiguration and friends (the JSON shapes
// are in lambda_shapes.h), and renders ApiError as JSON with x-amzn-ErrorType. Table-driven
// routes; stateless apart from the service reference; safe on any thread.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "emulator/common/request_context.h"
#include "emulator/lambda/event_source_mappings.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/protocol/http_types.h"

namespace offstage::protocol {

struct LambdaRequest {
  std::string method;
  std::string path;  // percent-decoded
  std::multimap<std::string, std::string> query;
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class LambdaCodec {
 public:
  LambdaCodec(lambda::LambdaService& service, lambda::EventSourceMappings& mappings)
      : service_(service), mappings_(mappings) {}

  HttpResponse Handle(const common::RequestContext& ctx, const LambdaRequest& request) const;
  static HttpResponse RenderError(const common::ApiError& error);

 private:
  lambda::LambdaService& service_;
  lambda::EventSourceMappings& mappings_;
};

// True for paths that belong to the Lambda API (a date segment first).
bool IsLambdaPath(std::string_view path);

}  // namespace offstage::protocol

// What every Lambda codec handler is given (one request, its route's match, the service) and
// the small helpers they share; the handlers are in lambda_codec.cc (functions, invoke,
// concurrency, permissions, tags, event invoke configs), lambda_versions_codec.cc (versions
// and aliases), lambda_urls_codec.cc (function URL configs), lambda_layers_codec.cc (layers) and
// lambda_mappings_codec.cc (event source mappings).
// Internal to protocol/. Stateless; safe on any thread.
#pragma once

#include <optional>
#include <regex>
#include <string>

#include "emulator/common/request_context.h"
#include "emulator/lambda/event_source_mappings.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/protocol/http_types.h"
#include "emulator/protocol/lambda_codec.h"

namespace offstage::protocol::lambda_codec {

struct Call {
  const common::RequestContext& ctx;
  const LambdaRequest& req;
  const std::smatch& match;
  lambda::LambdaService& service;
  lambda::EventSourceMappings& mappings;
};

inline HttpResponse Json(int status, const std::string& body) {
  return HttpResponse{status, "application/json", body, {}};
}

inline HttpResponse Error(const common::ApiError& error) { return LambdaCodec::RenderError(error); }

inline std::string Query(const LambdaRequest& req, const std::string& key) {
  auto it = req.query.find(key);
  return it == req.query.end() ? std::string() : it->second;
}

inline std::string Header(const LambdaRequest& req, const std::string& name) {
  auto it = req.headers.find(name);
  return it == req.headers.end() ? std::string() : it->second;
}

inline std::string Name(const Call& c) { return c.match[1].str(); }

// The MaxItems query parameter of the List actions: nullopt when absent; a ValidationException
// when it is not a number (its range is the service's to check).
inline common::Result<std::optional<int>> MaxItems(const Call& c) {
  const std::string m = Query(c.req, "MaxItems");
  if (m.empty()) return std::optional<int>();
  try {
    return std::optional<int>(std::stoi(m));
  } catch (const std::exception&) {
    return common::Fail(common::ErrorCode::kLambdaValidation,
                        "1 validation error detected: Value '" + m +
                            "' at 'maxItems' failed to satisfy constraint: Member must be a "
                            "number");
  }
}

// The versions and aliases handlers (lambda_versions_codec.cc).
HttpResponse PublishVersion(const Call& c);
HttpResponse ListVersionsByFunction(const Call& c);
HttpResponse CreateAlias(const Call& c);
HttpResponse GetAlias(const Call& c);
HttpResponse UpdateAlias(const Call& c);
HttpResponse DeleteAlias(const Call& c);
HttpResponse ListAliases(const Call& c);

// The layer handlers (lambda_layers_codec.cc).
HttpResponse PublishLayerVersion(const Call& c);
HttpResponse GetLayerVersion(const Call& c);
HttpResponse DeleteLayerVersion(const Call& c);
HttpResponse ListLayerVersions(const Call& c);
HttpResponse ListLayers(const Call& c);  // and GetLayerVersionByArn (?find=LayerVersion)
HttpResponse AddLayerVersionPermission(const Call& c);
HttpResponse RemoveLayerVersionPermission(const Call& c);
HttpResponse GetLayerVersionPolicy(const Call& c);

// The event source mapping handlers (lambda_mappings_codec.cc).
HttpResponse CreateEventSourceMapping(const Call& c);
HttpResponse GetEventSourceMapping(const Call& c);
HttpResponse UpdateEventSourceMapping(const Call& c);
HttpResponse DeleteEventSourceMapping(const Call& c);
HttpResponse ListEventSourceMappings(const Call& c);

// The function URL handlers (lambda_urls_codec.cc).
HttpResponse CreateFunctionUrlConfig(const Call& c);
HttpResponse GetFunctionUrlConfig(const Call& c);
HttpResponse UpdateFunctionUrlConfig(const Call& c);
HttpResponse DeleteFunctionUrlConfig(const Call& c);
HttpResponse ListFunctionUrlConfigs(const Call& c);

}  // namespace offstage::protocol::lambda_codec

// The Lambda codec's versions and aliases handlers (issue #17): PublishVersion,
// ListVersionsByFunction, Create/Get/Update/Delete/ListAliases, over LambdaService's versions.cc.
// Routed by lambda_codec.cc's table. Stateless; safe on any thread.
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/protocol/lambda_call.h"
#include "emulator/protocol/lambda_shapes.h"

namespace offstage::protocol::lambda_codec {
namespace {

using common::ErrorCode;
using nlohmann::json;
using ojson = nlohmann::ordered_json;
using lambda_shapes::AliasJson;
using lambda_shapes::Configuration;
using lambda_shapes::ParseBody;
using lambda_shapes::String;
using lambda_shapes::Weights;

std::optional<std::string> OptionalQuery(const Call& c, const char* key) {
  auto it = c.req.query.find(key);
  if (it == c.req.query.end()) return std::nullopt;
  return it->second;
}

lambda::AliasInput DecodeAlias(const json& body) {
  lambda::AliasInput in;
  in.function_version = String(body, "FunctionVersion");
  in.description = String(body, "Description");
  in.weights = Weights(body);
  in.revision_id = String(body, "RevisionId");
  return in;
}

}  // namespace

HttpResponse PublishVersion(const Call& c) {
  const json body = ParseBody(c.req.body);
  auto version = c.service.PublishVersion(c.ctx, Name(c), String(body, "CodeSha256"),
                                          String(body, "Description"), String(body, "RevisionId"));
  if (!version) return Error(version.error());
  return Json(201, Configuration(*version, true).dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse ListVersionsByFunction(const Call& c) {
  auto max_items = MaxItems(c);
  if (!max_items) return Error(max_items.error());
  auto page =
      c.service.ListVersionsByFunction(c.ctx, Name(c), OptionalQuery(c, "Marker"), *max_items);
  if (!page) return Error(page.error());
  ojson versions = ojson::array();
  for (const auto& f : page->versions) {
    // $LATEST is listed with its qualified ARN.
    versions.push_back(
        Configuration(f, false, f.version == "$LATEST" ? f.arn + ":$LATEST" : f.VersionArn()));
  }
  ojson out = {{"Versions", versions}};
  if (page->next_marker) out["NextMarker"] = *page->next_marker;
  return Json(200, out.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse CreateAlias(const Call& c) {
  const json body = ParseBody(c.req.body);
  auto name = String(body, "Name");
  if (!name) {
    return Error({ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value null at 'name' failed to satisfy "
                  "constraint: Member must not be null"});
  }
  auto alias = c.service.CreateAlias(c.ctx, Name(c), *name, DecodeAlias(body));
  if (!alias) return Error(alias.error());
  return Json(
      201,
      AliasJson(alias->first, alias->second).dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse GetAlias(const Call& c) {
  auto alias = c.service.GetAlias(c.ctx, Name(c), c.match[2].str());
  if (!alias) return Error(alias.error());
  return Json(
      200,
      AliasJson(alias->first, alias->second).dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse UpdateAlias(const Call& c) {
  auto alias =
      c.service.UpdateAlias(c.ctx, Name(c), c.match[2].str(), DecodeAlias(ParseBody(c.req.body)));
  if (!alias) return Error(alias.error());
  return Json(
      200,
      AliasJson(alias->first, alias->second).dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

HttpResponse DeleteAlias(const Call& c) {
  auto status = c.service.DeleteAlias(c.ctx, Name(c), c.match[2].str());
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse ListAliases(const Call& c) {
  auto max_items = MaxItems(c);
  if (!max_items) return Error(max_items.error());
  auto page = c.service.ListAliases(c.ctx, Name(c), OptionalQuery(c, "FunctionVersion"),
                                    OptionalQuery(c, "Marker"), *max_items);
  if (!page) return Error(page.error());
  ojson aliases = ojson::array();
  for (const auto& [alias, arn] : page->aliases) aliases.push_back(AliasJson(alias, arn));
  ojson out = {{"Aliases", aliases}};
  if (page->next_marker) out["NextMarker"] = *page->next_marker;
  return Json(200, out.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

}  // namespace offstage::protocol::lambda_codec

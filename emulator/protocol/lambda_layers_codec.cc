// The Lambda codec's layer handlers (issue #17, item 3): PublishLayerVersion,
// GetLayerVersion(ByArn), ListLayers, ListLayerVersions, DeleteLayerVersion and the layer
// version policy actions (/2018-10-31/layers...), over LambdaService's layers.cc. Routed by
// lambda_codec.cc's table. Stateless; safe on any thread.
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/protocol/lambda_call.h"
#include "emulator/protocol/lambda_shapes.h"

namespace offstage::protocol::lambda_codec {
namespace {

using nlohmann::json;
using ojson = nlohmann::ordered_json;
using lambda_shapes::Object;
using lambda_shapes::ParseBody;
using lambda_shapes::String;
using lambda_shapes::StringList;

// A layer version as AWS answers it: Publish and Get with its Content, the lists without.
// LicenseInfo and the compatibility lists only when they were given (as AWS).
ojson VersionJson(const lambda::LayerVersionView& view, bool content) {
  const lambda::LayerVersion& v = view.version;
  ojson out = ojson::object();
  if (content) {
    out["Content"] = {
        {"Location", v.code.dir}, {"CodeSha256", v.code.sha256}, {"CodeSize", v.code.size}};
    out["LayerArn"] = view.layer_arn;
  }
  out["LayerVersionArn"] = view.version_arn;
  out["Description"] = v.description;
  out["CreatedDate"] = common::IsoMillisOffset(v.created_ns);
  out["Version"] = v.version;
  if (v.compatible_runtimes_set) out["CompatibleRuntimes"] = v.compatible_runtimes;
  if (!v.license_info.empty()) out["LicenseInfo"] = v.license_info;
  if (v.compatible_architectures_set) out["CompatibleArchitectures"] = v.compatible_architectures;
  return out;
}

HttpResponse Reply(int status, const ojson& body) {
  return Json(status, body.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

lambda::LayerFilter FilterOf(const Call& c, std::optional<int> max_items) {
  return lambda::LayerFilter{Query(c.req, "CompatibleRuntime"),
                             Query(c.req, "CompatibleArchitecture"), Query(c.req, "Marker"),
                             max_items};
}

}  // namespace

HttpResponse PublishLayerVersion(const Call& c) {
  const json body = ParseBody(c.req.body);
  lambda::LayerInput in;
  if (!body.contains("Content") || body["Content"].is_null()) {
    return Error({common::ErrorCode::kLambdaValidation,
                  "1 validation error detected: Value null at 'content' failed to satisfy "
                  "constraint: Member must not be null"});
  }
  const json& content = Object(body, "Content");
  auto code = lambda_shapes::DecodeCode(content);
  if (!code) return Error(code.error());
  in.zip_file = std::move(code->zip_file);
  in.s3_bucket = code->s3_bucket;
  in.s3_key = code->s3_key;
  in.s3_object_version = code->s3_object_version;
  in.description = String(body, "Description").value_or("");
  in.compatible_runtimes = StringList(body, "CompatibleRuntimes");
  in.compatible_architectures = StringList(body, "CompatibleArchitectures");
  in.license_info = String(body, "LicenseInfo").value_or("");
  auto view = c.service.PublishLayerVersion(c.ctx, Name(c), in);
  if (!view) return Error(view.error());
  return Reply(201, VersionJson(*view, true));
}

HttpResponse GetLayerVersion(const Call& c) {
  auto view = c.service.GetLayerVersion(c.ctx, Name(c), c.match[2].str());
  if (!view) return Error(view.error());
  return Reply(200, VersionJson(*view, true));
}

HttpResponse DeleteLayerVersion(const Call& c) {
  auto status = c.service.DeleteLayerVersion(c.ctx, Name(c), c.match[2].str());
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse ListLayerVersions(const Call& c) {
  auto max_items = MaxItems(c);
  if (!max_items) return Error(max_items.error());
  auto page = c.service.ListLayerVersions(c.ctx, Name(c), FilterOf(c, *max_items));
  if (!page) return Error(page.error());
  ojson list = ojson::array();
  for (const auto& view : page->versions) list.push_back(VersionJson(view, false));
  ojson out = ojson::object();
  if (page->next_marker) out["NextMarker"] = *page->next_marker;
  out["LayerVersions"] = list;
  return Reply(200, out);
}

// GET /2018-10-31/layers: ListLayers, or GetLayerVersionByArn with ?find=LayerVersion&Arn=.
HttpResponse ListLayers(const Call& c) {
  if (Query(c.req, "find") == "LayerVersion") {
    auto view = c.service.GetLayerVersionByArn(c.ctx, Query(c.req, "Arn"));
    if (!view) return Error(view.error());
    return Reply(200, VersionJson(*view, true));
  }
  auto max_items = MaxItems(c);
  if (!max_items) return Error(max_items.error());
  auto page = c.service.ListLayers(c.ctx, FilterOf(c, *max_items));
  if (!page) return Error(page.error());
  ojson list = ojson::array();
  for (const auto& [layer, latest] : page->layers) {
    list.push_back({{"LayerName", layer.name},
                    {"LayerArn", layer.arn},
                    {"LatestMatchingVersion", VersionJson(latest, false)}});
  }
  ojson out = ojson::object();
  if (page->next_marker) out["NextMarker"] = *page->next_marker;
  out["Layers"] = list;
  return Reply(200, out);
}

HttpResponse AddLayerVersionPermission(const Call& c) {
  const json body = ParseBody(c.req.body);
  lambda::LayerPermissionInput in;
  in.statement_id = String(body, "StatementId").value_or("");
  in.action = String(body, "Action").value_or("");
  in.principal = String(body, "Principal").value_or("");
  in.organization_id = String(body, "OrganizationId");
  if (const std::string revision = Query(c.req, "RevisionId"); !revision.empty()) {
    in.revision_id = revision;
  }
  auto added = c.service.AddLayerVersionPermission(c.ctx, Name(c), c.match[2].str(), in);
  if (!added) return Error(added.error());
  return Reply(201, ojson{{"Statement", added->first}, {"RevisionId", added->second}});
}

HttpResponse RemoveLayerVersionPermission(const Call& c) {
  std::optional<std::string> revision;
  if (const std::string r = Query(c.req, "RevisionId"); !r.empty()) revision = r;
  auto status = c.service.RemoveLayerVersionPermission(c.ctx, Name(c), c.match[2].str(),
                                                       c.match[3].str(), revision);
  if (!status) return Error(status.error());
  return HttpResponse{204, "", "", {}};
}

HttpResponse GetLayerVersionPolicy(const Call& c) {
  auto policy = c.service.GetLayerVersionPolicy(c.ctx, Name(c), c.match[2].str());
  if (!policy) return Error(policy.error());
  return Reply(200, ojson{{"Policy", policy->first}, {"RevisionId", policy->second}});
}

}  // namespace offstage::protocol::lambda_codec

// The event source mapping handlers of the Lambda codec (lambda_call.h): Create, Get, Update,
// Delete and List, with EventSourceMappingConfiguration as AWS renders it.
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/protocol/lambda_call.h"
#include "emulator/protocol/lambda_shapes.h"

namespace offstage::protocol::lambda_codec {
namespace {

using json = nlohmann::json;
using ojson = nlohmann::ordered_json;

ojson MappingJson(const lambda::MappingView& view) {
  const lambda::EventSourceMapping& m = view.mapping;
  ojson out = {
      {"UUID", m.uuid},
      {"BatchSize", m.batch_size},
      {"MaximumBatchingWindowInSeconds", m.max_batching_window_s},
      {"EventSourceArn", m.event_source_arn},
      {"FunctionArn", m.function_arn},
      {"LastModified", static_cast<double>(m.last_modified_ns / 1'000'000) / 1000.0},
      {"State", view.state},
      {"StateTransitionReason", "USER_INITIATED"},
      {"FunctionResponseTypes",
       m.report_batch_item_failures ? ojson::array({"ReportBatchItemFailures"}) : ojson::array()}};
  if (m.maximum_concurrency) {
    out["ScalingConfig"] = {{"MaximumConcurrency", *m.maximum_concurrency}};
  }
  if (!m.filter_patterns.empty()) {
    ojson filters = ojson::array();
    for (const auto& pattern : m.filter_patterns) filters.push_back({{"Pattern", pattern}});
    out["FilterCriteria"] = {{"Filters", std::move(filters)}};
  }
  out["LastProcessingResult"] = m.last_processing_result;
  out["EventSourceMappingArn"] = m.arn();
  return out;
}

lambda::MappingInput Decode(const json& body) {
  using lambda_shapes::Bool;
  using lambda_shapes::Int;
  using lambda_shapes::Object;
  using lambda_shapes::String;
  using lambda_shapes::StringList;
  lambda::MappingInput in;
  in.event_source_arn = String(body, "EventSourceArn");
  in.function_name = String(body, "FunctionName");
  in.enabled = Bool(body, "Enabled");
  if (auto v = Int(body, "BatchSize")) in.batch_size = *v;
  if (auto v = Int(body, "MaximumBatchingWindowInSeconds")) in.max_batching_window_s = *v;
  in.function_response_types = StringList(body, "FunctionResponseTypes");
  if (body.contains("ScalingConfig")) {
    in.scaling_config_given = true;
    if (auto v = Int(Object(body, "ScalingConfig"), "MaximumConcurrency")) {
      in.maximum_concurrency = *v;
    }
  }
  // FilterCriteria {"Filters": [{"Pattern": "..."}]}; {} or no Filters removes them.
  if (auto it = body.find("FilterCriteria"); it != body.end() && !it->is_null()) {
    std::vector<std::string> patterns;
    const json filters = it->is_object() ? it->value("Filters", json::array()) : json();
    if (!filters.is_array()) {
      in.malformed = "FilterCriteria must be {\"Filters\": [{\"Pattern\": \"...\"}]}.";
    } else {
      for (const auto& filter : filters) {
        auto pattern = filter.is_object() ? filter.find("Pattern") : filter.end();
        if (!filter.is_object() || pattern == filter.end() || !pattern->is_string()) {
          in.malformed = "Each of FilterCriteria.Filters must be {\"Pattern\": \"...\"}.";
          break;
        }
        patterns.push_back(pattern->get<std::string>());
      }
    }
    in.filter_patterns = std::move(patterns);
  }
  // What an SQS mapping does not take (or offstage does not apply yet), named in the error.
  for (const char* name :
       {"StartingPosition", "StartingPositionTimestamp", "ParallelizationFactor",
        "DestinationConfig", "MaximumRecordAgeInSeconds", "BisectBatchOnFunctionError",
        "MaximumRetryAttempts", "TumblingWindowInSeconds", "Topics", "Queues",
        "SourceAccessConfigurations", "SelfManagedEventSource", "DocumentDBEventSourceConfig",
        "KMSKeyArn", "MetricsConfig", "ProvisionedPollerConfig", "Tags"}) {
    if (body.contains(name) && !body[name].is_null()) in.refused.emplace_back(name);
  }
  return in;
}

HttpResponse Answer(int status, const common::Result<lambda::MappingView>& view) {
  if (!view) return Error(view.error());
  return Json(status, MappingJson(*view).dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

}  // namespace

HttpResponse CreateEventSourceMapping(const Call& c) {
  const json body = lambda_shapes::ParseBody(c.req.body);
  return Answer(202, c.mappings.Create(c.ctx, Decode(body)));
}

HttpResponse GetEventSourceMapping(const Call& c) { return Answer(200, c.mappings.Get(Name(c))); }

HttpResponse UpdateEventSourceMapping(const Call& c) {
  const json body = lambda_shapes::ParseBody(c.req.body);
  lambda::MappingInput in = Decode(body);
  if (in.event_source_arn) in.refused.emplace_back("EventSourceArn");
  return Answer(202, c.mappings.Update(c.ctx, Name(c), in));
}

HttpResponse DeleteEventSourceMapping(const Call& c) {
  return Answer(202, c.mappings.Delete(Name(c)));
}

HttpResponse ListEventSourceMappings(const Call& c) {
  auto max = MaxItems(c);
  if (!max) return Error(max.error());
  auto optional = [&](const char* key) -> std::optional<std::string> {
    std::string v = Query(c.req, key);
    if (v.empty()) return std::nullopt;
    return v;
  };
  auto page = c.mappings.List(c.ctx, optional("EventSourceArn"), optional("FunctionName"),
                              optional("Marker"), *max);
  if (!page) return Error(page.error());
  ojson list = ojson::array();
  for (const auto& view : page->mappings) list.push_back(MappingJson(view));
  ojson out = {{"EventSourceMappings", std::move(list)}};
  if (page->next_marker) out["NextMarker"] = *page->next_marker;
  return Json(200, out.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
}

}  // namespace offstage::protocol::lambda_codec

// ControlApi's fault injection endpoints (/_offstage/faults; docs/faults.md): list, add and
// clear the rules of the daemon's FaultInjector. Stateless; safe on any thread (the injector
// has its own mutex).
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/protocol/control_api.h"

namespace offstage::protocol {
namespace {

using nlohmann::json;

HttpResponse Reply(int status, const json& body) {
  return HttpResponse{status, "application/json",
                      body.dump(-1, ' ', false, common::kReplaceInvalidUtf8)};
}

}  // namespace

HttpResponse ControlApi::Faults() const {
  json rules = json::array();
  for (const common::FaultRule& rule : faults_.List()) rules.push_back(json::parse(rule.ToJson()));
  return Reply(200, json{{"faults", rules}});
}

HttpResponse ControlApi::AddFault(const std::string& body) const {
  auto rule = common::FaultRule::FromJson(body);
  if (!rule) return Reply(400, json{{"error", rule.error().message}});
  const common::FaultRule added = faults_.Add(*rule);
  return Reply(201, json::parse(added.ToJson()));
}

HttpResponse ControlApi::ClearFaults(const std::map<std::string, std::string>& query) const {
  auto it = query.find("id");
  if (it != query.end() && it->second.empty()) {
    return Reply(400, json{{"error",
                            "id is empty: name a rule (f1), or leave id out to clear "
                            "every rule"}});
  }
  const int cleared = faults_.Clear(it == query.end() ? std::string() : it->second);
  return Reply(200, json{{"cleared", cleared}});
}

}  // namespace offstage::protocol

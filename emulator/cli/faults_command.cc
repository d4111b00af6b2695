// `offstage faults` (faults_command.h): each subcommand is one control API call.
#include "emulator/cli/faults_command.h"

#include <iostream>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"

namespace offstage::cli {
namespace {

using nlohmann::json;

// One line per rule: "f1  function worker  error  p=0.3  seen 10, injected 3".
void PrintRule(const json& rule) {
  std::string target = "function";
  for (const char* key : {"function", "topic", "subscription"}) {
    if (rule.contains(key)) target = std::string(key) + " " + rule[key].get<std::string>();
  }
  std::cout << rule.value("id", "?") << "  " << target << "  " << rule.value("kind", "?")
            << "  p=" << rule.value("probability", 1.0);
  if (rule.contains("count")) std::cout << " count=" << rule["count"].get<int64_t>();
  if (rule.value("every", int64_t{1}) > 1) std::cout << " every=" << rule["every"].get<int64_t>();
  if (rule.contains("delayMs")) std::cout << " delay=" << rule["delayMs"].get<int64_t>() << "ms";
  std::cout << " seed=" << rule.value("seed", uint64_t{0}) << "  seen "
            << rule.value("seen", int64_t{0}) << ", injected " << rule.value("injected", int64_t{0})
            << "\n";
}

// The daemon's answer, or 2 (no daemon, or a refusal: printed).
int Answer(const DaemonClient& client, const HttpResult& result, int expected, json& out) {
  if (result.status == 0) {
    client.ReportUnreachable(result);
    return 2;
  }
  out = json::parse(result.body, nullptr, false);
  if (result.status != expected) {
    std::cerr << "offstage faults: "
              << (out.is_object() && out.contains("error") ? out["error"].get<std::string>()
                                                           : result.body)
              << "\n";
    return 2;
  }
  return 0;
}

}  // namespace

void FaultsCommand::Register(CLI::App& app) {
  faults_ = app.add_subcommand("faults", "Inject faults into a running daemon (docs/faults.md)");
  faults_->require_subcommand(1);
  add_ = faults_->add_subcommand("add", "Add a fault injection rule");
  auto* target = add_->add_option_group("target", "What the rule targets (one)");
  target->add_option("--function", function_, "A function's name or ARN, or *");
  target->add_option("--topic", topic_, "A topic's name or ARN, or *");
  target->add_option("--subscription", subscription_, "A subscription's ARN, or *");
  target->require_option(1);
  add_->add_option("--kind", kind_,
                   "error, timeout, crash, throttle (functions); http-failure, delay, duplicate "
                   "(topics and subscriptions)")
      ->required();
  add_->add_option("--probability", probability_, "Chance of a fault on each candidate call")
      ->check(CLI::Range(0.0, 1.0));
  add_->add_option("--count", count_, "At most this many faults (default: no limit)")
      ->check(CLI::PositiveNumber);
  add_->add_option("--every", every_, "Only every Nth matching call is a candidate (default 1)")
      ->check(CLI::PositiveNumber);
  add_->add_option("--delay-ms", delay_ms_, "For --kind delay: how much later the delivery starts");
  add_->add_option("--seed", seed_, "The rule's random seed (same calls, same faults)");
  AddClientOptions(*add_, client_);
  list_ = faults_->add_subcommand("list", "List the rules, with what each has injected");
  AddClientOptions(*list_, client_);
  clear_ = faults_->add_subcommand("clear", "Remove a rule, or every rule");
  clear_->add_option("ID", id_, "The rule to remove (default: every rule)");
  AddClientOptions(*clear_, client_);
}

int FaultsCommand::Run() {
  if (!faults_ || !faults_->parsed()) return -1;
  if (add_->parsed()) return Add();
  if (list_->parsed()) return List();
  return Clear();
}

int FaultsCommand::Add() {
  json rule = {{"kind", kind_}, {"probability", probability_}, {"every", every_}, {"seed", seed_}};
  if (!function_.empty()) rule["function"] = function_;
  if (!topic_.empty()) rule["topic"] = topic_;
  if (!subscription_.empty()) rule["subscription"] = subscription_;
  if (count_ > 0) rule["count"] = count_;
  if (delay_ms_ > 0) rule["delayMs"] = delay_ms_;
  DaemonClient client(client_);
  json out;
  if (int code = Answer(
          client,
          client.Post("/_offstage/faults", rule.dump(-1, ' ', false, common::kReplaceInvalidUtf8)),
          201, out)) {
    return code;
  }
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
  } else {
    PrintRule(out);
  }
  return 0;
}

int FaultsCommand::List() {
  DaemonClient client(client_);
  json out;
  if (int code = Answer(client, client.Get("/_offstage/faults", {}), 200, out)) return code;
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
    return 0;
  }
  if (!out.contains("faults") || out["faults"].empty()) {
    std::cout << "no fault rules\n";
    return 0;
  }
  for (const json& rule : out["faults"]) PrintRule(rule);
  return 0;
}

int FaultsCommand::Clear() {
  DaemonClient client(client_);
  json out;
  std::map<std::string, std::string> query;
  if (!id_.empty()) query["id"] = id_;
  if (int code = Answer(client, client.Delete("/_offstage/faults", query), 200, out)) return code;
  const int cleared = out.value("cleared", 0);
  if (!id_.empty() && cleared == 0) {
    std::cerr << "offstage faults clear: no rule " << id_ << "\n";
    return 2;
  }
  std::cout << "cleared " << cleared << " rule(s)\n";
  return 0;
}

}  // namespace offstage::cli

// Stack commands (stack_commands.h): each is one control API call; the daemon reads the
// template and its code from the path given (absolute), so it must see the same files (in a
// container: the project mounted at the same path). For a Serverless Framework project the
// command also sends its environment, which the project's ${env:...} variables read.
#include "emulator/cli/stack_commands.h"

#include <unistd.h>

#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::cli {
namespace {

using nlohmann::json;

// The daemon's answer, or 1 (refused: printed) or 2 (no daemon).
int Answer(const DaemonClient& client, const HttpResult& result, const char* command, json& out) {
  if (result.status == 0) {
    client.ReportUnreachable(result);
    return 2;
  }
  out = json::parse(result.body, nullptr, false);
  if (result.status == 200 && !out.is_object()) {
    std::cerr << "offstage " << command << ": " << client.endpoint()
              << " answered something other than offstage's JSON (is --endpoint offstage?)\n";
    return 2;
  }
  if (result.status != 200) {
    std::cerr << "offstage " << command << ": "
              << (out.is_object() && out.contains("error") && out["error"].is_string()
                      ? out["error"].get<std::string>()
                      : result.body)
              << "\n";
    return 1;
  }
  return 0;
}

void PrintOutputs(const json& stack) {
  for (const json& output : stack.value("outputs", json::array())) {
    std::cout << "  " << output.value("key", "") << " = " << output.value("value", "");
    if (output.contains("export")) std::cout << "  (export " << output.value("export", "") << ")";
    std::cout << "\n";
  }
}

}  // namespace

std::map<std::string, std::string> ParseParameters(const std::string& flag,
                                                   const std::vector<std::string>& items) {
  std::map<std::string, std::string> out;
  for (const std::string& item : items) {
    const size_t eq = item.find('=');
    if (eq == std::string::npos || eq == 0) {
      throw CLI::ValidationError(flag, "'" + item + "' is not KEY=VALUE");
    }
    out[item.substr(0, eq)] = item.substr(eq + 1);
  }
  return out;
}

void StackCommands::Register(CLI::App& app) {
  deploy_ = app.add_subcommand(
      "deploy", "Create or update a stack from a CloudFormation or SAM template (docs/iac.md)");
  deploy_->add_option("TEMPLATE", path_, "A template file, or a directory holding template.yaml")
      ->required()
      ->check(CLI::ExistingPath);
  deploy_->add_option("--stack", stack_, "The stack's name (default: the template's directory)");
  deploy_->add_option("--parameter", parameters_, "A template parameter, KEY=VALUE (repeatable)");
  AddClientOptions(*deploy_, client_);
  stacks_ = app.add_subcommand("stacks", "List the deployed stacks, or show one");
  stacks_->add_option("NAME", stack_, "A stack to show with its resources");
  AddClientOptions(*stacks_, client_);
  destroy_ = app.add_subcommand("destroy", "Delete a stack and the resources it made");
  destroy_->add_option("NAME", stack_, "The stack")->required();
  AddClientOptions(*destroy_, client_);
}

int StackCommands::Run() {
  if (deploy_ && deploy_->parsed()) return Deploy();
  if (stacks_ && stacks_->parsed()) return Stacks();
  if (destroy_ && destroy_->parsed()) return Destroy();
  return -1;
}

int StackCommands::Deploy() {
  std::map<std::string, std::string> parameters;
  try {
    parameters = ParseParameters("--parameter", parameters_);
  } catch (const CLI::ValidationError& error) {
    std::cerr << "offstage deploy: " << error.what() << "\n";
    return 2;
  }
  std::error_code ec;
  json body = {{"path", std::filesystem::absolute(path_, ec).string()}, {"parameters", parameters}};
  if (!stack_.empty()) body["stack"] = stack_;
  // A serverless.yml's ${env:...} are this shell's variables, as `serverless deploy` reads them.
  const std::filesystem::path target = std::filesystem::absolute(path_, ec);
  const bool serverless = target.filename().string().starts_with("serverless.") ||
                          std::filesystem::exists(target / "serverless.yml", ec) ||
                          std::filesystem::exists(target / "serverless.yaml", ec) ||
                          std::filesystem::exists(target / "serverless.json", ec);
  if (serverless) {
    json environment = json::object();
    for (char** e = environ; *e; ++e) {
      const std::string entry = *e;
      const size_t eq = entry.find('=');
      if (eq != std::string::npos) environment[entry.substr(0, eq)] = entry.substr(eq + 1);
    }
    body["environment"] = environment;
  }
  DaemonClient client(client_);
  json out;
  if (int code = Answer(
          client,
          client.Post("/_offstage/stacks", body.dump(-1, ' ', false, common::kReplaceInvalidUtf8)),
          "deploy", out)) {
    return code;
  }
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
    return 0;
  }
  for (const json& line : out.value("events", json::array())) {
    std::cout << line.get<std::string>() << "\n";
  }
  for (const json& stack : out.value("stacks", json::array())) {
    std::cout << stack.value("status", "") << "  " << stack.value("name", "") << "\n";
    PrintOutputs(stack);
  }
  return 0;
}

int StackCommands::Stacks() {
  DaemonClient client(client_);
  json out;
  const std::string path =
      stack_.empty() ? "/_offstage/stacks" : "/_offstage/stacks/" + common::PercentEncode(stack_);
  if (int code = Answer(client, client.Get(path, {}), "stacks", out)) return code;
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
    return 0;
  }
  if (stack_.empty()) {
    const json stacks = out.value("stacks", json::array());
    if (stacks.empty()) std::cout << "no stacks\n";
    for (const json& stack : stacks) {
      std::cout << stack.value("name", "") << "  " << stack.value("status", "") << "  "
                << stack.value("resources", json::array()).size() << " resources  "
                << stack.value("source", "") << "\n";
      PrintOutputs(stack);
    }
    return 0;
  }
  std::cout << out.value("name", "") << "  " << out.value("status", "") << "  "
            << out.value("source", "") << "\n";
  for (const json& r : out.value("resources", json::array())) {
    std::cout << "  " << r.value("logical_id", "") << "  " << r.value("type", "") << "  "
              << r.value("physical_id", "") << "  (" << r.value("status", "") << ")\n";
  }
  std::cout << "outputs:\n";
  PrintOutputs(out);
  return 0;
}

int StackCommands::Destroy() {
  DaemonClient client(client_);
  json out;
  if (int code =
          Answer(client, client.Delete("/_offstage/stacks/" + common::PercentEncode(stack_), {}),
                 "destroy", out)) {
    return code;
  }
  for (const json& line : out.value("events", json::array())) {
    std::cout << line.get<std::string>() << "\n";
  }
  std::cout << "DELETE_COMPLETE  " << stack_ << "\n";
  return 0;
}

}  // namespace offstage::cli

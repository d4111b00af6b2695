// Stack hooks and the template watcher (stack_control.h).
#include "emulator/app/stack_control.h"

#include <sys/stat.h>

#include <chrono>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"

namespace offstage::app {

using nlohmann::json;

namespace {

std::string Answer(const iac::DeployOutcome& outcome) {
  return json{{"stacks", outcome.stacks}, {"events", outcome.events}}.dump(
      -1, ' ', false, common::kReplaceInvalidUtf8);
}

}  // namespace

protocol::HttpServer::Backends::Stacks StackHooks(iac::Deployer& deployer) {
  protocol::HttpServer::Backends::Stacks hooks;
  hooks.deploy = [&deployer](const std::string& body) -> common::Result<std::string> {
    const json in = common::ParseJson(body);
    if (!in.is_object() || !in.contains("path") || !in["path"].is_string()) {
      return common::Fail(common::ErrorCode::kValidationError,
                          "the body is {\"path\": TEMPLATE, \"stack\": NAME, \"parameters\": "
                          "{KEY: VALUE}} (path: a template file or its directory, absolute)");
    }
    iac::DeployRequest request;
    request.path = in["path"];
    if (auto it = in.find("stack"); it != in.end() && it->is_string()) request.stack = *it;
    if (auto it = in.find("parameters"); it != in.end()) {
      if (!it->is_object()) {
        return common::Fail(common::ErrorCode::kValidationError, "parameters is an object");
      }
      for (const auto& [key, value] : it->items()) {
        if (!value.is_string()) {
          return common::Fail(common::ErrorCode::kValidationError,
                              "parameter " + key + ": a value is a string");
        }
        request.parameters[key] = value;
      }
    }
    if (auto it = in.find("environment"); it != in.end()) {
      if (!it->is_object()) {
        return common::Fail(common::ErrorCode::kValidationError, "environment is an object");
      }
      std::map<std::string, std::string> environment;
      for (const auto& [key, value] : it->items()) {
        if (value.is_string()) environment[key] = value;
      }
      request.environment = std::move(environment);
    }
    auto outcome = deployer.Deploy(request);
    if (!outcome) return common::Fail(outcome.error());
    return Answer(*outcome);
  };
  hooks.get = [&deployer](const std::string& name) -> common::Result<std::string> {
    if (name.empty()) {
      return json{{"stacks", deployer.List()}}.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    }
    auto stack = deployer.Get(name);
    if (!stack) {
      return common::Fail(common::ErrorCode::kNotFound,
                          "Stack with id " + name + " does not exist");
    }
    return stack->dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  };
  hooks.destroy = [&deployer](const std::string& name) -> common::Result<std::string> {
    if (!deployer.Get(name)) {
      return common::Fail(common::ErrorCode::kNotFound,
                          "Stack with id " + name + " does not exist");
    }
    auto outcome = deployer.Destroy(name);
    if (!outcome) return common::Fail(outcome.error());
    return Answer(*outcome);
  };
  return hooks;
}

TemplateWatcher::TemplateWatcher(iac::Deployer& deployer, std::vector<TemplateSpec> templates,
                                 common::Logger& log)
    : deployer_(deployer), templates_(std::move(templates)), log_(log) {}

TemplateWatcher::~TemplateWatcher() {
  {
    common::MutexLock lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::string TemplateWatcher::Stamp(const std::string& path) const {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return "missing";
  return std::to_string(st.st_mtim.tv_sec) + "." + std::to_string(st.st_mtim.tv_nsec) + ":" +
         std::to_string(st.st_size);
}

common::Status TemplateWatcher::DeployAll() {
  stamps_.clear();
  files_.clear();
  for (const TemplateSpec& spec : templates_) {
    auto file = iac::WatchedFile(spec.path);
    if (!file) {
      return common::Fail(common::ErrorCode::kValidationError,
                          "--template " + spec.path + ": " + file.error().message);
    }
    files_.push_back(*file);
    stamps_.push_back(Stamp(*file));
    auto outcome =
        deployer_.Deploy(iac::DeployRequest{"", spec.path, spec.parameters, std::nullopt});
    if (!outcome) {
      return common::Fail(common::ErrorCode::kValidationError,
                          "--template " + spec.path + ": " + outcome.error().message);
    }
    std::string names;
    for (const auto& stack : outcome->stacks) {
      names += (names.empty() ? "" : ", ") + stack.value("name", "");
    }
    log_.Info("offstage: deployed " + spec.path + " as the stack " + names);
  }
  return {};
}

void TemplateWatcher::Start() {
  if (templates_.empty()) return;
  thread_ = std::thread([this] { Loop(); });
}

void TemplateWatcher::Loop() {
  while (true) {
    {
      common::MutexLock lock(mu_);
      cv_.wait_for(lock.native(), std::chrono::milliseconds(500),
                   [&]() REQUIRES(mu_) { return stop_; });
      if (stop_) return;
    }
    for (size_t i = 0; i < templates_.size(); ++i) {
      const std::string stamp = Stamp(files_[i]);
      if (stamp == stamps_[i] || stamp == "missing") continue;
      stamps_[i] = stamp;
      log_.Info("offstage: " + templates_[i].path + " changed; deploying it again");
      auto outcome = deployer_.Deploy(
          iac::DeployRequest{"", templates_[i].path, templates_[i].parameters, std::nullopt});
      if (!outcome) {
        log_.Warn("offstage: " + templates_[i].path +
                  " was not deployed again (the stack is as it was): " + outcome.error().message);
      }
    }
  }
}

}  // namespace offstage::app

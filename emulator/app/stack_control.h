// The control API's stack hooks (protocol::HttpServer::Backends::Stacks) over iac::Deployer:
// the JSON of POST /_offstage/stacks (path, stack, parameters) in, the stack and its events
// out. Also `serve --template`: the templates deployed at start, and again whenever a template
// file changes (TemplateWatcher). Thread model: the hooks run on HTTP workers (the Deployer
// serialises operations); the watcher has one thread of its own, stopped by its destructor.
#pragma once

#include <condition_variable>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include "emulator/common/log.h"
#include "emulator/common/mutex.h"
#include "emulator/iac/deployer.h"
#include "emulator/protocol/http_server.h"

namespace offstage::app {

protocol::HttpServer::Backends::Stacks StackHooks(iac::Deployer& deployer);

// One --template: its path, and the parameters of --parameter.
struct TemplateSpec {
  std::string path;
  std::map<std::string, std::string> parameters;
};

// Deploys each template now (an error names the template), then watches their files: a
// template whose modification time or size changed is deployed again (a failure is logged, the
// stack stays as it was). Code directories need no watching: functions hot-reload them.
class TemplateWatcher {
 public:
  TemplateWatcher(iac::Deployer& deployer, std::vector<TemplateSpec> templates,
                  common::Logger& log);
  ~TemplateWatcher();
  common::Status DeployAll();
  void Start();

 private:
  void Loop() EXCLUDES(mu_);
  std::string Stamp(const std::string& path) const;

  iac::Deployer& deployer_;
  const std::vector<TemplateSpec> templates_;
  common::Logger& log_;
  // The template files and their stamps: the watcher thread's own after Start.
  std::vector<std::string> files_;
  std::vector<std::string> stamps_;
  common::Mutex mu_;
  std::condition_variable cv_;
  bool stop_ GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace offstage::app

// What a deploy's path holds (stack_source.h).
#include "emulator/iac/stack_source.h"

#include <fstream>
#include <sstream>

#include "emulator/common/api_error.h"
#include "emulator/iac/cdk_assembly.h"
#include "emulator/iac/serverless.h"
#include "emulator/iac/yaml_loader.h"

namespace offstage::iac {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

// The template file a path names: the file itself, or the one a directory holds.
common::Result<fs::path> TemplateFile(const std::string& path) {
  std::error_code ec;
  const fs::path p = fs::absolute(path, ec);
  if (fs::is_directory(p, ec)) {
    for (const char* name : {"template.yaml", "template.yml", "template.json"}) {
      if (fs::is_regular_file(p / name, ec)) return p / name;
    }
    return common::Fail(common::ValidationError(
        p.string() + " holds no template.yaml, template.yml or template.json"));
  }
  if (!fs::is_regular_file(p, ec)) {
    return common::Fail(
        common::ValidationError(p.string() +
                                ": no such template file (the daemon reads it: in a container, "
                                "mount the project at the same path)"));
  }
  return p;
}

common::Result<json> ReadTemplate(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return common::Fail(common::ValidationError("cannot read " + file.string()));
  std::stringstream text;
  text << in.rdbuf();
  return LoadTemplateText(text.str(), file.string());
}

}  // namespace

common::Result<std::vector<StackSource>> ReadStackSources(const SourceRequest& request) {
  std::vector<StackSource> out;
  if (ServerlessFile(request.path)) {
    VariableSources sources{request.environment, request.parameters, request.region,
                            request.account};
    auto project = ReadServerless(request.path, sources);
    if (!project) return common::Fail(project.error());
    out.push_back(StackSource{request.stack.empty() ? project->stack_name : request.stack,
                              project->file, project->base_dir, project->document, project->assets,
                              true, false, project->notes});
    return out;
  }
  if (!IsAssembly(request.path)) {
    auto file = TemplateFile(request.path);
    if (!file) return common::Fail(file.error());
    auto document = ReadTemplate(*file);
    if (!document) return common::Fail(document.error());
    out.push_back(
        StackSource{request.stack.empty() ? DefaultStackName(request.path) : request.stack,
                    *file,
                    file->parent_path(),
                    *document,
                    {},
                    false,
                    false,
                    {}});
    return out;
  }
  auto assembly = ReadAssembly(request.path);
  if (!assembly) return common::Fail(assembly.error());
  if (!request.stack.empty() && assembly->stacks.size() != 1) {
    return common::Fail(common::ValidationError("--stack names one stack, and " + request.path +
                                                " holds " +
                                                std::to_string(assembly->stacks.size())));
  }
  for (const AssemblyStack& stack : assembly->stacks) {
    const std::string name = request.stack.empty() ? stack.name : request.stack;
    const fs::path file = stack.template_file;
    auto document = ReadTemplate(file);
    if (!document)
      return common::Fail(common::ValidationError(name + ": " + document.error().message));
    out.push_back(
        StackSource{name, file, file.parent_path(), *document, assembly->assets, true, true, {}});
  }
  return out;
}

std::string DefaultStackName(const std::string& path) {
  std::error_code ec;
  fs::path p = fs::absolute(path, ec);
  std::string base =
      fs::is_directory(p, ec) ? p.filename().string() : p.parent_path().filename().string();
  if (base.empty() || base == "." || base == "cdk.out" || base == ".serverless") {
    base = p.parent_path().filename().string();
  }
  std::string name;
  for (char c : base) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '-') {
      name += c;
    } else if (c == '_' || c == ' ' || c == '.') {
      name += '-';
    }
  }
  while (!name.empty() && !std::isalpha(static_cast<unsigned char>(name[0]))) name.erase(0, 1);
  if (name.empty()) name = "stack";
  return name.substr(0, 128);
}

common::Result<std::string> WatchedFile(const std::string& path) {
  if (IsAssembly(path)) return (fs::absolute(path) / "manifest.json").string();
  if (auto file = ServerlessFile(path)) return file->string();
  auto file = TemplateFile(path);
  if (!file) return common::Fail(file.error());
  return file->string();
}

}  // namespace offstage::iac

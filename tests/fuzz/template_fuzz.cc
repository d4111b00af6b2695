// Fuzz target (tests/fuzz): a template's text through everything the deployer does before it
// makes anything: YAML/JSON with short-form tags (iac::LoadTemplateText), the SAM transform,
// the template's shape, the plan (parameters, conditions, order), every resource's properties
// and the outputs evaluated with each resource answering Ref and Fn::GetAtt, and the same text
// read as a serverless.yml (variables). Pure: no services, no state between inputs.
#include <cstddef>
#include <cstdint>
#include <string>

#include "emulator/iac/intrinsics.h"
#include "emulator/iac/plan.h"
#include "emulator/iac/sam.h"
#include "emulator/iac/serverless.h"
#include "emulator/iac/serverless_variables.h"
#include "emulator/iac/template.h"
#include "emulator/iac/yaml_loader.h"

using namespace offstage::iac;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto document = LoadTemplateText(text, "fuzz.yaml");
  if (!document) return 0;
  VariableSources sources;
  sources.env = {{"STAGE", "dev"}};
  sources.options = {{"stage", "fuzz"}};
  if (auto resolved = ResolveServerlessVariables(*document, sources)) {
    (void)TranslateServerless(*resolved);
  }
  std::vector<std::string> notes;
  auto transformed = ApplyTransforms(*document, &notes);
  if (!transformed) return 0;
  auto parsed = ParseTemplate(*transformed);
  if (!parsed) return 0;
  auto plan = MakePlan(*parsed, {{"Stage", "dev"}}, {},
                       PseudoParameters{"us-east-1", "000000000000", "fuzz", "arn:fuzz"});
  if (!plan) return 0;
  ResourceValues values{"physical-id", {{"Arn", "arn:aws:fuzz"}, {"TopicName", "t"}}};
  EvalContext ctx;
  ctx.parameters = plan->values;
  ctx.mappings = parsed->mappings;
  ctx.conditions = plan->conditions;
  ctx.region = "us-east-1";
  ctx.resource = [&](const std::string& id) -> const ResourceValues* {
    return plan->dependencies.contains(id) ? &values : nullptr;
  };
  ctx.import_value = [](const std::string& name) -> std::optional<std::string> {
    if (name == "shared") return "value";
    return std::nullopt;
  };
  for (const ResourceSpec* r : plan->order) (void)Evaluate(r->properties, ctx, r->logical_id);
  (void)Evaluate(parsed->outputs, ctx, "Outputs");
  return 0;
}

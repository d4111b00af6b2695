// Resource types accepted with no effect (resource_types.h): IAM roles and policies (offstage
// does not enforce IAM), CloudWatch log groups (a function's logs are offstage's own), the CDK's
// metadata, and SQS queues until SQS is emulated (issue #18). Each produces what Ref and
// Fn::GetAtt answer on AWS (names and ARNs built the same way), so the resources that read them
// deploy; the deployer reports each as accepted, with its note.
#include "emulator/common/api_error.h"
#include "emulator/iac/resource_types.h"

namespace offstage::iac {
namespace {

using nlohmann::json;
using resource::Text;

std::string Upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

std::string PathOf(const json& props) {
  std::string path = Text(props, "Path").value_or("/");
  if (path.empty()) path = "/";
  return path;
}

common::Result<Current> CreateRole(const ResourceContext& ctx, const json& props) {
  std::string name = Text(props, "RoleName").value_or("");
  if (name.empty()) name = resource::GeneratedName(ctx, 64);
  Current c;
  c.physical_id = name;
  c.values.ref = name;
  c.values.attributes = {{"Arn", "arn:aws:iam::" + ctx.account + ":role" + PathOf(props) + name},
                         {"RoleId", "AROA" + Upper(ctx.ids.Hex(9)).substr(0, 17)}};
  c.properties = props;
  return c;
}

common::Result<Current> CreateManagedPolicy(const ResourceContext& ctx, const json& props) {
  std::string name = Text(props, "ManagedPolicyName").value_or("");
  if (name.empty()) name = resource::GeneratedName(ctx, 128);
  const std::string arn = "arn:aws:iam::" + ctx.account + ":policy" + PathOf(props) + name;
  Current c;
  c.physical_id = arn;
  c.values.ref = arn;
  c.values.attributes = {{"PolicyArn", arn},
                         {"PolicyId", "ANPA" + Upper(ctx.ids.Hex(9)).substr(0, 17)}};
  c.properties = props;
  return c;
}

common::Result<Current> CreateNamed(const ResourceContext& ctx, const json& props) {
  return resource::Generated(ctx, props);
}

common::Result<Current> CreateLogGroup(const ResourceContext& ctx, const json& props) {
  std::string name = Text(props, "LogGroupName").value_or("");
  if (name.empty()) name = resource::GeneratedName(ctx, 512);
  Current c;
  c.physical_id = name;
  c.values.ref = name;
  c.values.attributes = {
      {"Arn", "arn:aws:logs:" + ctx.region + ":" + ctx.account + ":log-group:" + name + ":*"}};
  c.properties = props;
  return c;
}

// A change of the name (or path) gives a new resource, as on AWS; anything else is kept.
template <const char* kNameKey>
common::Result<std::optional<Current>> KeepUnlessRenamed(const ResourceContext&, const Current& old,
                                                         const json& props) {
  if (Text(old.properties, kNameKey) != Text(props, kNameKey) ||
      Text(old.properties, "Path") != Text(props, "Path") ||
      Text(old.properties, "FifoQueue") != Text(props, "FifoQueue")) {
    return std::nullopt;
  }
  Current c = old;
  c.properties = props;
  return c;
}

common::Status Nothing(const ResourceContext&, const Current&) { return {}; }

constexpr char kRoleName[] = "RoleName";
constexpr char kPolicyName[] = "ManagedPolicyName";
constexpr char kNoName[] = "-";
constexpr char kLogGroupName[] = "LogGroupName";

}  // namespace

std::vector<ResourceType> AcceptedResourceTypes() {
  return {
      {"AWS::IAM::Role",
       Support::kAccepted,
       "IAM is not enforced",
       {},
       {"Arn", "RoleId"},
       CreateRole,
       KeepUnlessRenamed<kRoleName>,
       Nothing},
      {"AWS::IAM::Policy",
       Support::kAccepted,
       "IAM is not enforced",
       {},
       {"Id"},
       CreateNamed,
       KeepUnlessRenamed<kNoName>,
       Nothing},
      {"AWS::IAM::ManagedPolicy",
       Support::kAccepted,
       "IAM is not enforced",
       {},
       {"PolicyArn", "PolicyId"},
       CreateManagedPolicy,
       KeepUnlessRenamed<kPolicyName>,
       Nothing},
      {"AWS::Logs::LogGroup",
       Support::kAccepted,
       "a function's logs are offstage's own (offstage logs)",
       {},
       {"Arn"},
       CreateLogGroup,
       KeepUnlessRenamed<kLogGroupName>,
       Nothing},
      {"AWS::CDK::Metadata",
       Support::kAccepted,
       "the CDK's usage metadata",
       {},
       {},
       CreateNamed,
       KeepUnlessRenamed<kNoName>,
       Nothing},
  };
}

}  // namespace offstage::iac

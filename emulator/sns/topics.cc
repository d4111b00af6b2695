// SnsService's topic API: CreateTopic, DeleteTopic, ListTopics, Get/SetTopicAttributes, the
// tags (TagResource, UntagResource, ListTagsForResource), AddPermission / RemovePermission and
// the data protection policy. Thread model: any HTTP worker thread; reads and changes go through
// the TopicStore (Read; UpdateTopic commits before memory changes).
#include <algorithm>
#include <nlohmann/json.hpp>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/sns/attributes.h"
#include "emulator/sns/sns_service.h"
#include "emulator/sns/validation.h"
#include "emulator/storage/sns_store.h"

namespace offstage::sns {
namespace {

using common::Fail;
using common::InvalidParameter;
using nlohmann::json;

// A policy statement's Sid, or "" when the statement is not an object with a string Sid: a
// Policy is stored as the caller wrote it (only its JSON is checked), and a statement that
// is not one AddPermission wrote can never match a label.
std::string SidOf(const json& statement) {
  if (!statement.is_object()) return "";
  auto it = statement.find("Sid");
  return it != statement.end() && it->is_string() ? it->get<std::string>() : "";
}

}  // namespace

Result<std::string> SnsService::CreateTopic(const RequestContext& ctx, const CreateTopicInput& in) {
  // FifoTopic decides the naming rule, so read it first.
  bool fifo = false;
  for (const auto& [name, value] : in.attributes) {
    if (name != "FifoTopic") continue;
    auto parsed = ParseBoolAttribute(name, value, "Attributes Reason: ");
    if (!parsed) return Fail(parsed.error());
    fifo = *parsed == "true";
  }
  if (auto status = ValidateTopicName(in.name, fifo); !status) return Fail(status.error());
  AttributeMap attributes;
  for (const auto& [name, value] : in.attributes) {
    auto normalized = NormalizeTopicAttribute(name, value, fifo, TopicAttributeUse::kCreate);
    if (!normalized) return Fail(normalized.error());
    if (name == "FifoTopic" && *normalized == "false") continue;  // AWS stores no FifoTopic=false
    if (!normalized->empty()) attributes[name] = *normalized;
  }
  if (fifo && !attributes.contains("ContentBasedDeduplication")) {
    attributes["ContentBasedDeduplication"] = "false";
  }
  if (in.data_protection_policy) {
    if (auto status = ValidateJsonAttribute("DataProtectionPolicy", *in.data_protection_policy, "");
        !status) {
      return Fail(status.error());
    }
    attributes["DataProtectionPolicy"] = *in.data_protection_policy;
  }
  if (auto status = ValidateTags(in.tags); !status) return Fail(status.error());
  if (in.tags.size() > kMaxTags) {
    return TagLimitExceededError();
  }

  const std::string arn = common::TopicArn(ctx.region, ctx.account, in.name);
  auto status =
      store_.UpdateTopic(arn, [&](const TopicState&, std::optional<Topic>& topic) -> Result<bool> {
        if (!topic) {
          topic = Topic{arn,     in.name,          ctx.region, ctx.account, std::move(attributes),
                        in.tags, clock_.NowNanos()};
          return true;
        }
        // Idempotent for the same name unless the request contradicts what exists.
        for (const auto& [name, value] : attributes) {
          auto existing = topic->attributes.find(name);
          const bool given = std::any_of(in.attributes.begin(), in.attributes.end(),
                                         [&](const auto& kv) { return kv.first == name; });
          if (given && (existing == topic->attributes.end() || existing->second != value)) {
            return Fail(InvalidParameter(
                "Invalid parameter: Attributes Reason: Topic already exists with different "
                "attributes"));
          }
        }
        if (!in.tags.empty()) {
          auto sorted = [](std::vector<Tag> tags) {
            std::sort(tags.begin(), tags.end(),
                      [](const Tag& a, const Tag& b) { return a.key < b.key; });
            return tags;
          };
          if (sorted(in.tags) != sorted(topic->tags)) {
            return Fail(InvalidParameter(
                "Invalid parameter: Tags Reason: Topic already exists with different tags"));
          }
        }
        return false;
      });
  if (!status) return Fail(status.error());
  return arn;
}

Status SnsService::DeleteTopic(const RequestContext& ctx, const std::string& topic_arn) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", topic_arn); !status) return status;
  // Deleting a missing topic is not an error.
  auto status = store_.UpdateTopic(
      topic_arn, [](const TopicState&, std::optional<Topic>& topic) -> Result<bool> {
        const bool existed = topic.has_value();
        topic.reset();
        return existed;
      });
  if (!status) return status;
  messages_.DropTopic(topic_arn);
  return {};
}

Result<Page<std::string>> SnsService::ListTopics(const RequestContext& ctx,
                                                 const std::optional<std::string>& next_token) {
  auto start = DecodePageToken(next_token);
  if (!start) return Fail(start.error());
  // "arn:aws:sns:<region>:<account>:", the start of the caller's topic ARNs.
  const std::string prefix = common::TopicArn(ctx.region, ctx.account, "");
  return store_.Read([&](const TopicState& state) {
    Page<std::string> page;
    auto it = state.topics.lower_bound(start->value_or(prefix));
    for (; it != state.topics.end() && common::StartsWith(it->first, prefix); ++it) {
      if (page.items.size() == kListPageSize) {
        page.next_token = EncodePageToken(it->first);
        break;
      }
      page.items.push_back(it->first);
    }
    return page;
  });
}

AttributeMap SnsService::TopicAttributes(const TopicState& state, const Topic& topic) {
  AttributeMap out = topic.attributes;
  out.erase("DataProtectionPolicy");
  out["TopicArn"] = topic.arn;
  out["Owner"] = topic.account;
  if (!out.contains("Policy")) out["Policy"] = DefaultTopicPolicy(topic.arn, topic.account);
  if (!out.contains("DisplayName")) out["DisplayName"] = "";
  out["EffectiveDeliveryPolicy"] = EffectiveTopicDeliveryPolicy(topic.delivery_policy());
  int confirmed = 0;
  int pending = 0;
  state.ForEachSubscriptionOf(
      topic.arn, [&](const Subscription& sub) { (sub.confirmed ? confirmed : pending)++; });
  out["SubscriptionsConfirmed"] = std::to_string(confirmed);
  out["SubscriptionsPending"] = std::to_string(pending);
  out["SubscriptionsDeleted"] = "0";
  return out;
}

Result<AttributeMap> SnsService::GetTopicAttributes(const RequestContext& ctx,
                                                    const std::string& topic_arn) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", topic_arn); !status) {
    return Fail(status.error());
  }
  return store_.Read([&](const TopicState& state) -> Result<AttributeMap> {
    const Topic* topic = state.topic(topic_arn);
    if (!topic) return TopicNotFoundError();
    return TopicAttributes(state, *topic);
  });
}

Status SnsService::SetTopicAttributes(const RequestContext& ctx, const std::string& topic_arn,
                                      const std::string& name, const std::string& value) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", topic_arn); !status) return status;
  return ChangeTopic(topic_arn, TopicNotFoundError(), [&](Topic& topic) -> Result<bool> {
    auto normalized = NormalizeTopicAttribute(name, value, topic.fifo(), TopicAttributeUse::kSet);
    if (!normalized) return Fail(normalized.error());
    if (normalized->empty() && name != "DisplayName") {
      topic.attributes.erase(name);
    } else {
      topic.attributes[name] = *normalized;
    }
    return true;
  });
}
Status SnsService::TagResource(const RequestContext& ctx, const std::string& arn,
                               const std::vector<Tag>& tags) {
  (void)ctx;
  if (auto status = CheckArnShape("ResourceArn", arn); !status) return status;
  if (auto status = ValidateTags(tags); !status) return status;
  return ChangeTopic(arn, ResourceNotFoundError(), [&](Topic& topic) -> Result<bool> {
    std::vector<Tag> merged = topic.tags;
    for (const Tag& tag : tags) {
      auto existing = std::find_if(merged.begin(), merged.end(),
                                   [&](const Tag& t) { return t.key == tag.key; });
      if (existing != merged.end()) {
        existing->value = tag.value;
      } else {
        merged.push_back(tag);
      }
    }
    if (merged.size() > kMaxTags) {
      return TagLimitExceededError();
    }
    topic.tags = std::move(merged);
    return true;
  });
}

Status SnsService::UntagResource(const RequestContext& ctx, const std::string& arn,
                                 const std::vector<std::string>& keys) {
  (void)ctx;
  if (auto status = CheckArnShape("ResourceArn", arn); !status) return status;
  return ChangeTopic(arn, ResourceNotFoundError(), [&](Topic& topic) -> Result<bool> {
    std::erase_if(topic.tags, [&](const Tag& tag) {
      return std::find(keys.begin(), keys.end(), tag.key) != keys.end();
    });
    return true;
  });
}

Result<std::vector<Tag>> SnsService::ListTagsForResource(const RequestContext& ctx,
                                                         const std::string& arn) {
  (void)ctx;
  if (auto status = CheckArnShape("ResourceArn", arn); !status) return Fail(status.error());
  return store_.Read([&](const TopicState& state) -> Result<std::vector<Tag>> {
    const Topic* topic = state.topic(arn);
    if (!topic) return ResourceNotFoundError();
    return topic->tags;
  });
}

Status SnsService::AddPermission(const RequestContext& ctx, const AddPermissionInput& in) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", in.topic_arn); !status) return status;
  if (in.account_ids.empty() || in.action_names.empty()) {
    return Fail(InvalidParameter(in.account_ids.empty()
                                     ? "Invalid parameter: AWSAccountId Reason: no value"
                                     : "Invalid parameter: ActionName Reason: no value"));
  }
  return ChangeTopic(in.topic_arn, TopicNotFoundError(), [&](Topic& topic) -> Result<bool> {
    auto policy_it = topic.attributes.find("Policy");
    json policy = json::parse(policy_it != topic.attributes.end()
                                  ? policy_it->second
                                  : DefaultTopicPolicy(topic.arn, topic.account),
                              nullptr, false);
    if (!policy.is_object()) policy = json::object();
    json& statements = policy["Statement"];
    if (!statements.is_array()) statements = json::array();
    for (const auto& statement : statements) {
      if (SidOf(statement) == in.label) {
        return Fail(InvalidParameter("Invalid parameter: Statement already exists"));
      }
    }
    json principals = json::array();
    for (const auto& account : in.account_ids) {
      principals.push_back("arn:aws:iam::" + account + ":root");
    }
    json actions = json::array();
    for (const auto& action : in.action_names) actions.push_back("SNS:" + action);
    statements.push_back(
        {{"Sid", in.label},
         {"Effect", "Allow"},
         {"Principal", {{"AWS", principals.size() == 1 ? principals[0] : principals}}},
         {"Action", actions.size() == 1 ? actions[0] : actions},
         {"Resource", in.topic_arn}});
    topic.attributes["Policy"] = policy.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    return true;
  });
}

Status SnsService::RemovePermission(const RequestContext& ctx, const std::string& topic_arn,
                                    const std::string& label) {
  if (auto status = CheckTopicArn(ctx, "TopicArn", topic_arn); !status) return status;
  return ChangeTopic(topic_arn, TopicNotFoundError(), [&](Topic& topic) -> Result<bool> {
    auto policy_it = topic.attributes.find("Policy");
    if (policy_it == topic.attributes.end()) return false;
    json policy = json::parse(policy_it->second, nullptr, false);
    if (!policy.is_object() || !policy["Statement"].is_array()) return false;
    auto& statements = policy["Statement"];
    const auto before = statements.size();
    statements.erase(std::remove_if(statements.begin(), statements.end(),
                                    [&](const json& s) { return SidOf(s) == label; }),
                     statements.end());
    if (statements.size() == before) return false;
    policy_it->second = policy.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
    return true;
  });
}

Result<std::string> SnsService::GetDataProtectionPolicy(const RequestContext& ctx,
                                                        const std::string& arn) {
  if (auto status = CheckTopicArn(ctx, "ResourceArn", arn); !status) return Fail(status.error());
  return store_.Read([&](const TopicState& state) -> Result<std::string> {
    const Topic* topic = state.topic(arn);
    if (!topic) return TopicNotFoundError();
    auto policy = topic->attributes.find("DataProtectionPolicy");
    return policy == topic->attributes.end() ? std::string() : policy->second;
  });
}

Status SnsService::PutDataProtectionPolicy(const RequestContext& ctx, const std::string& arn,
                                           const std::string& policy) {
  if (auto status = CheckTopicArn(ctx, "ResourceArn", arn); !status) return status;
  if (auto status = ValidateJsonAttribute("DataProtectionPolicy", policy, ""); !status) {
    return status;
  }
  return ChangeTopic(arn, TopicNotFoundError(), [&](Topic& topic) -> Result<bool> {
    topic.attributes["DataProtectionPolicy"] = policy;
    return true;
  });
}

}  // namespace offstage::sns

// Faults (faults.h): the rules, their two written forms, and the draws.
#include "emulator/common/faults.h"

#include <array>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::common {
namespace {

using nlohmann::json;

struct KindName {
  FaultKind kind;
  std::string_view name;
  bool invocation;
};
constexpr std::array<KindName, 7> kKinds = {{
    {FaultKind::kError, "error", true},
    {FaultKind::kTimeout, "timeout", true},
    {FaultKind::kCrash, "crash", true},
    {FaultKind::kThrottle, "throttle", true},
    {FaultKind::kHttpFailure, "http-failure", false},
    {FaultKind::kDelay, "delay", false},
    {FaultKind::kDuplicate, "duplicate", false},
}};

std::string KindList() {
  std::string out;
  for (const auto& k : kKinds) out += (out.empty() ? "" : ", ") + std::string(k.name);
  return out;
}

ApiError Bad(const std::string& message) { return Internal("fault rule: " + message); }

// The checks every rule passes, whichever form it was written in.
Status Check(const FaultRule& rule) {
  if (rule.name.empty()) {
    return Fail(Bad("name a target: function, topic or subscription (a name, an ARN, or *)"));
  }
  if (IsInvocationFault(rule.kind) != (rule.target == FaultTarget::kFunction)) {
    return Fail(Bad(std::string(FaultKindName(rule.kind)) +
                    (IsInvocationFault(rule.kind)
                         ? " is a fault of invocations: its target is a function"
                         : " is a fault of SNS deliveries: its target is a topic or a "
                           "subscription")));
  }
  if (!(rule.probability >= 0.0 && rule.probability <= 1.0)) {
    return Fail(Bad("probability must be between 0 and 1"));
  }
  if (rule.count && *rule.count < 1) return Fail(Bad("count must be at least 1"));
  if (rule.every < 1) return Fail(Bad("every must be at least 1"));
  if (rule.delay_ms < 0 || rule.delay_ms > 900'000) {
    return Fail(Bad("delayMs must be between 0 and 900000 (15 minutes)"));
  }
  if (rule.kind == FaultKind::kDelay && rule.delay_ms == 0) {
    return Fail(Bad("a delay needs delayMs"));
  }
  return {};
}

}  // namespace

std::optional<FaultKind> ParseFaultKind(std::string_view name) {
  for (const auto& k : kKinds) {
    if (k.name == name) return k.kind;
  }
  return std::nullopt;
}

std::string_view FaultKindName(FaultKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.name;
  }
  return "unknown";
}

bool IsInvocationFault(FaultKind kind) {
  for (const auto& k : kKinds) {
    if (k.kind == kind) return k.invocation;
  }
  return false;
}

std::string FaultRule::ToJson() const {
  json out = json::object();
  out["id"] = id;
  out[target == FaultTarget::kFunction ? "function"
      : target == FaultTarget::kTopic  ? "topic"
                                       : "subscription"] = name;
  out["kind"] = std::string(FaultKindName(kind));
  out["probability"] = probability;
  if (count) out["count"] = *count;
  out["every"] = every;
  if (kind == FaultKind::kDelay) out["delayMs"] = delay_ms;
  out["seed"] = seed;
  out["seen"] = seen;
  out["injected"] = injected;
  return out.dump(-1, ' ', false, kReplaceInvalidUtf8);
}

Result<FaultRule> FaultRule::FromJson(const std::string& text) {
  const json in = ParseJson(text);
  if (!in.is_object()) return Fail(Bad("expected a JSON object"));
  FaultRule rule;
  int targets = 0;
  for (const auto& [key, value] : in.items()) {
    auto integer = [&](int64_t& out) -> Status {
      if (!value.is_number_integer()) return Fail(Bad(key + " must be an integer"));
      out = value.get<int64_t>();
      return {};
    };
    if (key == "function" || key == "topic" || key == "subscription") {
      if (!value.is_string()) return Fail(Bad(key + " must be a string"));
      rule.target = key == "function" ? FaultTarget::kFunction
                    : key == "topic"  ? FaultTarget::kTopic
                                      : FaultTarget::kSubscription;
      rule.name = value.get<std::string>();
      ++targets;
    } else if (key == "kind") {
      auto kind = value.is_string() ? ParseFaultKind(value.get<std::string>()) : std::nullopt;
      if (!kind) return Fail(Bad("kind must be one of " + KindList()));
      rule.kind = *kind;
    } else if (key == "probability") {
      if (!value.is_number()) return Fail(Bad("probability must be a number"));
      rule.probability = value.get<double>();
    } else if (key == "count") {
      int64_t count = 0;
      if (auto status = integer(count); !status) return Fail(status.error());
      rule.count = count;
    } else if (key == "every") {
      if (auto status = integer(rule.every); !status) return Fail(status.error());
    } else if (key == "delayMs") {
      if (auto status = integer(rule.delay_ms); !status) return Fail(status.error());
    } else if (key == "seed") {
      if (!value.is_number_unsigned() && !value.is_number_integer()) {
        return Fail(Bad("seed must be an integer"));
      }
      rule.seed = value.get<uint64_t>();
    } else if (key == "id" || key == "seen" || key == "injected") {
      // read back from List: ignored
    } else {
      return Fail(Bad("unknown key '" + key +
                      "' (known: function, topic, subscription, kind, probability, count, every, "
                      "delayMs, seed)"));
    }
  }
  if (targets > 1) return Fail(Bad("name one target: function, topic or subscription"));
  if (!in.contains("kind")) return Fail(Bad("kind is required (" + KindList() + ")"));
  if (auto status = Check(rule); !status) return Fail(status.error());
  return rule;
}

Result<FaultRule> FaultRule::FromFlag(std::string_view text) {
  json in = json::object();
  for (std::string_view item : Split(text, ',')) {
    const size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return Fail(Bad("'" + std::string(item) + "' is not KEY=VALUE"));
    }
    const std::string key(item.substr(0, eq));
    const std::string value(item.substr(eq + 1));
    const std::string name = key == "delay-ms" ? "delayMs" : key;
    if (name == "probability") {
      try {
        in[name] = std::stod(value);
      } catch (const std::exception&) {
        return Fail(Bad("probability must be a number, not '" + value + "'"));
      }
    } else if (name == "count" || name == "every" || name == "delayMs" || name == "seed") {
      if (value.empty() || value.size() > 18 ||
          value.find_first_not_of("0123456789") != std::string::npos) {
        return Fail(Bad(name + " must be a whole number, not '" + value + "'"));
      }
      in[name] = std::stoll(value);
    } else {
      in[name] = value;
    }
  }
  return FromJson(in.dump(-1, ' ', false, kReplaceInvalidUtf8));
}

std::string Injection::Describe() const {
  std::string text = std::string(FaultKindName(kind));
  if (kind == FaultKind::kDelay) text += " of " + std::to_string(delay_ms) + " ms";
  return text + " injected by fault rule " + rule_id;
}

FaultRule FaultInjector::Add(FaultRule rule) {
  MutexLock lock(mu_);
  rule.id = "f" + std::to_string(next_id_++);
  rule.seen = rule.injected = 0;
  rules_.push_back(Entry{rule, std::mt19937_64(rule.seed)});
  return rule;
}

std::vector<FaultRule> FaultInjector::List() const {
  MutexLock lock(mu_);
  std::vector<FaultRule> out;
  for (const auto& entry : rules_) out.push_back(entry.rule);
  return out;
}

int FaultInjector::Clear(const std::string& id) {
  MutexLock lock(mu_);
  const size_t before = rules_.size();
  std::erase_if(rules_, [&](const Entry& e) { return id.empty() || e.rule.id == id; });
  return static_cast<int>(before - rules_.size());
}

bool FaultInjector::empty() const {
  MutexLock lock(mu_);
  return rules_.empty();
}

std::optional<Injection> FaultInjector::Draw(
    const std::vector<std::pair<FaultTarget, std::vector<std::string>>>& targets,
    std::initializer_list<FaultKind> kinds) {
  MutexLock lock(mu_);
  std::optional<Injection> fired;
  for (Entry& entry : rules_) {
    FaultRule& rule = entry.rule;
    bool wanted = false;
    for (FaultKind kind : kinds) wanted = wanted || kind == rule.kind;
    if (!wanted) continue;
    bool matches = false;
    for (const auto& [target, names] : targets) {
      if (rule.target != target) continue;
      matches = matches || rule.name == "*";
      for (const std::string& name : names) matches = matches || name == rule.name;
    }
    if (!matches) continue;
    ++rule.seen;
    if (rule.count && rule.injected >= *rule.count) continue;
    if (rule.seen % rule.every != 0) continue;
    // Drawn for every candidate call, fired or not: the sequence depends only on the rule.
    const double draw = std::uniform_real_distribution<double>(0.0, 1.0)(entry.engine);
    if (fired || draw >= rule.probability) continue;
    ++rule.injected;
    fired = Injection{rule.id, rule.kind, rule.delay_ms};
  }
  return fired;
}

}  // namespace offstage::common

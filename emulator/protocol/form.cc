#include "emulator/protocol/form.h"

#include <charconv>
#include <set>

#include "emulator/common/strings.h"

namespace offstage::protocol {

common::Result<FormParams> FormParams::Parse(std::string_view body) {
  FormParams out;
  if (body.empty()) return out;
  for (std::string_view pair : common::Split(body, '&')) {
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    const std::string_view raw_key = pair.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto key = common::FormDecode(raw_key);
    auto value = common::FormDecode(raw_value);
    if (!key || !value) {
      return common::Fail(common::ErrorCode::kMalformedQueryString,
                          "The request body is not valid application/x-www-form-urlencoded: bad "
                          "percent-encoding in '" +
                              std::string(pair.substr(0, 64)) + "'");
    }
    if (key->empty()) continue;
    out.params_[*key] = std::move(*value);
  }
  return out;
}

const std::string* FormParams::Find(std::string_view key) const {
  auto it = params_.find(key);
  return it == params_.end() ? nullptr : &it->second;
}

std::optional<std::string> FormParams::Get(std::string_view key) const {
  const std::string* value = Find(key);
  return value ? std::optional<std::string>(*value) : std::nullopt;
}

std::vector<int> FormParams::Indices(std::string_view prefix) const {
  std::set<int> indices;
  const std::string start(prefix);
  for (auto it = params_.lower_bound(start);
       it != params_.end() && common::StartsWith(it->first, start); ++it) {
    std::string_view rest = std::string_view(it->first).substr(start.size());
    int index = 0;
    auto [end, ec] = std::from_chars(rest.data(), rest.data() + rest.size(), index);
    if (ec != std::errc() || index < 1) continue;
    if (end != rest.data() + rest.size() && *end != '.') continue;
    indices.insert(index);
  }
  return {indices.begin(), indices.end()};
}

std::vector<std::string> FormParams::Members(std::string_view name, std::string_view suffix) const {
  const std::string prefix = std::string(name) + ".member.";
  std::vector<std::string> out;
  for (int index : Indices(prefix)) {
    std::string key = prefix + std::to_string(index);
    if (!suffix.empty()) key += "." + std::string(suffix);
    if (const std::string* value = Find(key)) out.push_back(*value);
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> FormParams::Entries(
    std::string_view name, std::string_view key_field, std::string_view value_field) const {
  const std::string prefix = std::string(name) + ".entry.";
  std::vector<std::pair<std::string, std::string>> out;
  for (int index : Indices(prefix)) {
    const std::string base = prefix + std::to_string(index) + ".";
    const std::string* key = Find(base + std::string(key_field));
    const std::string* value = Find(base + std::string(value_field));
    if (key) out.emplace_back(*key, value ? *value : std::string());
  }
  return out;
}

}  // namespace offstage::protocol

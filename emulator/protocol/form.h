// FormParams: an application/x-www-form-urlencoded body (or query string) decoded strictly,
// with the awsQuery accessors for lists ("Name.member.N") and maps ("Name.entry.N.key").
// ../shared/reference/aws-wire-protocol.md §2.2. A value type; no shared state.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::protocol {

class FormParams {
 public:
  // MalformedQueryString on bad percent-encoding.
  static common::Result<FormParams> Parse(std::string_view body);

  const std::string* Find(std::string_view key) const;
  std::optional<std::string> Get(std::string_view key) const;
  bool Has(std::string_view key) const { return Find(key) != nullptr; }
  // "Name.member.1", "Name.member.2", ... in index order; `suffix` selects a field of a
  // structure member ("Name.member.N.Field"). Indices need not be contiguous.
  std::vector<std::string> Members(std::string_view name, std::string_view suffix = "") const;
  // Indices N present under "Name.member.N." or "Name.entry.N.", ascending.
  std::vector<int> Indices(std::string_view prefix) const;
  // "Name.entry.N.<key_field>" / "Name.entry.N.<value_field>" pairs in index order.
  std::vector<std::pair<std::string, std::string>> Entries(std::string_view name,
                                                           std::string_view key_field,
                                                           std::string_view value_field) const;

  const std::map<std::string, std::string, std::less<>>& all() const { return params_; }

 private:
  std::map<std::string, std::string, std::less<>> params_;
};

}  // namespace offstage::protocol

#include "emulator/app/credentials_file.h"

#include <fstream>
#include <sstream>

#include "emulator/common/strings.h"

namespace offstage::app {
namespace {

std::string_view Trim(std::string_view text) {
  const size_t first = text.find_first_not_of(" \t\r");
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(" \t\r");
  return text.substr(first, last - first + 1);
}

common::ApiError Bad(std::string message) { return common::InvalidParameter(std::move(message)); }

}  // namespace

common::Result<std::map<std::string, std::string>> ParseCredentialsIni(std::string_view text,
                                                                       const std::string& origin) {
  std::map<std::string, std::string> keys;
  std::string section;
  std::string id;
  std::string secret;
  auto close = [&]() -> common::Status {
    if (id.empty() != secret.empty()) {
      return common::Fail(Bad(origin + ": profile [" + section +
                              "] needs both aws_access_key_id and aws_secret_access_key"));
    }
    if (!id.empty()) keys[id] = secret;
    id.clear();
    secret.clear();
    return {};
  };
  for (std::string_view line : common::Split(text, '\n')) {
    line = Trim(line);
    if (line.empty() || line.front() == '#' || line.front() == ';') continue;
    if (line.front() == '[') {
      if (auto status = close(); !status) return common::Fail(status.error());
      section = std::string(Trim(line.substr(1, line.find(']') - 1)));
      continue;
    }
    const size_t eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    const std::string name = common::ToLower(Trim(line.substr(0, eq)));
    const std::string value(Trim(line.substr(eq + 1)));
    if (name == "aws_access_key_id") id = value;
    if (name == "aws_secret_access_key") secret = value;
  }
  if (auto status = close(); !status) return common::Fail(status.error());
  if (keys.empty()) {
    return common::Fail(Bad(origin + ": no profile with aws_access_key_id and "
                                     "aws_secret_access_key"));
  }
  return keys;
}

common::Result<std::map<std::string, std::string>> LoadAccessKeys(
    const std::string& credentials_file, const std::vector<std::string>& access_keys) {
  std::map<std::string, std::string> keys;
  if (!credentials_file.empty()) {
    std::ifstream in(credentials_file);
    if (!in) return common::Fail(Bad("--credentials: cannot read " + credentials_file));
    std::stringstream text;
    text << in.rdbuf();
    auto parsed = ParseCredentialsIni(text.str(), credentials_file);
    if (!parsed) return common::Fail(parsed.error());
    keys = std::move(*parsed);
  }
  for (const std::string& item : access_keys) {
    const size_t colon = item.find(':');
    if (colon == 0 || colon == std::string::npos || colon + 1 == item.size()) {
      return common::Fail(Bad("--access-key: '" + item + "' is not ID:SECRET"));
    }
    keys[item.substr(0, colon)] = item.substr(colon + 1);
  }
  return keys;
}

}  // namespace offstage::app

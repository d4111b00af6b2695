#include "emulator/common/arn.h"

#include "emulator/common/strings.h"

namespace offstage::common {

std::string Arn::ToString() const {
  return "arn:" + partition + ":" + service + ":" + region + ":" + account + ":" + resource;
}

int ArnElementCount(std::string_view text) {
  int count = 1;
  for (char c : text) count += c == ':';
  return count;
}

std::optional<Arn> ParseArn(std::string_view text) {
  if (!StartsWith(text, "arn:")) return std::nullopt;
  Arn arn;
  std::string* fields[] = {&arn.partition, &arn.service, &arn.region, &arn.account};
  size_t pos = 4;
  for (std::string* field : fields) {
    const size_t colon = text.find(':', pos);
    if (colon == std::string_view::npos) return std::nullopt;
    *field = std::string(text.substr(pos, colon - pos));
    pos = colon + 1;
  }
  arn.resource = std::string(text.substr(pos));
  return arn;
}

std::string TopicArn(std::string_view region, std::string_view account, std::string_view name) {
  return "arn:aws:sns:" + std::string(region) + ":" + std::string(account) + ":" +
         std::string(name);
}

std::string FunctionArn(std::string_view region, std::string_view account, std::string_view name) {
  return "arn:aws:lambda:" + std::string(region) + ":" + std::string(account) +
         ":function:" + std::string(name);
}

}  // namespace offstage::common

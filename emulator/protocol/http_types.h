// HttpResponse: what a codec answers, independent of the HTTP library. A value type.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace offstage::protocol {

struct HttpResponse {
  int status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
};

}  // namespace offstage::protocol

// Fuzz target (tests/fuzz): the Lambda REST-JSON codec (LambdaCodec::Handle) against a real
// LambdaService. Input: "METHOD /path?query" on the first line, then "name: value" header lines,
// an empty line and the body. State carries over between inputs (functions created stay), as in
// a daemon. Invocations are skipped (they would spawn processes). Single-threaded.
#include <cctype>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "emulator/common/strings.h"
#include "emulator/protocol/lambda_codec.h"
#include "tests/fuzz/fixture.h"

namespace {

std::string_view NextLine(std::string_view& rest) {
  const size_t end = rest.find('\n');
  const std::string_view line = rest.substr(0, end);
  rest = end == std::string_view::npos ? std::string_view() : rest.substr(end + 1);
  return line;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view rest(reinterpret_cast<const char*>(data), size);
  offstage::protocol::LambdaRequest request;
  const std::string_view first = NextLine(rest);
  const size_t space = first.find(' ');
  if (space == std::string_view::npos) return 0;
  request.method = std::string(first.substr(0, space));
  std::string_view target = first.substr(space + 1);
  const size_t question = target.find('?');
  if (question != std::string_view::npos) {
    std::string_view query = target.substr(question + 1);
    target = target.substr(0, question);
    while (!query.empty()) {
      const size_t amp = query.find('&');
      const std::string_view pair = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      const size_t eq = pair.find('=');
      auto key = offstage::common::PercentDecode(pair.substr(0, eq));
      auto value = offstage::common::PercentDecode(
          eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
      if (key && value) request.query.emplace(*key, *value);
    }
  }
  auto path = offstage::common::PercentDecode(target);
  if (!path) return 0;
  request.path = *path;
  if (!offstage::protocol::IsLambdaPath(request.path)) return 0;
  // Invoke and InvokeAsync would spawn the runtime process; everything else runs.
  if (request.path.find("/invocations") != std::string::npos) return 0;
  if (request.path.find("/invoke-async") != std::string::npos) return 0;
  for (std::string_view line = NextLine(rest); !line.empty(); line = NextLine(rest)) {
    const size_t colon = line.find(':');
    if (colon == std::string_view::npos) break;
    std::string name(line.substr(0, colon));
    for (char& ch : name) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    request.headers[name] = std::string(value);
  }
  request.body = std::string(rest);
  auto& services = offstage::fuzz::TheServices();
  const offstage::protocol::LambdaCodec codec(*services.lambda, *services.mappings);
  (void)codec.Handle(services.ctx, request);
  return 0;
}

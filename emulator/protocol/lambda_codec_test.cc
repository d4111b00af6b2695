// Unit tests for protocol::LambdaCodec's error rendering (the routes are covered by the
// integration tests and tests/fuzz/lambda_codec_fuzz). Owned by protocol/; single-threaded.
#include "emulator/protocol/lambda_codec.h"

#include <doctest/doctest.h>

#include <string>

namespace offstage::protocol {

// Regression (found by tests/fuzz/lambda_codec_fuzz): an error message quoting client text that
// is not UTF-8 made nlohmann's dump() throw type_error 316 out of the codec.
TEST_CASE("RenderError survives a message that is not UTF-8") {
  HttpResponse response;
  CHECK_NOTHROW(response = LambdaCodec::RenderError(
                    common::InvalidParameter(std::string("Function not found: \xd7\xd7\xff"))));
  CHECK(response.status == 400);
  CHECK(response.body.find("Function not found: ") != std::string::npos);
}

}  // namespace offstage::protocol

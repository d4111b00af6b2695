#include "emulator/common/arn.h"

#include <doctest/doctest.h>

#include "emulator/common/api_error.h"

namespace offstage::common {

TEST_CASE("ParseArn splits the five fixed fields and keeps the resource whole") {
  auto arn = ParseArn("arn:aws:lambda:us-east-1:000000000000:function:f:prod");
  REQUIRE(arn.has_value());
  CHECK(arn->service == "lambda");
  CHECK(arn->region == "us-east-1");
  CHECK(arn->account == "000000000000");
  CHECK(arn->resource == "function:f:prod");
  CHECK(arn->ToString() == "arn:aws:lambda:us-east-1:000000000000:function:f:prod");
  CHECK_FALSE(ParseArn("foo").has_value());
  CHECK_FALSE(ParseArn("arn:aws:sns:us-east-1").has_value());
  CHECK(ArnElementCount("foo") == 1);
  CHECK(ArnElementCount("a:b") == 2);
  CHECK(TopicArn("eu-west-1", "123456789012", "t") == "arn:aws:sns:eu-west-1:123456789012:t");
}

TEST_CASE("The error table has AWS's codes and statuses") {
  CHECK(Info(ErrorCode::kInvalidParameter).aws_code == "InvalidParameter");
  CHECK(Info(ErrorCode::kParameterValueInvalid).http_status == 400);
  CHECK(Info(ErrorCode::kNotFound).http_status == 404);
  CHECK(Info(ErrorCode::kInternalError).fault == Fault::kReceiver);
  CHECK(Info(ErrorCode::kMethodNotAllowed).aws_code == "MethodNotAllowed");
}

}  // namespace offstage::common

// Function's stored form: versions (each carrying its own identity and the $LATEST revision it
// was published from), aliases (with their routing) and function URLs survive ToJson /
// FromJson, and a version number names a version only when it is one.
#include "emulator/lambda/function.h"

#include <doctest/doctest.h>

namespace offstage::lambda {

TEST_CASE("Versions and aliases are stored with their function") {
  Function f;
  f.name = "worker";
  f.arn = "arn:aws:lambda:us-east-1:000000000000:function:worker";
  f.region = "us-east-1";
  f.account = "000000000000";
  f.runtime = "nodejs20.x";
  f.role = "arn:aws:iam::000000000000:role/r";
  f.handler = "index.handler";
  f.code.dir = "/code/a";
  f.code.sha256 = "sha-a";
  f.revision_id = "rev-latest";
  Function v1 = f;
  v1.version = "1";
  v1.description = "first";
  v1.variables = {{"GREETING", "one"}};
  v1.revision_id = "rev-1";
  v1.latest_revision = "rev-latest";
  v1.generation = 4;
  f.versions.emplace(1, std::make_shared<const Function>(v1));
  f.last_version = 3;  // 2 and 3 were deleted: never given again
  f.aliases["live"] = Alias{"live", "1", "the live one", {{"3", 0.25}}, "rev-alias"};
  f.code.dir = "/code/b";  // $LATEST moved on
  UrlCors cors;
  cors.allow_origins = {"http://app.test"};
  cors.allow_methods = {"GET"};
  cors.max_age = 60;
  f.urls["live"] = UrlConfig{"abc123", "live", "AWS_IAM", cors, "BUFFERED", 10, 20};

  auto loaded = Function::FromJson(f.ToJson());
  REQUIRE(loaded.has_value());
  CHECK(loaded->version == "$LATEST");
  CHECK(loaded->last_version == 3);
  CHECK(loaded->code.dir == "/code/b");
  REQUIRE(loaded->versions.size() == 1);
  const Function* version = loaded->Version("1");
  REQUIRE(version != nullptr);
  CHECK(version->version == "1");
  CHECK(version->name == "worker");
  CHECK(version->arn == f.arn);
  CHECK(version->VersionArn() == f.arn + ":1");
  CHECK(version->description == "first");
  CHECK(version->variables.at("GREETING") == "one");
  CHECK(version->code.dir == "/code/a");
  CHECK(version->latest_revision == "rev-latest");
  CHECK(version->generation == 4);
  REQUIRE(loaded->aliases.size() == 1);
  const Alias& alias = loaded->aliases.at("live");
  CHECK(alias.function_version == "1");
  CHECK(alias.description == "the live one");
  CHECK(alias.additional_version_weights.at("3") == doctest::Approx(0.25));
  CHECK(alias.revision_id == "rev-alias");

  REQUIRE(loaded->urls.size() == 1);
  const UrlConfig& url = loaded->urls.at("live");
  CHECK(url.url_id == "abc123");
  CHECK(url.auth_type == "AWS_IAM");
  REQUIRE(url.cors.has_value());
  CHECK(url.cors->allow_origins == std::vector<std::string>{"http://app.test"});
  CHECK(url.cors->max_age == 60);
  CHECK(url.last_modified_ns == 20);

  CHECK(loaded->Version("2") == nullptr);
  CHECK(loaded->Version("live") == nullptr);
  CHECK(loaded->Version("") == nullptr);
  CHECK(loaded->Version("99999999999") == nullptr);
}

}  // namespace offstage::lambda

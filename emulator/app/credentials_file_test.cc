// Unit tests of the --credentials / --access-key parsing (credentials_file.h). Single-threaded.
#include "emulator/app/credentials_file.h"

#include <doctest/doctest.h>

namespace offstage::app {

TEST_CASE("ParseCredentialsIni reads every profile's key pair, as ~/.aws/credentials holds them") {
  auto keys = ParseCredentialsIni(
      "# comment\n[default]\naws_access_key_id = AKIDA\naws_secret_access_key = se/cr+et\n"
      "aws_session_token = ignored\n\n[other]\r\nAWS_ACCESS_KEY_ID=AKIDB\r\n"
      "aws_secret_access_key=b\r\n[empty]\nregion = us-east-1\n",
      "file");
  REQUIRE(keys.has_value());
  CHECK(keys->size() == 2);
  CHECK(keys->at("AKIDA") == "se/cr+et");
  CHECK(keys->at("AKIDB") == "b");
  auto half = ParseCredentialsIni("[p]\naws_access_key_id = AKIDA\n", "file");
  REQUIRE_FALSE(half.has_value());
  CHECK(half.error().message ==
        "file: profile [p] needs both aws_access_key_id and aws_secret_access_key");
  CHECK_FALSE(ParseCredentialsIni("[p]\nregion = x\n", "file").has_value());
}

TEST_CASE("LoadAccessKeys takes ID:SECRET items, the secret may hold ':'") {
  auto keys = LoadAccessKeys("", {"AKIDA:a:b", "test:test"});
  REQUIRE(keys.has_value());
  CHECK(keys->at("AKIDA") == "a:b");
  CHECK(keys->at("test") == "test");
  CHECK_FALSE(LoadAccessKeys("", {"nocolon"}).has_value());
  CHECK_FALSE(LoadAccessKeys("", {":secret"}).has_value());
  CHECK_FALSE(LoadAccessKeys("/nonexistent/credentials", {}).has_value());
  CHECK(LoadAccessKeys("", {})->empty());
}

}  // namespace offstage::app

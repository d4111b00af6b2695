// AwsApi: how a stack's resources are made. As on AWS, where CloudFormation is a client of the
// services' own APIs, the deployer calls offstage's SNS (awsQuery), SQS (JSON 1.0) and Lambda
// (REST JSON) APIs,
// so a resource gets the same validation, defaults and error wording as the CLI or an SDK would.
// HttpAwsApi sends each call to the daemon's own public port over loopback (the port is bound
// before anything is built, so there is no wiring cycle between the server and the deployer);
// unit tests use a fake. Thread model: HttpAwsApi opens a connection per call, so any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::iac {

using FormParams = std::vector<std::pair<std::string, std::string>>;

class AwsApi {
 public:
  virtual ~AwsApi() = default;
  // An SNS action (Action=... among `params`): the XML answer; an error answer becomes an
  // ApiError whose message reads "Code: Message".
  virtual common::Result<std::string> Sns(const FormParams& params) = 0;
  // A Lambda call (`path` with its query, e.g. /2015-03-31/functions): the JSON answer (null
  // for an empty one); `body` null sends none.
  virtual common::Result<nlohmann::json> Lambda(std::string_view method, const std::string& path,
                                                const nlohmann::json& body) = 0;
  // An SQS action in the AWS JSON 1.0 protocol (X-Amz-Target: AmazonSQS.<action>): the JSON
  // answer; an error becomes "Code: Message" with SQS's awsQuery code.
  virtual common::Result<nlohmann::json> Sqs(std::string_view action,
                                             const nlohmann::json& input) = 0;
};

// Keys the deployer signs its requests with (serve --verify-signatures checks every request).
struct SigningKey {
  std::string access_key_id;
  std::string secret;
  std::string session_token;  // sent as X-Amz-Security-Token when set
};

class HttpAwsApi final : public AwsApi {
 public:
  // `host`:`port` is the daemon's public listener; `region` goes in each request's SigV4
  // credential scope (the daemon reads the region from there). With `key`, each request is
  // signed with SigV4 as an SDK signs it; without, it carries the scope only.
  HttpAwsApi(std::string host, int port, std::string region,
             std::optional<SigningKey> key = std::nullopt);
  common::Result<std::string> Sns(const FormParams& params) override;
  common::Result<nlohmann::json> Lambda(std::string_view method, const std::string& path,
                                        const nlohmann::json& body) override;
  common::Result<nlohmann::json> Sqs(std::string_view action, const nlohmann::json& input) override;

 private:
  // The headers that authenticate a request: the scope only, or a SigV4 signature.
  std::vector<std::pair<std::string, std::string>> Authenticate(std::string_view service,
                                                                std::string_view method,
                                                                const std::string& target,
                                                                std::string_view body) const;
  const std::string host_;
  const int port_;
  const std::string region_;
  const std::optional<SigningKey> key_;
};

// The text of the first <tag>...</tag> in `xml`, XML entities decoded; empty when absent.
std::string XmlText(std::string_view xml, std::string_view tag);

}  // namespace offstage::iac

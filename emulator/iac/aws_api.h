// AwsApi: how a stack's resources are made. As on AWS, where CloudFormation is a client of the
// services' own APIs, the deployer calls offstage's SNS (awsQuery) and Lambda (REST JSON) APIs,
// so a resource gets the same validation, defaults and error wording as the CLI or an SDK would.
// HttpAwsApi sends each call to the daemon's own public port over loopback (the port is bound
// before anything is built, so there is no wiring cycle between the server and the deployer);
// unit tests use a fake. Thread model: HttpAwsApi opens a connection per call, so any thread.
#pragma once

#include <nlohmann/json.hpp>
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
};

class HttpAwsApi final : public AwsApi {
 public:
  // `host`:`port` is the daemon's public listener; `region` goes in each request's SigV4
  // credential scope (the daemon reads the region from there).
  HttpAwsApi(std::string host, int port, std::string region);
  common::Result<std::string> Sns(const FormParams& params) override;
  common::Result<nlohmann::json> Lambda(std::string_view method, const std::string& path,
                                        const nlohmann::json& body) override;

 private:
  std::string Authorization(std::string_view service) const;
  const std::string host_;
  const int port_;
  const std::string region_;
};

// The text of the first <tag>...</tag> in `xml`, XML entities decoded; empty when absent.
std::string XmlText(std::string_view xml, std::string_view tag);

}  // namespace offstage::iac

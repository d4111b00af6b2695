// AwsApi over loopback HTTP (aws_api.h).
#include "emulator/iac/aws_api.h"

#include <httplib.h>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"

namespace offstage::iac {

using nlohmann::json;

namespace {

common::ApiError Refused(const std::string& code, const std::string& message) {
  return common::ApiError{common::ErrorCode::kValidationError,
                          (code.empty() ? std::string("Error") : code) + ": " + message};
}

std::unique_ptr<httplib::Client> Connect(const std::string& host, int port) {
  auto client = std::make_unique<httplib::Client>(host, port);
  client->set_connection_timeout(5);
  client->set_read_timeout(120);  // a function's code extraction can take a while
  client->set_write_timeout(30);
  return client;
}

}  // namespace

std::string XmlText(std::string_view xml, std::string_view tag) {
  const std::string open = "<" + std::string(tag) + ">";
  const std::string close = "</" + std::string(tag) + ">";
  const size_t start = xml.find(open);
  if (start == std::string_view::npos) return {};
  const size_t end = xml.find(close, start + open.size());
  if (end == std::string_view::npos) return {};
  std::string_view raw = xml.substr(start + open.size(), end - start - open.size());
  std::string out;
  for (size_t i = 0; i < raw.size(); ++i) {
    if (raw[i] != '&') {
      out += raw[i];
      continue;
    }
    static const std::pair<std::string_view, char> kEntities[] = {
        {"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    bool done = false;
    for (const auto& [entity, c] : kEntities) {
      if (raw.substr(i).starts_with(entity)) {
        out += c;
        i += entity.size() - 1;
        done = true;
        break;
      }
    }
    if (!done) out += '&';
  }
  return out;
}

HttpAwsApi::HttpAwsApi(std::string host, int port, std::string region)
    : host_(std::move(host)), port_(port), region_(std::move(region)) {}

std::string HttpAwsApi::Authorization(std::string_view service) const {
  // Unsigned (the daemon checks signatures only with --verify-signatures); the scope carries
  // the stack's region.
  return "AWS4-HMAC-SHA256 Credential=offstage-deploy/20260101/" + region_ + "/" +
         std::string(service) + "/aws4_request, SignedHeaders=host, Signature=0";
}

common::Result<std::string> HttpAwsApi::Sns(const FormParams& params) {
  std::string body;
  for (const auto& [key, value] : params) {
    if (!body.empty()) body += '&';
    body += common::PercentEncode(key) + "=" + common::PercentEncode(value);
  }
  auto client = Connect(host_, port_);
  httplib::Headers headers = {{"Authorization", Authorization("sns")}};
  auto res = client->Post("/", headers, body, "application/x-www-form-urlencoded");
  if (!res) {
    return common::Fail(
        common::Internal("the SNS API did not answer: " + httplib::to_string(res.error())));
  }
  if (res->status >= 300)
    return common::Fail(Refused(XmlText(res->body, "Code"), XmlText(res->body, "Message")));
  return res->body;
}

common::Result<json> HttpAwsApi::Lambda(std::string_view method, const std::string& path,
                                        const json& body) {
  auto client = Connect(host_, port_);
  httplib::Headers headers = {{"Authorization", Authorization("lambda")}};
  const std::string text =
      body.is_null() ? std::string() : body.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  httplib::Result res{nullptr, httplib::Error::Unknown};
  if (method == "GET") {
    res = client->Get(path, headers);
  } else if (method == "DELETE") {
    res = client->Delete(path, headers);
  } else if (method == "PUT") {
    res = client->Put(path, headers, text, "application/json");
  } else {
    res = client->Post(path, headers, text, "application/json");
  }
  if (!res) {
    return common::Fail(
        common::Internal("the Lambda API did not answer: " + httplib::to_string(res.error())));
  }
  json answer = nullptr;
  if (!res->body.empty()) answer = common::ParseJson(res->body);
  if (res->status >= 300) {
    std::string code = res->get_header_value("x-amzn-ErrorType");
    if (size_t colon = code.find(':'); colon != std::string::npos) code.resize(colon);
    std::string message;
    if (answer.is_object()) {
      for (const char* key : {"message", "Message"}) {
        if (answer.contains(key) && answer[key].is_string()) message = answer[key];
      }
    }
    return common::Fail(Refused(code, message.empty() ? res->body : message));
  }
  if (answer.is_discarded()) answer = nullptr;
  return answer;
}

}  // namespace offstage::iac

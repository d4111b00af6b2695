// AwsApi over loopback HTTP (aws_api.h).
#include "emulator/iac/aws_api.h"

#include <httplib.h>

#include <algorithm>
#include <ctime>

#include "emulator/common/api_error.h"
#include "emulator/common/json.h"
#include "emulator/common/sigv4_canonical.h"
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

HttpAwsApi::HttpAwsApi(std::string host, int port, std::string region,
                       std::optional<SigningKey> key)
    : host_(std::move(host)), port_(port), region_(std::move(region)), key_(std::move(key)) {}

std::vector<std::pair<std::string, std::string>> HttpAwsApi::Authenticate(
    std::string_view service, std::string_view method, const std::string& target,
    std::string_view body) const {
  const std::time_t now = std::time(nullptr);
  std::tm utc{};
  gmtime_r(&now, &utc);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &utc);
  const std::string amz_date = stamp;
  const std::string date = amz_date.substr(0, 8);
  const std::string scope = date + "/" + region_ + "/" + std::string(service) + "/aws4_request";
  if (!key_) {
    // Unsigned (the daemon checks signatures only with --verify-signatures); the scope carries
    // the stack's region.
    return {{"Authorization", "AWS4-HMAC-SHA256 Credential=offstage-deploy/" + scope +
                                  ", SignedHeaders=host, Signature=0"}};
  }
  const std::string host = host_ + ":" + std::to_string(port_);
  const size_t question = target.find('?');
  const std::string_view path = std::string_view(target).substr(0, question);
  const std::string_view query = question == std::string::npos
                                     ? std::string_view()
                                     : std::string_view(target).substr(question + 1);
  std::vector<std::pair<std::string, std::string>> headers = {{"host", host},
                                                              {"x-amz-date", amz_date}};
  if (!key_->session_token.empty())
    headers.emplace_back("x-amz-security-token", key_->session_token);
  std::string canonical_headers;
  std::string signed_headers;
  for (const auto& [name, value] : headers) {
    canonical_headers += name + ":" + value + "\n";
    signed_headers += (signed_headers.empty() ? "" : ";") + name;
  }
  const std::string canonical = std::string(method) + "\n" +
                                common::sigv4::CanonicalUri(path, /*single_encode=*/false) + "\n" +
                                common::sigv4::CanonicalQuery(query) + "\n" + canonical_headers +
                                "\n" + signed_headers + "\n" + common::Sha256Hex(body);
  const std::string to_sign =
      "AWS4-HMAC-SHA256\n" + amz_date + "\n" + scope + "\n" + common::Sha256Hex(canonical);
  const std::string signature =
      common::sigv4::Signature(key_->secret, date, region_, service, to_sign);
  std::vector<std::pair<std::string, std::string>> out = {
      {"Host", host},
      {"X-Amz-Date", amz_date},
      {"Authorization", "AWS4-HMAC-SHA256 Credential=" + key_->access_key_id + "/" + scope +
                            ", SignedHeaders=" + signed_headers + ", Signature=" + signature}};
  if (!key_->session_token.empty()) out.emplace_back("X-Amz-Security-Token", key_->session_token);
  return out;
}

common::Result<std::string> HttpAwsApi::Sns(const FormParams& params) {
  std::string body;
  for (const auto& [key, value] : params) {
    if (!body.empty()) body += '&';
    body += common::PercentEncode(key) + "=" + common::PercentEncode(value);
  }
  auto client = Connect(host_, port_);
  httplib::Headers headers;
  for (auto& [name, value] : Authenticate("sns", "POST", "/", body)) headers.emplace(name, value);
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
  const std::string text =
      body.is_null() ? std::string() : body.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  httplib::Headers headers;
  for (auto& [name, value] : Authenticate("lambda", method, path, text)) {
    headers.emplace(name, value);
  }
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

common::Result<json> HttpAwsApi::Sqs(std::string_view action, const json& input) {
  auto client = Connect(host_, port_);
  const std::string text = input.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  httplib::Headers headers;
  for (auto& [name, value] : Authenticate("sqs", "POST", "/", text)) headers.emplace(name, value);
  headers.emplace("X-Amz-Target", "AmazonSQS." + std::string(action));
  auto res = client->Post("/", headers, text, "application/x-amz-json-1.0");
  if (!res) {
    return common::Fail(
        common::Internal("the SQS API did not answer: " + httplib::to_string(res.error())));
  }
  json answer = res->body.empty() ? json::object() : common::ParseJson(res->body);
  if (res->status >= 300) {
    std::string code = res->get_header_value("x-amzn-query-error");
    if (size_t semicolon = code.find(';'); semicolon != std::string::npos) code.resize(semicolon);
    std::string message;
    if (answer.is_object() && answer.contains("message") && answer["message"].is_string()) {
      message = answer["message"];
    }
    return common::Fail(Refused(code, message.empty() ? res->body : message));
  }
  if (answer.is_discarded()) answer = json::object();
  return answer;
}

}  // namespace offstage::iac

#include "emulator/cli/client.h"

#include <httplib.h>
#include <time.h>

#include <cstdlib>
#include <iostream>

#include "emulator/common/strings.h"

namespace offstage::cli {

void AddClientOptions(CLI::App& command, ClientOptions& options, std::vector<std::string> formats) {
  command.add_option("--endpoint", options.endpoint,
                     "Daemon URL (default: $OFFSTAGE_ENDPOINT, $AWS_ENDPOINT_URL, "
                     "http://127.0.0.1:4566)");
  command.add_option("--format", options.format, "Output format")
      ->check(CLI::IsMember(formats))
      ->capture_default_str();
  command.add_option("--region", options.region,
                     "Region (default: $AWS_REGION, $AWS_DEFAULT_REGION, the daemon's --region)");
  command.add_option("--account", options.account, "Account id (default: the daemon's --account)")
      ->check([](const std::string& value) {
        if (value.size() == 12 && value.find_first_not_of("0123456789") == std::string::npos) {
          return std::string();
        }
        return std::string("an account id is 12 digits");
      });
}

std::string ResolveRegion(const std::string& flag) {
  if (!flag.empty()) return flag;
  for (const char* name : {"AWS_REGION", "AWS_DEFAULT_REGION"}) {
    if (const char* value = std::getenv(name); value && *value) return value;
  }
  return "";
}

DaemonClient::DaemonClient(const ClientOptions& options)
    : endpoint_(ResolveEndpoint(options.endpoint)),
      region_(ResolveRegion(options.region)),
      account_(options.account) {}

std::string ResolveEndpoint(const std::string& flag) {
  if (!flag.empty()) return flag;
  for (const char* name : {"OFFSTAGE_ENDPOINT", "AWS_ENDPOINT_URL"}) {
    if (const char* value = std::getenv(name); value && *value) return value;
  }
  return "http://127.0.0.1:4566";
}

namespace {

httplib::Headers ScopeHeaders(const std::string& region, const std::string& account) {
  httplib::Headers headers;
  if (!region.empty()) headers.emplace("X-Offstage-Region", region);
  if (!account.empty()) headers.emplace("X-Offstage-Account", account);
  return headers;
}

// Nothing answered: `connected` when the daemon took the request and the answer did not come.
HttpResult Unanswered(httplib::Error error) {
  const bool connected = error == httplib::Error::Read || error == httplib::Error::Write;
  return HttpResult{0, "", httplib::to_string(error), connected};
}

}  // namespace

HttpResult DaemonClient::Get(const std::string& path,
                             const std::map<std::string, std::string>& query) const {
  httplib::Client client(endpoint_);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(30, 0);
  std::string target = path;
  char sep = '?';
  for (const auto& [key, value] : query) {
    target += sep + common::PercentEncode(key) + "=" + common::PercentEncode(value);
    sep = '&';
  }
  auto response = client.Get(target, ScopeHeaders(region_, account_));
  if (!response) return Unanswered(response.error());
  return HttpResult{response->status, response->body, "", true};
}

HttpResult DaemonClient::Post(const std::string& path, const std::string& json_body) const {
  httplib::Client client(endpoint_);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(960, 0);  // a synchronous invoke may run up to 900 s
  auto response = client.Post(path, ScopeHeaders(region_, account_), json_body, "application/json");
  if (!response) return Unanswered(response.error());
  return HttpResult{response->status, response->body, "", true};
}

HttpResult DaemonClient::Delete(const std::string& path,
                                const std::map<std::string, std::string>& query) const {
  httplib::Client client(endpoint_);
  client.set_connection_timeout(2, 0);
  client.set_read_timeout(960, 0);  // destroying a stack may wait for a deploy in progress
  httplib::Params params(query.begin(), query.end());
  auto response =
      client.Delete(httplib::append_query_params(path, params), ScopeHeaders(region_, account_));
  if (!response) return Unanswered(response.error());
  return HttpResult{response->status, response->body, "", true};
}

void DaemonClient::ReportUnreachable(const HttpResult& result) const {
  if (result.connected) {
    std::cerr << "offstage: the daemon at " << endpoint_
              << " took the request but its answer did not come (" << result.error
              << "); it may still be carrying it out\n";
    return;
  }
  std::cerr << "offstage: no daemon answers at " << endpoint_ << " (" << result.error
            << "); start one with `offstage serve`, or point --endpoint / OFFSTAGE_ENDPOINT at "
               "it\n";
}

std::optional<int64_t> SinceNs(const std::string& since) {
  auto duration = common::ParseDurationNs(since);
  if (!duration) return std::nullopt;
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  return now.tv_sec * 1'000'000'000LL + now.tv_nsec - *duration;
}

}  // namespace offstage::cli

// DaemonClient: how client subcommands reach a running daemon. The endpoint comes from
// --endpoint, then OFFSTAGE_ENDPOINT, then AWS_ENDPOINT_URL, then http://127.0.0.1:4566
// (DESIGN "The command line"). Used on the main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <map>
#include <optional>
#include <string>

namespace offstage::cli {

struct ClientOptions {
  std::string endpoint;  // empty: resolved from the environment
  std::string format = "text";
  std::string region;   // empty: --region, then AWS_REGION, then AWS_DEFAULT_REGION
  std::string account;  // empty: the daemon's default account
};

void AddClientOptions(CLI::App& command, ClientOptions& options,
                      std::vector<std::string> formats = {"text", "json"});
std::string ResolveEndpoint(const std::string& flag);
// --region, then AWS_REGION, then AWS_DEFAULT_REGION; "" leaves it to the daemon (--region of
// `offstage serve`, us-east-1 by default).
std::string ResolveRegion(const std::string& flag);

// A --since value ("30s", "10m", "2h", "1d") as the epoch-nanosecond time that long ago (the
// daemon's timestamps are on that scale); nullopt when it is not a duration.
std::optional<int64_t> SinceNs(const std::string& since);

struct HttpResult {
  int status = 0;  // 0: nothing answered
  std::string body;
  std::string error;       // why nothing answered
  bool connected = false;  // nothing answered, but the daemon took the request
};

class DaemonClient {
 public:
  explicit DaemonClient(std::string endpoint) : endpoint_(std::move(endpoint)) {}
  // The daemon of `options`, asked in its region and account (sent as the X-Offstage-Region
  // and X-Offstage-Account headers, which name the scope of control API requests).
  explicit DaemonClient(const ClientOptions& options);
  HttpResult Get(const std::string& path, const std::map<std::string, std::string>& query) const;
  HttpResult Post(const std::string& path, const std::string& json_body) const;
  HttpResult Delete(const std::string& path, const std::map<std::string, std::string>& query) const;
  const std::string& endpoint() const { return endpoint_; }
  // The region asked for, or "" (the daemon's default).
  const std::string& region() const { return region_; }
  // Prints "no daemon answers at ..." to stderr; the caller exits 2.
  void ReportUnreachable(const HttpResult& result) const;

 private:
  std::string endpoint_;
  std::string region_;
  std::string account_;
};

}  // namespace offstage::cli

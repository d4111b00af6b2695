// HttpServer: the one public listener (DESIGN decision 1). Routes SNS awsQuery (POST / and the
// unsigned GET / used by SubscribeURL/UnsubscribeURL) and the control API (/_offstage/...),
// builds each request's context from its SigV4 scope (with --verify-signatures, refuses SNS and
// Lambda requests whose signature does not verify, before routing), and renders codec answers;
// BrowserGuard screens every request before routing. Owned by app::Daemon. Thread model:
// HttpListener's workers call Handle concurrently; the server keeps no mutable state after
// construction. Start() serves on a thread the server owns; Stop() (and the destructor) closes
// the change feed so the dashboard's long polls answer at once, stops accepting, lets the
// requests in flight finish and joins: destroying the server is its shutdown.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "emulator/common/change_feed.h"
#include "emulator/common/clock.h"
#include "emulator/common/ids.h"
#include "emulator/common/log.h"
#include "emulator/common/result.h"
#include "emulator/lambda/event_source_mappings.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/protocol/browser_guard.h"
#include "emulator/protocol/function_url_server.h"
#include "emulator/protocol/http_listener.h"
#include "emulator/protocol/listen_socket.h"
#include "emulator/protocol/sigv4.h"
#include "emulator/runtime/pool.h"
#include "emulator/sns/sns_service.h"
#include "emulator/sqs/sqs_service.h"
#include "emulator/telemetry/failure_queries.h"
#include "emulator/telemetry/log_queries.h"
#include "emulator/telemetry/trace_queries.h"

namespace offstage::protocol {

class SigV4Verifier;

struct ServerOptions {
  int threads = 64;
  std::string default_region = "us-east-1";
  std::string default_account = "000000000000";
  std::vector<std::string> cors_origins;   // --cors-origins
  std::vector<std::string> allowed_hosts;  // --allowed-hosts
  // serve --verify-signatures: SNS and Lambda requests must be SigV4-signed by a known key
  // (docs/security.md); null leaves signatures unchecked.
  std::shared_ptr<const SigV4Verifier> verifier;
};

class SnsCodec;
class LambdaCodec;
class SqsCodec;
class ControlApi;

class HttpServer {
 public:
  using HealthProvider = std::function<std::string()>;  // JSON body of /_offstage/health

  struct Backends {
    sns::SnsService& sns;
    lambda::LambdaService& lambda;
    sqs::SqsService& sqs;
    lambda::EventSourceMappings& mappings;
    telemetry::LogQueries& logs;
    telemetry::TraceQueries& traces;
    telemetry::FailureQueries& failures;
    common::ChangeFeed& changes;
    const runtime::Pool& pool;
    common::FaultInjector& faults;  // offstage faults (GET/POST/DELETE /_offstage/faults)
    HealthProvider health;
    // The PEM certificate that verifies SNS signatures (served at sns::kCertificatePath).
    std::function<common::Result<std::string>()> certificate;
    // Fills RequestContext::trace_id and parent_span (from the signing access key id).
    std::function<void(common::RequestContext&)> attribute;
    // One retention pass now: the retention JSON after it (POST /_offstage/prune).
    std::function<common::Result<std::string>()> prune;
    // Stacks (offstage deploy / stacks / destroy; docs/iac.md), each answering JSON: deploy
    // takes POST /_offstage/stacks's body, get a stack's name ("" for every stack), destroy
    // DELETE /_offstage/stacks/NAME's name. A kNotFound error answers 404; other errors 400.
    struct Stacks {
      std::function<common::Result<std::string>(const std::string& body)> deploy;
      std::function<common::Result<std::string>(const std::string& name)> get;
      std::function<common::Result<std::string>(const std::string& name)> destroy;
    };
    Stacks stacks;
  };
  // Serves `socket`, opened by the caller before it built the backends.
  HttpServer(ServerOptions options, ListenSocket socket, Backends backends,
             const common::Clock& clock, common::IdGenerator& ids, common::Logger& log);
  ~HttpServer();

  // Serves on a thread of its own; returns once its accept loop runs. Call once.
  void Start();
  // Idempotent; from the thread that owns the server.
  void Stop();

 private:
  HttpResponse Handle(const HttpRequest& request);
  HttpResponse Route(const HttpRequest& request);
  std::optional<HttpResponse> Stacks(const HttpRequest& request) const;
  common::RequestContext Context(const HttpRequest& request) const;
  // With --verify-signatures: the error to answer when the request's signature does not verify
  // for `api`; nullopt to go on.
  std::optional<common::ApiError> Refusal(const HttpRequest& req, SignedApi api) const;
  // SQS: a JSON 1.0 request (X-Amz-Target: AmazonSQS.*) or an awsQuery form of an SQS action;
  // nullopt when the request is not SQS's.
  std::optional<HttpResponse> Sqs(const HttpRequest& req);

  const ServerOptions options_;
  const common::Clock& clock_;
  common::IdGenerator& ids_;
  common::Logger& log_;
  std::unique_ptr<SnsCodec> sns_codec_;
  std::unique_ptr<LambdaCodec> lambda_codec_;
  std::unique_ptr<SqsCodec> sqs_codec_;
  std::unique_ptr<ControlApi> control_;
  std::function<common::Result<std::string>()> certificate_;
  std::function<void(common::RequestContext&)> attribute_;
  std::function<common::Result<std::string>()> prune_;
  Backends::Stacks stacks_;
  const BrowserGuard guard_;  // its Host rule depends on the bound address
  std::unique_ptr<FunctionUrlServer> function_urls_;
  common::ChangeFeed& changes_;
  std::unique_ptr<HttpListener> listener_;
  std::thread thread_;  // runs the listener's accept loop, from Start to Stop
};

}  // namespace offstage::protocol

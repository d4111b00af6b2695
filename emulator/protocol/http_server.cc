#include "emulator/protocol/http_server.h"

#include <httplib.h>
#include <time.h>

#include <cctype>
#include <nlohmann/json.hpp>

#include "emulator/common/strings.h"
#include "emulator/protocol/control_api.h"
#include "emulator/protocol/form.h"
#include "emulator/protocol/lambda_codec.h"
#include "emulator/protocol/sigv4.h"
#include "emulator/protocol/sns_codec.h"

namespace offstage::protocol {
namespace {

std::string HttpDate() {
  const time_t now = time(nullptr);
  tm utc{};
  gmtime_r(&now, &utc);
  char buf[64];
  strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S GMT", &utc);
  return buf;
}

bool IsAccountId(std::string_view text) {
  if (text.size() != 12) return false;
  for (char c : text) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

void Send(httplib::Response& res, const HttpResponse& reply, const std::string& request_id) {
  res.status = reply.status;
  res.set_header("x-amzn-RequestId", request_id);
  res.set_header("Date", HttpDate());
  for (const auto& [name, value] : reply.headers) {
    if (name != "x-amzn-RequestId") res.set_header(name, value);
  }
  if (!reply.body.empty() || !reply.content_type.empty()) {
    res.set_content(reply.body, reply.content_type);
  }
}

}  // namespace

HttpServer::HttpServer(ServerOptions options, Backends backends, const common::Clock& clock,
                       common::IdGenerator& ids, common::Logger& log)
    : options_(std::move(options)),
      clock_(clock),
      ids_(ids),
      log_(log),
      sns_codec_(std::make_unique<SnsCodec>(backends.sns)),
      lambda_codec_(std::make_unique<LambdaCodec>(backends.lambda)),
      control_(std::make_unique<ControlApi>(std::move(backends.health), backends.logs,
                                            backends.traces, backends.sns, backends.lambda)),
      certificate_(std::move(backends.certificate)),
      attribute_(std::move(backends.attribute)),
      prune_(std::move(backends.prune)),
      server_(std::make_unique<httplib::Server>()) {
  const int threads = options_.threads;
  server_->new_task_queue = [threads] { return new httplib::ThreadPool(threads); };
  // Debian's library bakes in a keep-alive max of 5 requests and no TCP_NODELAY: without
  // NODELAY every response waits for a delayed ACK (~40 ms); see build-facts.md.
  server_->set_tcp_nodelay(true);
  server_->set_keep_alive_max_count(100000);
  // cpp-httplib's stop() waits for idle keep-alive connections to time out, so this bounds
  // how long shutdown can take; clients reconnect transparently after it.
  server_->set_keep_alive_timeout(2);
  server_->set_read_timeout(10, 0);
  server_->set_write_timeout(10, 0);
  server_->set_payload_max_length(80 * 1024 * 1024);  // a 50 MB zip, base64-encoded, fits
  Routes();
}

HttpServer::~HttpServer() { Stop(); }

common::Result<int> HttpServer::Bind() {
  const int port = runtime::BindWithFullBacklog(*server_, options_.host, options_.port);
  if (port < 0) {
    return common::Fail(common::Internal("cannot listen on " + options_.host + ":" +
                                         std::to_string(options_.port) +
                                         " (is another process using the port?)"));
  }
  return port;
}

void HttpServer::Serve() { server_->listen_after_bind(); }

void HttpServer::WaitUntilServing() { runtime::WaitUntilRunning(*server_); }

void HttpServer::Stop() {
  if (server_) server_->stop();
}

void HttpServer::Routes() {
  auto context = [this](const httplib::Request& req) {
    sns::RequestContext ctx;
    ctx.received_ns = clock_.NowNanos();
    ctx.request_id = ids_.Uuid();
    ctx.region = options_.default_region;
    ctx.account = options_.default_account;
    if (auto scope = ParseCredentialScope(req.get_header_value("Authorization"))) {
      ctx.region = scope->region;
      ctx.access_key_id = scope->access_key_id;
      if (IsAccountId(scope->access_key_id)) ctx.account = scope->access_key_id;
    }
    ctx.trace_header = req.get_header_value("X-Amzn-Trace-Id");
    if (attribute_) attribute_(ctx);
    return ctx;
  };

  auto sns = [this, context](const httplib::Request& req, httplib::Response& res,
                             std::string_view form) {
    const sns::RequestContext ctx = context(req);
    auto params = FormParams::Parse(form);
    const HttpResponse reply = params ? sns_codec_->Handle(ctx, *params)
                                      : SnsCodec::RenderError(params.error(), ctx.request_id);
    Send(res, reply, ctx.request_id);
  };

  // Read the body through a content reader: Debian's cpp-httplib otherwise answers 413 to any
  // x-www-form-urlencoded body over 8 KiB (CPPHTTPLIB_FORM_URL_ENCODED_PAYLOAD_MAX_LENGTH is
  // compiled into the library), which would refuse every Publish above that size.
  server_->Post("/", [sns](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& content_reader) {
    std::string body;
    const bool complete = content_reader([&](const char* data, size_t length) {
      body.append(data, length);
      return true;
    });
    if (!complete) {
      // The client sent less than its Content-Length and went away (or timed out): never act
      // on a partial request.
      res.status = 400;
      return;
    }
    sns(req, res, body);
  });
  // Old clients and the SubscribeURL/UnsubscribeURL links send the query in the URL.
  server_->Get("/", [sns](const httplib::Request& req, httplib::Response& res) {
    const size_t q = req.target.find('?');
    sns(req, res,
        q == std::string::npos ? std::string_view() : std::string_view(req.target).substr(q + 1));
  });

  auto lambda = [this, context](const httplib::Request& req, httplib::Response& res) {
    const sns::RequestContext ctx = context(req);
    LambdaRequest request;
    request.method = req.method;
    request.path = req.path;
    for (const auto& [key, value] : req.params) request.query.emplace(key, value);
    for (const auto& [name, value] : req.headers) {
      request.headers[common::ToLower(name)] = value;
    }
    request.body = req.body;
    const HttpResponse reply = lambda_codec_->Handle(ctx, request);
    std::string request_id = ctx.request_id;
    for (const auto& [name, value] : reply.headers) {
      if (name == "x-amzn-RequestId") request_id = value;
    }
    Send(res, reply, request_id);
  };
  // Lambda's REST-JSON API: every path starts with a date segment (§1 of the wire reference).
  const std::string dated = R"(/\d{4}-\d{2}-\d{2}/.*)";
  server_->Get(dated, lambda);
  server_->Post(dated, lambda);
  server_->Put(dated, lambda);
  server_->Delete(dated, lambda);

  auto control = [](const httplib::Request& req, httplib::Response& res,
                    const HttpResponse& reply) {
    (void)req;
    res.status = reply.status;
    res.set_content(reply.body, reply.content_type);
  };
  server_->Get("/_offstage/health",
               [this, control](const httplib::Request& req, httplib::Response& res) {
                 control(req, res, control_->Health());
               });
  server_->Get(std::string(sns::kCertificatePath),
               [this](const httplib::Request&, httplib::Response& res) {
                 auto pem = certificate_ ? certificate_() : common::Result<std::string>("");
                 if (!pem || pem->empty()) {
                   res.status = 500;
                   res.set_content(pem ? "no certificate" : pem.error().message, "text/plain");
                   return;
                 }
                 res.set_content(*pem, "application/x-x509-ca-cert");
               });
  server_->Get("/_offstage/traces",
               [this, control](const httplib::Request& req, httplib::Response& res) {
                 std::map<std::string, std::string> query;
                 for (const auto& [key, value] : req.params) query[key] = value;
                 control(req, res, control_->Traces(query));
               });
  server_->Get(R"(/_offstage/traces/([^/]+))",
               [this, control](const httplib::Request& req, httplib::Response& res) {
                 control(req, res, control_->Trace(req.matches[1].str()));
               });
  server_->Get(R"(/_offstage/invocations/([^/]+))",
               [this, control](const httplib::Request& req, httplib::Response& res) {
                 control(req, res, control_->Invocation(req.matches[1].str()));
               });
  auto action = [this, context](const httplib::Request& req, httplib::Response& res, auto method) {
    const common::RequestContext ctx = context(req);
    const HttpResponse reply = (control_.get()->*method)(ctx, req.body);
    res.status = reply.status;
    res.set_content(reply.body, reply.content_type);
  };
  server_->Post("/_offstage/replay/message", [action](const auto& req, auto& res) {
    action(req, res, &ControlApi::ReplayMessage);
  });
  server_->Post("/_offstage/replay/invocation", [action](const auto& req, auto& res) {
    action(req, res, &ControlApi::ReplayInvocation);
  });
  server_->Post("/_offstage/replay/failed", [action](const auto& req, auto& res) {
    action(req, res, &ControlApi::ReplayFailed);
  });
  server_->Post("/_offstage/publish",
                [action](const auto& req, auto& res) { action(req, res, &ControlApi::Publish); });
  server_->Post("/_offstage/invoke",
                [action](const auto& req, auto& res) { action(req, res, &ControlApi::Invoke); });
  server_->Get("/_offstage/topics", [this, context, control](const auto& req, auto& res) {
    control(req, res, control_->Topics(context(req)));
  });
  server_->Get("/_offstage/functions", [this, context, control](const auto& req, auto& res) {
    control(req, res, control_->Functions(context(req)));
  });
  server_->Post("/_offstage/prune", [this](const httplib::Request&, httplib::Response& res) {
    auto done = prune_ ? prune_()
                       : common::Result<std::string>(
                             common::Fail(common::Internal("retention is not available")));
    if (done) {
      res.set_content(*done, "application/json");
    } else {
      res.status = done.error().code == common::ErrorCode::kInvalidParameter ? 409 : 503;
      res.set_content(nlohmann::json{{"error", done.error().message}}.dump(), "application/json");
    }
  });
  server_->Get("/_offstage/logs",
               [this, control](const httplib::Request& req, httplib::Response& res) {
                 std::map<std::string, std::string> query;
                 for (const auto& [key, value] : req.params) query[key] = value;
                 control(req, res, control_->Logs(query));
               });

  server_->set_error_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (!res.body.empty()) return;
    const std::string request_id = ids_.Uuid();
    res.set_header("x-amzn-RequestId", request_id);
    if (res.status == 404) {
      res.set_header("x-amzn-ErrorType", "UnknownOperationException");
      res.set_content("{\"Type\":\"User\",\"message\":\"offstage has no operation at " +
                          req.method + " " + req.path + "\"}",
                      "application/json");
    } else if (res.status == 413) {
      res.set_content(
          "{\"Type\":\"User\",\"message\":\"Request must be smaller than 83886080 "
          "bytes\"}",
          "application/json");
    }
  });
  server_->set_exception_handler(
      [this](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
        std::string what = "unknown exception";
        try {
          std::rethrow_exception(ep);
        } catch (const std::exception& e) {
          what = e.what();
        } catch (...) {
        }
        log_.Error("internal error while handling a request: " + what);
        const std::string request_id = ids_.Uuid();
        Send(res, SnsCodec::RenderError(common::Internal("Internal error: " + what), request_id),
             request_id);
      });
}

}  // namespace offstage::protocol

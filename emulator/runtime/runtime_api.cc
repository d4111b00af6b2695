// Environment::Routes: the Runtime API one environment serves its runtime process (GET
// /next, POST /response, /error and /init/error, AWS's paths and error shapes), each call checked
// against the lifecycle table of sandbox.h before it changes anything. Split from
// environment.cc, which holds the rest of Environment; the same thread model: these handlers run
// on the listener's threads and take Environment::mu_, never across I/O (a content provider
// writes the event's bytes after the state changed).
#include <httplib.h>

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <memory>
#include <nlohmann/json.hpp>

#include "emulator/common/json.h"
#include "emulator/runtime/environment.h"
#include "emulator/runtime/handler_run.h"

namespace offstage::runtime {
namespace {

constexpr size_t kMaxResponseBytes = 6 * 1024 * 1024 + 100;  // as the RIE (§4.4)

void Reply(httplib::Response& res, int status, const std::string& type,
           const std::string& message) {
  res.status = status;
  res.set_content(ErrorBody(type, message), "application/json");
}

}  // namespace

void Environment::Routes() {
  server_->Get("/2018-06-01/runtime/invocation/next", [this](const httplib::Request&,
                                                             httplib::Response& res) {
    common::MutexLock lock(mu_);
    const auto idle = Transition(state_, SandboxEvent::kNext);
    if (!idle && state_ == State::kInvoking) {
      Reply(res, 403, "InvalidStateTransition",
            "State transition from Invoking to Ready is not allowed: the current "
            "invocation has not been answered");
      return;
    }
    if (!idle || stopping_) {
      Reply(res, 500, "InternalServerError", "Internal Server Error");
      return;
    }
    const int64_t now = clock_.NowNanos();
    if (first_next_ns_ == 0) first_next_ns_ = now;
    state_ = *idle;
    idle_since_ns_ = now;
    cv_.notify_all();
    // Faithful freeze: nothing to do until the next event, so no CPU at all.
    if (!pending_ && spec_.freeze) Freeze();
    cv_.wait(lock.native(), [&]() REQUIRES(mu_) { return pending_.has_value() || stopping_; });
    const auto invoking = Transition(state_, SandboxEvent::kHandOver);
    if (stopping_ || !invoking) {
      Reply(res, 500, "InternalServerError", "Internal Server Error");
      return;
    }
    InvocationRequest request = std::move(*pending_);
    pending_.reset();
    state_ = *invoking;
    current_id_ = request.request_id;
    last_id_ = request.request_id;
    handed_over_ns_ = clock_.NowNanos();
    written_ns_ = 0;
    deadline_ns_ = handed_over_ns_ + request.timeout_ns;
    cv_.notify_all();
    res.set_header("Lambda-Runtime-Aws-Request-Id", request.request_id);
    res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ns_ / 1'000'000));
    res.set_header("Lambda-Runtime-Invoked-Function-Arn", request.invoked_function_arn);
    if (!request.trace_id.empty()) {
      res.set_header("Lambda-Runtime-Trace-Id", request.trace_id);
    }
    if (request.client_context) {
      res.set_header("Lambda-Runtime-Client-Context", *request.client_context);
    }
    // The event counts as handed over once its bytes are in the runtime's socket, not when this
    // thread picked it up: a content provider writes the body and then takes the timestamp, so a
    // recorded duration is the runtime's own part and no more (docs/tracing.md).
    auto payload = std::make_shared<std::string>(std::move(request.payload));
    res.set_content_provider(payload->size(), "application/json",
                             [this, payload, id = request.request_id](size_t offset, size_t length,
                                                                      httplib::DataSink& sink) {
                               if (!sink.write(payload->data() + offset, length)) return false;
                               const int64_t written = clock_.NowNanos();
                               common::MutexLock written_lock(mu_);
                               if (current_id_ == id) written_ns_ = written;
                               return true;
                             });
  });

  auto answer = [this](const httplib::Request& req, httplib::Response& res, bool error,
                       const std::string& body, bool too_large) {
    const std::string id = req.matches[1].str();
    InvocationOutcome outcome;
    outcome.payload = body;
    outcome.kind = error ? OutcomeKind::kFunctionError : OutcomeKind::kSuccess;
    if (error) {
      outcome.error_type = req.get_header_value("Lambda-Runtime-Function-Error-Type");
      if (outcome.error_type.empty()) {
        auto parsed = common::ParseJson(body);
        if (parsed.is_object() && parsed.contains("errorType") && parsed["errorType"].is_string()) {
          outcome.error_type = parsed["errorType"].get<std::string>();
        } else {
          outcome.error_type = "Unhandled";
        }
      }
    }
    auto pending = common::ParseJson(req.get_header_value("Offstage-Pending-Work"));
    if (pending.is_array()) {
      for (const auto& item : pending) {
        if (item.is_string()) outcome.pending_work.push_back(item.get<std::string>());
      }
    }
    common::MutexLock lock(mu_);
    const auto answered = Transition(state_, SandboxEvent::kAnswer);
    if (!answered || current_id_.empty()) {
      Reply(res, 403, "InvalidStateTransition",
            "State transition is not allowed: no invocation is in progress");
      return;
    }
    if (id != current_id_) {
      Reply(res, 400, "InvalidRequestID", "Invalid request ID");
      return;
    }
    if (too_large) {
      outcome.kind = OutcomeKind::kFunctionError;
      outcome.error_type = "Function.ResponseSizeTooLarge";
      outcome.payload = ErrorBody("Function.ResponseSizeTooLarge",
                                  "Response payload size exceeded maximum allowed payload size "
                                  "(6291556 bytes).");
      Reply(res, 413, "RequestEntityTooLarge",
            "Exceeded maximum allowed payload size (6291556 bytes).");
    } else {
      res.status = 202;
      res.set_content("{\"status\":\"OK\"}", "application/json");
    }
    outcome.finished_ns = clock_.NowNanos();
    outcome.handed_over_ns = written_ns_ != 0 ? written_ns_ : handed_over_ns_;
    HandlerRun(req.get_header_value("Offstage-Handler-Run"), handed_over_ns_, clock_, outcome);
    outcome_ = std::move(outcome);
    current_id_.clear();
    state_ = *answered;
    cv_.notify_all();
  };
  // The body is read in chunks: at most kMaxResponseBytes are kept, the rest is discarded.
  auto streamed = [answer](bool error) {
    return [answer, error](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& content) {
      std::string body;
      bool too_large = false;
      content([&](const char* data, size_t length) {
        if (!too_large && body.size() + length <= kMaxResponseBytes) {
          body.append(data, length);
        } else if (!too_large) {
          too_large = true;
          std::string().swap(body);
        }
        return true;
      });
      answer(req, res, error, body, too_large);
    };
  };
  server_->Post(R"(/2018-06-01/runtime/invocation/([^/]+)/response)", streamed(false));
  server_->Post(R"(/2018-06-01/runtime/invocation/([^/]+)/error)", streamed(true));
  server_->Post("/2018-06-01/runtime/init/error",
                [this](const httplib::Request& req, httplib::Response& res) {
                  std::string type = req.get_header_value("Lambda-Runtime-Function-Error-Type");
                  if (type.empty()) type = "Runtime.Unknown";
                  common::MutexLock lock(mu_);
                  if (!Transition(state_, SandboxEvent::kInitError)) {
                    Reply(res, 403, "InvalidStateTransition",
                          "State transition from Ready to InitError is not allowed");
                    return;
                  }
                  init_error_ = std::make_pair(type, req.body);
                  cv_.notify_all();
                  res.status = 202;
                  res.set_content("{\"status\":\"OK\"}", "application/json");
                });
  server_->set_error_handler([](const httplib::Request&, httplib::Response& res) {
    if (res.status == 404 && res.body.empty()) {
      Reply(res, 404, "InvalidRequest", "Unknown Runtime API path");
    }
  });
}

}  // namespace offstage::runtime

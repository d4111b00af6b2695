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
#include <utility>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"
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

// An /error's type: the header's, else the document's errorType, else "Unhandled".
std::string ErrorTypeOf(const std::string& header, const std::string& body) {
  if (!header.empty()) return header;
  auto parsed = common::ParseJson(body);
  if (parsed.is_object() && parsed.contains("errorType") && parsed["errorType"].is_string()) {
    return parsed["errorType"].get<std::string>();
  }
  return "Unhandled";
}

// How a streamed response ended, as its trailers tell.
struct StreamError {
  bool declared = false;  // the runtime reported an error
  std::string type;
  std::string body;  // the error document
};

// The trailers' error. cpp-httplib reads trailers from the version that has
// Request::get_trailer_value; the one Debian 12 ships (0.11) refuses a chunked body that has
// any: its read fails at the end, so a stream that declared the error trailers and failed
// there ended with an error whose type and message cannot be read here.
template <typename Request>
StreamError TrailerError(const Request& req, bool complete) {
  constexpr const char* kType = "Lambda-Runtime-Function-Error-Type";
  constexpr const char* kBody = "Lambda-Runtime-Function-Error-Body";
  StreamError error;
  if constexpr (requires { req.get_trailer_value(kType); }) {
    if (req.has_trailer(kType)) {
      error.declared = true;
      error.type = req.get_trailer_value(kType);
      auto decoded = common::Base64Decode(req.get_trailer_value(kBody));
      error.body = decoded && !decoded->empty() ? *decoded : ErrorBody(error.type, "");
      return error;
    }
  }
  if (!complete && req.get_header_value("Trailer").find(kType) != std::string::npos) {
    error.declared = true;
    error.type = "Unhandled";
    error.body = ErrorBody(
        "Unhandled",
        "The function's runtime ended its streamed response with an error; this build's HTTP "
        "library (cpp-httplib without trailer support) cannot read the error's type and message "
        "from the stream's trailers: the function's log has them");
  }
  return error;
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
    // No one waits for this: an Invoke that came first left its event pending (taken below)
    // and waits for the answer, which this does not change.
    // Faithful freeze: nothing to do until the next event, so no CPU at all.
    if (!pending_ && !start_at_next_ && spec_.freeze) Freeze();
    cv_.wait(lock.native(), [&]() REQUIRES(mu_) { return pending_.has_value() || stopping_; });
    const auto invoking = Transition(state_, SandboxEvent::kHandOver);
    if (stopping_ || !invoking) {
      Reply(res, 500, "InternalServerError", "Internal Server Error");
      return;
    }
    InvocationRequest request = std::move(*pending_);
    pending_.reset();
    taken_ = true;
    state_ = *invoking;
    current_id_ = request.request_id;
    last_id_ = request.request_id;
    handed_over_ns_ = clock_.NowNanos();
    written_ns_ = 0;
    deadline_ns_ = handed_over_ns_ + request.timeout_ns;
    // The waiting Invoke needs to know only if its deadline is now sooner than the one it
    // sleeps until (a cold start's init allowance); a warm hand-over never makes it sooner.
    if (deadline_ns_ < invoke_wait_limit_ns_) cv_.notify_all();
    res.set_header("Lambda-Runtime-Aws-Request-Id", request.request_id);
    res.set_header("Lambda-Runtime-Deadline-Ms", std::to_string(deadline_ns_ / 1'000'000));
    res.set_header("Lambda-Runtime-Invoked-Function-Arn", request.invoked_function_arn);
    if (!request.trace_id.empty()) {
      res.set_header("Lambda-Runtime-Trace-Id", request.trace_id);
    }
    if (request.client_context) {
      res.set_header("Lambda-Runtime-Client-Context", *request.client_context);
    }
    if (std::exchange(start_at_next_, false)) {
      // What the runtime wrote after its last answer and before it took this event is not this
      // event's. START goes before the event's bytes are written (after this returns), so
      // before any line of its handler; Emit takes mu_ itself, and Invoke waits for it before
      // its END.
      log_.clear();
      start_writing_ = true;
      lock.Unlock();
      EmitStart(request.request_id);
      lock.Lock();
      start_writing_ = false;
      if (start_awaited_) cv_.notify_all();
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

  // Settles the current invocation with `outcome` (its payload, kind and error type filled by
  // the route; a too large payload becomes Function.ResponseSizeTooLarge).
  auto answer = [this](const httplib::Request& req, httplib::Response& res,
                       InvocationOutcome outcome, bool too_large) {
    const std::string id = req.matches[1].str();
    auto pending = common::ParseJson(req.get_header_value("Offstage-Pending-Work"));
    if (pending.is_array()) {
      for (const auto& item : pending) {
        if (item.is_string()) outcome.pending_work.push_back(item.get<std::string>());
      }
    }
    // Settled under the lock; the waiting Invoke is woken after it is released, so it does
    // not wake only to block on the mutex this thread still holds.
    {
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
    }
    cv_.notify_all();
  };
  // A buffered answer (/response, /error): the body is read in chunks, at most
  // kMaxResponseBytes are kept and the rest is discarded.
  auto buffered = [this, answer](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& content, bool error) {
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
    InvocationOutcome outcome;
    outcome.kind = error ? OutcomeKind::kFunctionError : OutcomeKind::kSuccess;
    if (error) {
      outcome.error_type =
          ErrorTypeOf(req.get_header_value("Lambda-Runtime-Function-Error-Type"), body);
      // An /error while the invocation's response streams in: kept for the stream's end.
      common::MutexLock lock(mu_);
      if (!streaming_id_.empty() && streaming_id_ == req.matches[1].str()) {
        stream_error_ = std::make_pair(outcome.error_type, std::move(body));
        res.status = 202;
        res.set_content("{\"status\":\"OK\"}", "application/json");
        return;
      }
    }
    outcome.payload = std::move(body);
    answer(req, res, std::move(outcome), too_large);
  };
  // A streamed answer (Lambda-Runtime-Function-Response-Mode: streaming, chunked): each chunk
  // goes to the invocation's sink as it arrives (or is buffered into the payload when the
  // caller has none, as Lambda's Invoke buffers a streaming function's answer). An error after
  // the stream began comes in the trailers Lambda-Runtime-Function-Error-Type and
  // Lambda-Runtime-Function-Error-Body (base64 of the error document), as AWS's clients send
  // it, or (offstage's runtime clients) as an /error posted before the stream ends.
  auto streamed = [this, answer](const httplib::Request& req, httplib::Response& res,
                                 const httplib::ContentReader& content) {
    const std::string id = req.matches[1].str();
    std::string content_type = req.get_header_value("Content-Type");
    if (content_type.empty()) content_type = "application/octet-stream";
    InvocationOutcome outcome;
    outcome.kind = OutcomeKind::kSuccess;
    outcome.streamed = true;
    {
      common::MutexLock lock(mu_);
      if (current_id_ == id) {
        streaming_id_ = id;
        stream_error_.reset();
      }
    }
    bool began = false;
    bool too_large = false;
    bool undeliverable = false;  // the sink threw: nothing more goes to it
    const bool complete = content([&](const char* data, size_t length) {
      if (outcome.first_byte_ns == 0) outcome.first_byte_ns = clock_.NowNanos();
      outcome.streamed_bytes += static_cast<int64_t>(length);
      ResponseSink* sink = nullptr;
      if (!undeliverable) {
        common::MutexLock lock(mu_);
        if (current_id_ == id && sink_ != nullptr) {
          sink = sink_;
          ++sink_writers_;
        }
      }
      if (sink != nullptr) {
        // However the write ends (a throw included), the count comes down: Invoke waits for it.
        struct Release {
          Environment* env;
          ~Release() {
            common::MutexLock lock(env->mu_);
            --env->sink_writers_;
            env->cv_.notify_all();
          }
        } release{this};
        try {
          if (!began) sink->Begin(content_type);
          began = true;
          sink->Write(std::string_view(data, length));
        } catch (const std::exception&) {
          undeliverable = true;  // the rest is read and dropped; the runtime's answer settles it
        }
      } else if (undeliverable) {
        // dropped
      } else if (!too_large && outcome.payload.size() + length <= kMaxResponseBytes) {
        outcome.payload.append(data, length);
      } else if (!too_large) {
        too_large = true;
        std::string().swap(outcome.payload);
      }
      return true;
    });
    StreamError error = TrailerError(req, complete);
    {
      common::MutexLock lock(mu_);
      if (streaming_id_ == id) {
        streaming_id_.clear();
        if (stream_error_ && complete) {
          error = StreamError{true, stream_error_->first, stream_error_->second};
        }
        stream_error_.reset();
      }
    }
    if (!complete && !error.declared) {
      // The runtime's connection broke mid-stream: its exit (or the timeout) settles it.
      Reply(res, 400, "InvalidRequest", "The streamed response ended before its last chunk");
      return;
    }
    if (error.declared) {
      outcome.kind = OutcomeKind::kFunctionError;
      outcome.error_type = error.type;
      outcome.payload = error.body;
      too_large = false;
    } else if (began) {
      outcome.payload.clear();  // it went to the sink
    }
    answer(req, res, std::move(outcome), too_large);
  };
  server_->Post(
      R"(/2018-06-01/runtime/invocation/([^/]+)/response)",
      [answer, buffered, streamed](const httplib::Request& req, httplib::Response& res,
                                   const httplib::ContentReader& content) {
        const std::string mode = req.get_header_value("Lambda-Runtime-Function-Response-Mode");
        if (mode == "streaming") return streamed(req, res, content);
        if (mode.empty()) return buffered(req, res, content, /*error=*/false);
        // As the Runtime Interface Emulator: the invocation fails with the runtime's
        // fault.
        content([](const char*, size_t) { return true; });
        InvocationOutcome outcome;
        outcome.kind = OutcomeKind::kFunctionError;
        outcome.error_type = "Runtime.InvalidResponseModeHeader";
        outcome.payload = ErrorBody("Runtime.InvalidResponseModeHeader",
                                    "Invalid Lambda-Runtime-Function-Response-Mode '" +
                                        mode.substr(0, 64) + "': it may be 'streaming' or absent");
        answer(req, res, std::move(outcome), /*too_large=*/false);
      });
  server_->Post(R"(/2018-06-01/runtime/invocation/([^/]+)/error)",
                [buffered](const httplib::Request& req, httplib::Response& res,
                           const httplib::ContentReader& content) {
                  buffered(req, res, content, /*error=*/true);
                });
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

// The control API's actions for the CLI: replay (a message, an invocation, a redrive of
// failures), publish, invoke, and the lists of topics and functions. JSON in and out.
#include <algorithm>
#include <nlohmann/json.hpp>

#include "emulator/common/arn.h"
#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/protocol/control_api.h"

namespace offstage::protocol {
namespace {

using nlohmann::json;

HttpResponse Reply(int status, const json& body) {
  return HttpResponse{
      status, "application/json", body.dump(-1, ' ', false, common::kReplaceInvalidUtf8), {}};
}

HttpResponse Error(const common::ApiError& error) {
  return Reply(error.info().http_status,
               {{"error", error.message}, {"code", std::string(error.info().aws_code)}});
}

HttpResponse BadRequest(const std::string& message) {
  return Reply(400, {{"error", message}, {"code", "BadRequest"}});
}

// A POST without a body (or only whitespace) is an empty object: the action then names the
// member it needs, or runs with its defaults.
std::optional<json> Body(const std::string& text) {
  if (text.find_first_not_of(" \t\r\n") == std::string::npos) return json::object();
  auto parsed = common::ParseJson<json>(text);
  if (!parsed.is_object()) return std::nullopt;
  return parsed;
}

std::optional<std::string> String(const json& body, const char* key) {
  auto it = body.find(key);
  if (it == body.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

bool Flag(const json& body, const char* key) {
  auto it = body.find(key);
  return it != body.end() && it->is_boolean() && it->get<bool>();
}

std::string TopicArnOf(const common::RequestContext& ctx, const std::string& topic) {
  return topic.starts_with("arn:") ? topic : common::TopicArn(ctx.region, ctx.account, topic);
}

}  // namespace

HttpResponse ControlApi::ReplayMessage(const common::RequestContext& ctx,
                                       const std::string& text) const {
  auto body = Body(text);
  if (!body) return BadRequest("the body must be a JSON object");
  auto id = String(*body, "message_id");
  if (!id) return BadRequest("message_id is required");
  auto out = sns_.Republish(ctx, *id, String(*body, "subscription"), Flag(*body, "dry_run"));
  if (!out) return Error(out.error());
  json reply = {{"message_id", out->message_id}, {"replays", *id}};
  if (out->sequence_number) reply["sequence_number"] = *out->sequence_number;
  return Reply(200, reply);
}

HttpResponse ControlApi::ReplayInvocation(const common::RequestContext& ctx,
                                          const std::string& text) const {
  auto body = Body(text);
  if (!body) return BadRequest("the body must be a JSON object");
  auto id = String(*body, "request_id");
  if (!id) return BadRequest("request_id is required");
  auto out = lambda_.ReplayInvocation(ctx, *id, String(*body, "function"), Flag(*body, "async"),
                                      Flag(*body, "dry_run"));
  if (!out) return Error(out.error());
  return Reply(200, {{"status", out->status},
                     {"request_id", out->request_id},
                     {"executed_version", out->executed_version},
                     {"function_error", out->function_error.value_or("")},
                     {"payload", out->payload},
                     {"replays", *id}});
}

HttpResponse ControlApi::ReplayFailed(const common::RequestContext& ctx,
                                      const std::string& text) const {
  auto body = Body(text);
  if (!body) return BadRequest("the body must be a JSON object");
  auto function = String(*body, "function");
  if (!function) return BadRequest("function is required");
  int64_t since_ns = 0;
  if (auto it = body->find("since_ns"); it != body->end() && it->is_number_integer()) {
    since_ns = it->get<int64_t>();
  }
  auto out = lambda_.Redrive(ctx, *function, since_ns, Flag(*body, "dry_run"));
  if (!out) return Error(out.error());
  json redriven = json::array();
  for (const auto& [original, next] : *out) {
    redriven.push_back({{"original", original}, {"request_id", next}});
  }
  return Reply(200, {{"redriven", redriven}});
}

HttpResponse ControlApi::Publish(const common::RequestContext& ctx, const std::string& text) const {
  auto body = Body(text);
  if (!body) return BadRequest("the body must be a JSON object");
  auto topic = String(*body, "topic");
  if (!topic) return BadRequest("topic is required");
  sns::PublishInput in;
  in.topic_arn = TopicArnOf(ctx, *topic);
  in.message = String(*body, "message");
  in.subject = String(*body, "subject");
  in.message_group_id = String(*body, "message_group_id");
  in.message_deduplication_id = String(*body, "message_deduplication_id");
  if (auto it = body->find("attributes"); it != body->end() && it->is_object()) {
    for (auto& [name, value] : it->items()) {
      // {"DataType": "...", "StringValue": "..."} or {..., "BinaryValue": "<base64>"}; Publish
      // checks the rest as SNS does.
      const bool strings =
          value.is_object() &&
          std::all_of(value.begin(), value.end(), [](const json& v) { return v.is_string(); });
      if (!strings) {
        return BadRequest("attributes." + name +
                          " must be an object of strings: DataType, StringValue or BinaryValue");
      }
      sns::MessageAttributeValue attribute;
      attribute.data_type = value.value("DataType", "String");
      if (value.contains("StringValue")) attribute.string_value = value["StringValue"];
      if (value.contains("BinaryValue")) {
        attribute.binary_value = common::Base64Decode(value["BinaryValue"].get<std::string>());
      }
      in.message_attributes[name] = std::move(attribute);
    }
  }
  auto out = sns_.Publish(ctx, in);
  if (!out) return Error(out.error());
  json reply = {{"message_id", out->message_id}, {"trace_id", ctx.trace_id}};
  if (out->sequence_number) reply["sequence_number"] = *out->sequence_number;
  return Reply(200, reply);
}

HttpResponse ControlApi::Invoke(const common::RequestContext& ctx, const std::string& text) const {
  auto body = Body(text);
  if (!body) return BadRequest("the body must be a JSON object");
  auto function = String(*body, "function");
  if (!function) return BadRequest("function is required");
  lambda::InvokeInput in;
  in.function_name = *function;
  // "payload" is the event's JSON text, or the event itself as any other JSON value.
  if (auto it = body->find("payload"); it != body->end() && !it->is_null()) {
    in.payload = it->is_string() ? it->get<std::string>()
                                 : it->dump(-1, ' ', false, common::kReplaceInvalidUtf8);
  }
  in.type = Flag(*body, "async") ? lambda::InvocationType::kEvent
                                 : lambda::InvocationType::kRequestResponse;
  auto out = lambda_.Invoke(ctx, in);
  if (!out) return Error(out.error());
  return Reply(200, {{"status", out->status},
                     {"request_id", out->request_id},
                     {"executed_version", out->executed_version},
                     {"function_error", out->function_error.value_or("")},
                     {"payload", out->payload},
                     {"trace_id", ctx.trace_id}});
}

HttpResponse ControlApi::Topics(const common::RequestContext& ctx,
                                const std::map<std::string, std::string>& query) const {
  const bool detail = query.contains("detail") && query.at("detail") == "1";
  // Each subscription's deliveries of the last five minutes by outcome (the newest 20,000).
  std::map<std::string, std::map<std::string, int>> deliveries;
  if (detail) {
    auto found = traces_.DeliveryStats(ctx.received_ns - kStatsWindowNs, 20'000);
    if (!found) return Reply(500, {{"error", found.error().message}});
    deliveries = std::move(*found);
  }
  json topics = json::array();
  std::optional<std::string> token;
  do {
    auto page = sns_.ListTopics(ctx, token);
    if (!page) return Error(page.error());
    for (const auto& arn : page->items) {
      auto attributes = sns_.GetTopicAttributes(ctx, arn);
      json topic = {{"arn", arn}, {"name", arn.substr(arn.rfind(':') + 1)}};
      if (attributes) {
        topic["subscriptions"] = std::stoi(attributes->at("SubscriptionsConfirmed")) +
                                 std::stoi(attributes->at("SubscriptionsPending"));
      }
      if (detail) topic["subscription_list"] = SubscriptionsOf(ctx, arn, deliveries);
      topics.push_back(std::move(topic));
    }
    token = page->next_token;
  } while (token);
  return Reply(200, {{"region", ctx.region}, {"account", ctx.account}, {"topics", topics}});
}

json ControlApi::SubscriptionsOf(
    const common::RequestContext& ctx, const std::string& topic_arn,
    const std::map<std::string, std::map<std::string, int>>& deliveries) const {
  json out = json::array();
  std::optional<std::string> token;
  do {
    auto page = sns_.ListSubscriptionsByTopic(ctx, topic_arn, token);
    if (!page) break;  // the topic went meanwhile
    for (const auto& sub : page->items) {
      json entry = {{"arn", sub.subscription_arn},
                    {"protocol", sub.protocol},
                    {"endpoint", sub.endpoint},
                    {"deliveries", json::object()}};
      if (auto found = deliveries.find(sub.subscription_arn); found != deliveries.end()) {
        entry["deliveries"] = found->second;
      }
      if (auto attributes = sns_.GetSubscriptionAttributes(ctx, sub.subscription_arn)) {
        for (const char* name : {"FilterPolicy", "FilterPolicyScope", "RawMessageDelivery",
                                 "RedrivePolicy", "PendingConfirmation"}) {
          if (auto it = attributes->find(name); it != attributes->end()) entry[name] = it->second;
        }
      }
      out.push_back(std::move(entry));
    }
    token = page->next_token;
  } while (token);
  return out;
}

HttpResponse ControlApi::Functions(const common::RequestContext& ctx,
                                   const std::map<std::string, std::string>& query) const {
  const bool detail = query.contains("detail") && query.at("detail") == "1";
  // The figures of the last five minutes of invocations (at most the newest 20,000).
  std::map<std::string, telemetry::FunctionStats> stats;
  if (detail) {
    auto found = traces_.InvocationStats(ctx.received_ns - kStatsWindowNs, 20'000);
    if (!found) return Reply(500, {{"error", found.error().message}});
    stats = std::move(*found);
  }
  json functions = json::array();
  std::optional<std::string> marker;
  do {
    auto page = lambda_.ListFunctions(ctx, marker, std::nullopt);
    if (!page) return Error(page.error());
    for (const auto& f : page->functions) {
      const runtime::Resolution runs_on = lambda_.ResolveRuntime(f.runtime);
      json function = {{"name", f.name},
                       {"arn", f.arn},
                       {"runtime", f.runtime},
                       {"handler", f.handler},
                       {"code", f.code.dir},
                       {"timeout", f.timeout},
                       {"memory", f.memory},
                       {"runs_on", runs_on.Describe()},
                       {"interpreter", runs_on.path},
                       {"runtime_warning", runs_on.Warning()}};
      json versions = json::array();
      for (const auto& [number, version] : f.versions) versions.push_back(version->version);
      function["versions"] = versions;
      json aliases = json::array();
      for (const auto& [alias_name, alias] : f.aliases) {
        aliases.push_back({{"name", alias_name},
                           {"function_version", alias.function_version},
                           {"additional_version_weights", alias.additional_version_weights}});
      }
      function["aliases"] = aliases;
      if (detail) {
        json envs = json::array();
        for (const auto& env : pool_.Environments(f.arn)) {
          const bool busy = env.state == runtime::SandboxState::kInvoking ||
                            env.state == runtime::SandboxState::kAnswered;
          const char* state = env.state == runtime::SandboxState::kStarting ? "starting"
                              : busy                                        ? "busy"
                              : env.frozen                                  ? "frozen"
                                                                            : "idle";
          envs.push_back(
              {{"state", state},
               {"age_ms", env.spawned_ns > 0 ? (ctx.received_ns - env.spawned_ns) / 1'000'000 : 0},
               {"invocations", env.invocations}});
        }
        function["environments"] = envs;
        const telemetry::FunctionStats s =
            stats.contains(f.name) ? stats.at(f.name) : telemetry::FunctionStats{};
        function["stats"] = {
            {"window_s", kStatsWindowNs / 1'000'000'000},
            {"invocations", s.invocations},
            {"per_minute", s.invocations / 5.0},
            {"errors", s.errors},
            {"error_rate", s.invocations > 0 ? double(s.errors) / s.invocations : 0.0},
            {"throttles", s.throttles},
            {"cold_starts", s.cold_starts},
            {"running", s.running},
            {"p50_ms", s.p50_ns / 1e6},
            {"p99_ms", s.p99_ns / 1e6}};
      }
      functions.push_back(std::move(function));
    }
    marker = page->next_marker;
  } while (marker);
  return Reply(200, {{"region", ctx.region}, {"account", ctx.account}, {"functions", functions}});
}

}  // namespace offstage::protocol

namespace offstage::protocol {
namespace {

// A queue named by name (the default region and account), ARN, or URL (".../<account>/<name>").
std::string QueueArnOf(const common::RequestContext& ctx, const std::string& queue) {
  if (queue.starts_with("arn:")) return queue;
  if (queue.find('/') != std::string::npos) {
    if (auto arn = sqs::QueueArnOfUrl(queue, ctx.region)) return *arn;
  }
  return sqs::QueueArn(ctx.region, ctx.account, queue);
}

json MoveTaskJson(const sqs::MoveTask& task) {
  json out = {{"status", task.status},
              {"source_arn", task.source_arn},
              {"destination_arn", task.destination_arn},
              {"moved", task.moved},
              {"to_move", task.to_move},
              {"started_ms", task.started_ms}};
  if (!task.failure_reason.empty()) out["failure_reason"] = task.failure_reason;
  return out;
}

}  // namespace

HttpResponse ControlApi::Queues(const common::RequestContext& ctx) const {
  json queues = json::array();
  for (const sqs::Queue& queue : sqs_.ListQueues(ctx.region, ctx.account, "")) {
    const auto counts = sqs_.CountsOf(queue);
    json one = {{"name", queue.name},
                {"arn", queue.arn},
                {"fifo", queue.fifo()},
                {"visible", counts.visible},
                {"in_flight", counts.in_flight},
                {"delayed", counts.delayed}};
    if (auto redrive = queue.redrive()) {
      one["dead_letter_queue"] = redrive->dead_letter_target_arn;
      one["max_receive_count"] = redrive->max_receive_count;
    }
    queues.push_back(std::move(one));
  }
  return Reply(200, {{"region", ctx.region}, {"account", ctx.account}, {"queues", queues}});
}

HttpResponse ControlApi::Send(const common::RequestContext& ctx, const std::string& text) const {
  auto body = Body(text);
  if (!body) return BadRequest("the body must be a JSON object");
  auto queue = String(*body, "queue");
  if (!queue) return BadRequest("queue is required");
  auto message = String(*body, "message");
  if (!message) return BadRequest("message is required");
  sqs::SendEntry entry;
  entry.body = *message;
  entry.group_id = String(*body, "message_group_id");
  entry.dedup_id = String(*body, "message_deduplication_id");
  if (auto it = body->find("delay_seconds"); it != body->end()) {
    if (!it->is_number_integer()) return BadRequest("delay_seconds must be an integer");
    entry.delay_s = it->get<int64_t>();
  }
  if (auto it = body->find("attributes"); it != body->end() && it->is_object()) {
    for (auto& [name, value] : it->items()) {
      auto type = value.is_object() ? String(value, "DataType") : std::nullopt;
      auto string_value = value.is_object() ? String(value, "StringValue") : std::nullopt;
      if (!type || !string_value) {
        return BadRequest("attributes." + name + " must be {\"DataType\", \"StringValue\"}");
      }
      entry.attributes[name] = sqs::MessageAttribute{*type, *string_value, false};
    }
  }
  auto sent = sqs_.SendMessage(ctx, QueueArnOf(ctx, *queue), std::move(entry));
  if (!sent) return Error(sent.error());
  json reply = {{"message_id", sent->id}, {"md5_of_body", sent->md5_body}};
  if (!sent->sequence_number.empty()) reply["sequence_number"] = sent->sequence_number;
  return Reply(200, reply);
}

HttpResponse ControlApi::Receive(const common::RequestContext& ctx, const std::string& text) const {
  auto body = Body(text);
  if (!body) return BadRequest("the body must be a JSON object");
  auto queue = String(*body, "queue");
  if (!queue) return BadRequest("queue is required");
  sqs::ReceiveRequest request;
  for (const char* key : {"max", "wait_seconds"}) {
    if (auto it = body->find(key); it != body->end()) {
      if (!it->is_number_integer()) return BadRequest(std::string(key) + " must be an integer");
      (std::string_view(key) == "max" ? request.max_messages : request.wait_s) = it->get<int64_t>();
    }
  }
  request.attribute_names = {"All"};
  request.message_attribute_names = {"All"};
  const std::string arn = QueueArnOf(ctx, *queue);
  auto got = sqs_.ReceiveMessage(arn, request);
  if (!got) return Error(got.error());
  json messages = json::array();
  for (const auto& m : *got) {
    json attributes = json::object();
    for (const auto& [name, attribute] : m.message_attributes) {
      attributes[name] = {
          {"DataType", attribute.data_type},
          {attribute.binary ? "BinaryValue" : "StringValue",
           attribute.binary ? common::Base64Encode(attribute.value) : attribute.value}};
    }
    json one = {{"message_id", m.id},
                {"body", m.body},
                {"attributes", m.attributes},
                {"message_attributes", attributes},
                {"receipt_handle", m.receipt_handle}};
    if (Flag(*body, "delete")) {
      // Each message says whether it was deleted: one that could not be is still answered
      // (in flight, with its handle), never dropped from the answer.
      auto deleted = sqs_.DeleteMessage(arn, m.receipt_handle);
      one["deleted"] = deleted.has_value();
      if (!deleted) one["delete_error"] = deleted.error().message;
    }
    messages.push_back(std::move(one));
  }
  return Reply(200, {{"queue_arn", arn}, {"messages", messages}});
}

HttpResponse ControlApi::ReplayDlq(const common::RequestContext& ctx,
                                   const std::string& text) const {
  auto body = Body(text);
  if (!body) return BadRequest("the body must be a JSON object");
  auto queue = String(*body, "queue");
  if (!queue) return BadRequest("queue is required");
  const std::string source = QueueArnOf(ctx, *queue);
  std::string destination;
  if (auto to = String(*body, "to")) destination = QueueArnOf(ctx, *to);
  std::optional<int64_t> rate;
  if (auto it = body->find("rate"); it != body->end()) {
    if (!it->is_number_integer()) return BadRequest("rate must be an integer");
    rate = it->get<int64_t>();
  }
  if (Flag(*body, "dry_run")) {
    // What a task started now would move, and where to; nothing is moved.
    auto found = sqs_.Find(source);
    if (!found) return Error(found.error());
    auto sources = sqs_.ListDeadLetterSourceQueues(source);
    if (!sources) return Error(sources.error());
    json names = json::array();
    for (const auto& q : *sources) names.push_back(q.arn);
    return Reply(200, {{"dry_run", true},
                       {"source_arn", source},
                       {"destination_arn", destination},
                       {"source_queues", names},
                       {"to_move", sqs_.CountsOf(*found).visible}});
  }
  auto handle = sqs_.StartMessageMoveTask(source, destination, rate);
  if (!handle) return Error(handle.error());
  auto tasks = sqs_.ListMessageMoveTasks(source, 1);
  if (!tasks || tasks->empty()) return Reply(200, {{"source_arn", source}});
  return Reply(200, MoveTaskJson(tasks->front()));
}

HttpResponse ControlApi::DlqReplayStatus(const common::RequestContext& ctx,
                                         const std::map<std::string, std::string>& query) const {
  auto queue = query.find("queue");
  if (queue == query.end()) return BadRequest("queue is required");
  auto tasks = sqs_.ListMessageMoveTasks(QueueArnOf(ctx, queue->second), 1);
  if (!tasks) return Error(tasks.error());
  if (tasks->empty()) return Reply(404, {{"error", "no message move task on " + queue->second}});
  return Reply(200, MoveTaskJson(tasks->front()));
}

}  // namespace offstage::protocol

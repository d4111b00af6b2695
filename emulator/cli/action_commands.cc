#include "emulator/cli/action_commands.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "emulator/common/json.h"
#include "emulator/common/strings.h"
#include "emulator/lambda/async_queue.h"
#include "emulator/lambda/event_source_mapping.h"
#include "emulator/sns/envelope.h"
#include "emulator/sqs/message.h"
#include "emulator/sqs/sqs_service.h"

namespace offstage::cli {
namespace {

using nlohmann::json;

// "NAME=VALUE[:TYPE]" -> (name, {DataType, StringValue}); TYPE is String, Number or
// String.Array (Binary values are not given on a command line).
std::optional<std::pair<std::string, json>> ParseAttribute(const std::string& text) {
  const size_t eq = text.find('=');
  if (eq == std::string::npos || eq == 0) return std::nullopt;
  std::string value = text.substr(eq + 1);
  std::string type = "String";
  for (const char* suffix : {":String.Array", ":Number", ":String"}) {
    if (common::EndsWith(value, suffix)) {
      type = std::string(suffix + 1);
      value.resize(value.size() - std::strlen(suffix));
      break;
    }
  }
  return std::make_pair(text.substr(0, eq), json{{"DataType", type}, {"StringValue", value}});
}

// Every --attribute as {"NAME": {"DataType", "StringValue"}}; nullopt (said on stderr, for
// `command`) when one is not NAME=VALUE[:TYPE].
std::optional<json> ParseAttributes(const std::vector<std::string>& texts, const char* command) {
  json attributes = json::object();
  for (const auto& text : texts) {
    auto parsed = ParseAttribute(text);
    if (!parsed) {
      std::cerr << "offstage " << command << ": --attribute takes NAME=VALUE[:TYPE], not '" << text
                << "'\n";
      return std::nullopt;
    }
    attributes[parsed->first] = parsed->second;
  }
  return attributes;
}

// Posts a control action; prints the daemon's error and returns 2 on failure: usage, not
// found and no daemon are all 2 (1 is kept for a function that failed or a failed check).
int Call(const DaemonClient& client, const std::string& path, const json& body, json& out,
         const std::string& command) {
  auto result = client.Post(path, body.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
  if (result.status == 0) {
    client.ReportUnreachable(result);
    return 2;
  }
  out = json::parse(result.body, nullptr, false);
  if (result.status != 200) {
    std::cerr << "offstage " << command << ": "
              << (out.is_object() && out.contains("error") ? out["error"].get<std::string>()
                                                           : result.body)
              << "\n";
    return 2;
  }
  return 0;
}

// GETs a control API list (topics, functions): the JSON as it came with --format json, else
// `line` for each item under `key`; 2 when no daemon answers.
int PrintList(const ClientOptions& options, const std::string& path, const char* key,
              const std::function<void(const json&)>& line) {
  DaemonClient client(options);
  auto result = client.Get(path, {});
  if (result.status == 0) {
    client.ReportUnreachable(result);
    return 2;
  }
  json out = json::parse(result.body, nullptr, false);
  if (result.status != 200 || !out.is_object() || !out.contains(key)) {
    std::cerr << "offstage: the daemon answered " << result.status << ": " << result.body << "\n";
    return 2;
  }
  if (options.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
    return 0;
  }
  // Which region and account the list is of: an empty list elsewhere is not an empty daemon.
  std::cout << "region " << out.value("region", std::string("?")) << ", account "
            << out.value("account", std::string("?")) << ": " << out[key].size() << " " << key
            << "\n";
  for (const auto& item : out[key]) line(item);
  return 0;
}

double Percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const size_t index = static_cast<size_t>(p * static_cast<double>(values.size() - 1) + 0.5);
  return values[std::min(index, values.size() - 1)];
}

}  // namespace

void ActionCommands::Register(CLI::App& app) {
  CLI::App* replay = app.add_subcommand("replay", "Send recorded or prepared events again");
  replay->require_subcommand(1);
  replay_message_ = replay->add_subcommand("message", "Publish a recorded SNS message again");
  replay_message_->add_option("MESSAGE_ID", id_, "MessageId of the recorded message")->required();
  replay_message_->add_option("--subscription", subscription_,
                              "Deliver to this subscription only (its filter is not applied)");
  replay_invocation_ =
      replay->add_subcommand("invocation", "Invoke a recorded invocation's payload again");
  replay_invocation_->add_option("REQUEST_ID", id_, "Request id of the recorded invocation")
      ->required();
  replay_invocation_->add_option("--function", function_, "Invoke this function instead");
  replay_invocation_->add_flag("--async", async_, "As an Event invocation");
  replay_failed_ = replay->add_subcommand(
      "failed", "Redrive a function's asynchronous events that ended failed or expired");
  replay_failed_->add_option("--function", function_, "The function")->required();
  replay_failed_->add_option("--since", since_, "Only failures newer than this (e.g. 30m, 2h)");
  replay_file_ = replay->add_subcommand(
      "file", "Send a JSON Lines file: SNS messages to --topic, or Lambda events to --function");
  replay_file_->add_option("FILE", file_, "JSON Lines file")->required()->check(CLI::ExistingFile);
  replay_file_->add_option("--topic", topic_, "Publish each line to this topic (name or ARN)");
  replay_file_->add_option("--function", function_, "Invoke this function with each line");
  replay_file_->add_flag("--async", async_, "Invoke as Event invocations");
  replay_file_->add_option("--rate", rate_, "At most this many per second, e.g. 50/s");
  replay_file_->add_flag("--stop-on-error", stop_on_error_, "Stop at the first failing line");
  replay_dlq_ = replay->add_subcommand(
      "dlq",
      "Move a dead-letter queue's messages back to their source queues (a message move task)");
  replay_dlq_->add_option("QUEUE", queue_, "The dead-letter queue: name, ARN or URL")->required();
  replay_dlq_->add_option("--to", to_, "Move them to this queue instead");
  replay_dlq_->add_option("--rate", dlq_rate_, "At most this many messages a second (1-500)");
  for (CLI::App* command :
       {replay_message_, replay_invocation_, replay_failed_, replay_file_, replay_dlq_}) {
    command->add_flag("--dry-run", dry_run_, "Say what would be sent; send nothing");
    AddClientOptions(*command, client_);
  }

  CLI::App* events = app.add_subcommand("events", "Sample events, as `sam local generate-event`");
  events->require_subcommand(1);
  generate_ = events->add_subcommand("generate", "Print a sample event");
  CLI::App* generate = generate_;
  generate->require_subcommand(0, 1);
  // A type that is none of the subcommands lands here, to be named with the known ones.
  generate->add_option("TYPE", event_type_, "sns, sns-http, sqs or destination");
  generate_sns_ = generate->add_subcommand("sns", "The event SNS sends to a Lambda function");
  generate_sns_->add_option("--message", message_, "Message")->capture_default_str();
  generate_sns_->add_option("--subject", subject_, "Subject (default: none)");
  generate_sns_->add_option("--attribute", attributes_, "NAME=VALUE[:TYPE], repeatable");
  generate_sns_->add_option("--topic-arn", topic_arn_, "TopicArn")->capture_default_str();
  generate_sns_http_ = generate->add_subcommand(
      "sns-http", "The notification SNS POSTs to an HTTP(S) subscriber (the request body)");
  generate_sns_http_->add_option("--message", message_, "Message")->capture_default_str();
  generate_sns_http_->add_option("--subject", subject_, "Subject (default: none)");
  generate_sns_http_->add_option("--attribute", attributes_, "NAME=VALUE[:TYPE], repeatable");
  generate_sns_http_->add_option("--topic-arn", topic_arn_, "TopicArn")->capture_default_str();
  generate_sqs_ = generate->add_subcommand(
      "sqs", "The event an SQS event source mapping sends to a Lambda function");
  generate_sqs_->add_option("--body", body_, "The message body")->capture_default_str();
  generate_sqs_->add_option("--attribute", attributes_, "NAME=VALUE[:TYPE], repeatable");
  generate_sqs_->add_option("--queue-arn", queue_arn_, "eventSourceARN")->capture_default_str();
  generate_destination_ = generate->add_subcommand(
      "destination", "The record an OnSuccess / OnFailure destination receives");
  generate_destination_
      ->add_option("--condition", condition_, "Success, RetriesExhausted or EventAgeExceeded")
      ->check(CLI::IsMember({"Success", "RetriesExhausted", "EventAgeExceeded"}))
      ->capture_default_str();
  generate_destination_->add_option("--function-arn", function_arn_, "The function's ARN")
      ->capture_default_str();
  generate_destination_->add_option("--payload", payload_, "The event, as JSON (default: {})");
  generate_destination_->add_option("--response", response_,
                                    "The function's response or error document, as JSON");

  publish_ = app.add_subcommand("publish", "Publish a message to a topic");
  publish_->add_option("TOPIC", topic_, "Topic name or ARN")->required();
  publish_->add_option("MESSAGE", message_, "Message")->required();
  publish_->add_option("--subject", subject_, "Subject");
  publish_->add_option("--attribute", attributes_, "NAME=VALUE[:TYPE], repeatable");
  AddClientOptions(*publish_, client_);

  invoke_ = app.add_subcommand("invoke", "Invoke a function");
  invoke_->add_option("FUNCTION", function_, "Function name or ARN")->required();
  invoke_->add_option("PAYLOAD", payload_, "JSON payload, or @file");
  invoke_->add_flag("--async", async_, "As an Event invocation (202, runs in the background)");
  AddClientOptions(*invoke_, client_);

  topics_ = app.add_subcommand("topics", "List topics");
  AddClientOptions(*topics_, client_);
  functions_ = app.add_subcommand("functions", "List functions");
  AddClientOptions(*functions_, client_);

  queues_ = app.add_subcommand("queues", "List SQS queues and their messages");
  AddClientOptions(*queues_, client_);
  send_ = app.add_subcommand("send", "Send a message to an SQS queue");
  send_->add_option("QUEUE", queue_, "Queue name, ARN or URL")->required();
  send_->add_option("MESSAGE", message_, "Message body")->required();
  send_->add_option("--attribute", attributes_, "NAME=VALUE[:TYPE], repeatable");
  send_->add_option("--group-id", group_id_, "MessageGroupId (FIFO)");
  send_->add_option("--dedup-id", dedup_id_, "MessageDeduplicationId (FIFO)");
  send_->add_option("--delay", delay_, "DelaySeconds (0-900)");
  AddClientOptions(*send_, client_);
  receive_ = app.add_subcommand(
      "receive", "Receive messages from an SQS queue (as ReceiveMessage: they become in flight)");
  receive_->add_option("QUEUE", queue_, "Queue name, ARN or URL")->required();
  receive_->add_option("--max", max_, "At most this many messages (1-10)")->capture_default_str();
  receive_->add_option("--wait", wait_, "Long-poll up to this many seconds (0-20)")
      ->capture_default_str();
  receive_->add_flag("--delete", delete_, "Delete each message received");
  AddClientOptions(*receive_, client_);
}

int ActionCommands::Run() {
  if (replay_message_->parsed()) return ReplayMessage();
  if (replay_invocation_->parsed()) return ReplayInvocation();
  if (replay_failed_->parsed()) return ReplayFailed();
  if (replay_file_->parsed()) return ReplayFile();
  if (generate_sns_->parsed()) return GenerateSns(false);
  if (generate_sns_http_->parsed()) return GenerateSns(true);
  if (generate_destination_->parsed()) return GenerateDestination();
  if (generate_sqs_->parsed()) return GenerateSqs();
  if (generate_->parsed()) {
    std::cerr << "offstage events generate: "
              << (event_type_.empty() ? "give an event type"
                                      : "unknown event type '" + event_type_ + "'")
              << "; the known types are sns, sns-http, sqs, destination\n";
    return 2;
  }
  if (publish_->parsed()) return Publish();
  if (invoke_->parsed()) return Invoke();
  if (topics_->parsed()) return Topics();
  if (functions_->parsed()) return Functions();
  if (queues_->parsed()) return Queues();
  if (send_->parsed()) return Send();
  if (receive_->parsed()) return Receive();
  if (replay_dlq_->parsed()) return ReplayDlq();
  return -1;
}

int ActionCommands::ReplayMessage() {
  DaemonClient client(client_);
  json body = {{"message_id", id_}, {"dry_run", dry_run_}};
  if (!subscription_.empty()) body["subscription"] = subscription_;
  json out;
  if (int code = Call(client, "/_offstage/replay/message", body, out, "replay message")) {
    return code;
  }
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
  } else if (dry_run_) {
    std::cout << "would publish message " << id_ << " again"
              << (subscription_.empty() ? "" : " to " + subscription_) << "\n";
  } else {
    std::cout << "published " << id_ << " again as " << out["message_id"].get<std::string>()
              << "\n";
  }
  return 0;
}

int ActionCommands::ReplayInvocation() {
  DaemonClient client(client_);
  json body = {{"request_id", id_}, {"async", async_}, {"dry_run", dry_run_}};
  if (!function_.empty()) body["function"] = function_;
  json out;
  if (int code = Call(client, "/_offstage/replay/invocation", body, out, "replay invocation")) {
    return code;
  }
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
  } else if (dry_run_) {
    std::cout << "would invoke the payload of " << id_ << " again\n";
  } else {
    std::cout << "replayed " << id_ << " as " << out["request_id"].get<std::string>() << " ("
              << out["status"].get<int>()
              << (out["function_error"].get<std::string>().empty() ? "" : ", function error")
              << ")\n";
    if (!async_) std::cout << out["payload"].get<std::string>() << "\n";
  }
  return out["function_error"].get<std::string>().empty() ? 0 : 1;
}

int ActionCommands::ReplayFailed() {
  DaemonClient client(client_);
  int64_t since_ns = 0;
  if (!since_.empty()) {
    auto since = SinceNs(since_);
    if (!since) {
      std::cerr << "offstage replay failed: --since takes a duration such as 30m or 2h\n";
      return 2;
    }
    since_ns = *since;
  }
  json body = {{"function", function_}, {"since_ns", since_ns}, {"dry_run", dry_run_}};
  json out;
  if (int code = Call(client, "/_offstage/replay/failed", body, out, "replay failed")) return code;
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
    return 0;
  }
  if (out["redriven"].empty()) {
    std::cout << "nothing to redrive: " << function_ << " has no failed asynchronous event"
              << (since_.empty() ? "" : " in the last " + since_) << "\n";
    return 0;
  }
  for (const auto& item : out["redriven"]) {
    std::cout << (dry_run_ ? "would redrive " : "redriven ") << item["original"].get<std::string>()
              << (dry_run_ ? "" : " as " + item["request_id"].get<std::string>()) << "\n";
  }
  std::cout << out["redriven"].size() << " event(s) " << (dry_run_ ? "to redrive" : "redriven")
            << "\n";
  return 0;
}

int ActionCommands::ReplayFile() {
  if (topic_.empty() == function_.empty()) {
    std::cerr << "offstage replay file: give exactly one of --topic or --function\n";
    return 2;
  }
  double rate = 0;
  if (!rate_.empty()) {
    std::string number = rate_;
    if (common::EndsWith(number, "/s")) number.resize(number.size() - 2);
    try {
      rate = std::stod(number);
    } catch (const std::exception&) {
      rate = -1;
    }
    if (rate <= 0) {
      std::cerr << "offstage replay file: --rate takes a rate such as 50/s\n";
      return 2;
    }
  }
  std::ifstream in(file_);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  DaemonClient client(client_);
  const bool tty = isatty(STDERR_FILENO) != 0;
  int sent = 0, succeeded = 0, failed = 0, malformed = 0, would_send = 0;
  std::vector<double> latencies_ms;
  const auto start = std::chrono::steady_clock::now();
  int index = 0;
  for (const std::string& line : lines) {
    ++index;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    json event = json::parse(line, nullptr, false);
    json body;
    if (event.is_discarded()) {
      std::cerr << file_ << ":" << index << ": not valid JSON\n";
      ++malformed;
      if (stop_on_error_) break;
      continue;
    }
    if (!topic_.empty()) {
      // A line is {"Message", "Subject"?, "MessageAttributes"?, "MessageGroupId"?,
      // "MessageDeduplicationId"?} (as Publish takes them), or any other JSON value, sent as
      // the message text.
      body = {{"topic", topic_}};
      if (event.is_object() && event.contains("Message") && event["Message"].is_string()) {
        body["message"] = event["Message"];
        if (event.contains("Subject")) body["subject"] = event["Subject"];
        if (event.contains("MessageAttributes")) body["attributes"] = event["MessageAttributes"];
        if (event.contains("MessageGroupId")) body["message_group_id"] = event["MessageGroupId"];
        if (event.contains("MessageDeduplicationId")) {
          body["message_deduplication_id"] = event["MessageDeduplicationId"];
        }
      } else {
        body["message"] = event.is_string()
                              ? event.get<std::string>()
                              : event.dump(-1, ' ', false, common::kReplaceInvalidUtf8);
      }
    } else {
      body = {{"function", function_},
              {"payload", event.dump(-1, ' ', false, common::kReplaceInvalidUtf8)},
              {"async", async_}};
    }
    if (rate > 0) {
      const auto due = start + std::chrono::duration<double>(static_cast<double>(sent) / rate);
      std::this_thread::sleep_until(due);
    }
    if (dry_run_) {
      ++would_send;
      std::cout << "would send line " << index << ": "
                << body.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
      continue;
    }
    const auto before = std::chrono::steady_clock::now();
    json out;
    auto result = client.Post(topic_.empty() ? "/_offstage/invoke" : "/_offstage/publish",
                              body.dump(-1, ' ', false, common::kReplaceInvalidUtf8));
    latencies_ms.push_back(
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - before)
            .count());
    ++sent;
    if (result.status == 0) {
      client.ReportUnreachable(result);
      return 2;
    }
    out = json::parse(result.body, nullptr, false);
    const bool ok = result.status == 200 && out.is_object() &&
                    out.value("function_error", std::string()).empty();
    if (ok) {
      ++succeeded;
    } else {
      ++failed;
      std::cerr << file_ << ":" << index << ": "
                << (out.is_object() && out.contains("error") ? out["error"].get<std::string>()
                                                             : "function error")
                << "\n";
      if (stop_on_error_) break;
    }
    if (tty) {
      const int width = 30;
      const int done = static_cast<int>(static_cast<double>(index) * width / lines.size());
      std::cerr << "\r[" << std::string(static_cast<size_t>(done), '#')
                << std::string(static_cast<size_t>(width - done), ' ') << "] " << index << "/"
                << lines.size() << std::flush;
    } else if (sent % 100 == 0) {
      std::cerr << "sent " << sent << " of " << lines.size() << "\n";
    }
  }
  if (tty) std::cerr << "\n";
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  json summary = {
      {"sent", sent},
      {"succeeded", succeeded},
      {"failed", failed},
      {"malformed", malformed},
      {"seconds", seconds},
      {"per_second", seconds > 0 ? sent / seconds : 0},
      {"latency_ms",
       {{"p50", Percentile(latencies_ms, 0.5)},
        {"p99", Percentile(latencies_ms, 0.99)},
        {"max",
         latencies_ms.empty() ? 0 : *std::max_element(latencies_ms.begin(), latencies_ms.end())}}}};
  if (dry_run_) {
    // Nothing was sent: the summary says what would have been, and no latency.
    json planned = {
        {"dry_run", true}, {"sent", 0}, {"would_send", would_send}, {"malformed", malformed}};
    if (client_.format == "json") {
      std::cout << planned.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
    } else {
      std::cout << "dry run: sent nothing; would send " << would_send << " line(s), " << malformed
                << " malformed\n";
    }
    return malformed > 0 ? 1 : 0;
  }
  if (client_.format == "json") {
    std::cout << summary.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
  } else {
    char line[256];
    std::snprintf(line, sizeof line,
                  "sent %d, succeeded %d, failed %d, malformed %d in %.2f s (%.1f/s); latency "
                  "p50 %.2f ms, p99 %.2f ms\n",
                  sent, succeeded, failed, malformed, seconds, summary["per_second"].get<double>(),
                  summary["latency_ms"]["p50"].get<double>(),
                  summary["latency_ms"]["p99"].get<double>());
    std::cout << line;
  }
  return failed + malformed > 0 ? 1 : 0;
}

// Sample events come from the same builders the daemon delivers with (sns/envelope.h), so a
// generated event has exactly the shape a subscriber receives; only the signature is a sample.
int ActionCommands::GenerateSns(bool http) {
  sns::MessageView message;
  message.message_id = "95df01b4-ee98-5cb9-9903-4c221d41eb5e";
  message.topic_arn = topic_arn_;
  if (!subject_.empty()) message.subject = subject_;
  message.body = message_;
  message.timestamp = "2019-01-02T12:45:07.000Z";
  auto attributes = ParseAttributes(attributes_, "events generate");
  if (!attributes) return 2;
  for (const auto& [name, parsed] : attributes->items()) {
    sns::MessageAttributeValue value;
    value.data_type = parsed["DataType"].get<std::string>();
    value.string_value = parsed["StringValue"].get<std::string>();
    message.attributes[name] = value;
  }
  const std::string subscription = topic_arn_ + ":2bcfbf39-05c3-41de-beaa-fcfcc21c8f55";
  sns::Signed sig{
      "tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==",
      "https://sns.us-east-1.amazonaws.com/"
      "SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem",
      "https://sns.us-east-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=" + subscription};
  const std::string body = http ? sns::HttpNotification(message, message_, sig)
                                : sns::LambdaEvent(message, subscription, message_, sig);
  std::cout << nlohmann::ordered_json::parse(body).dump(2, ' ', false, common::kReplaceInvalidUtf8)
            << "\n";
  return 0;
}

// The record an OnSuccess / OnFailure destination receives, from the daemon's own builder.
int ActionCommands::GenerateDestination() {
  lambda::Condition condition = lambda::Condition::kSuccess;
  if (condition_ == "RetriesExhausted") condition = lambda::Condition::kRetriesExhausted;
  if (condition_ == "EventAgeExceeded") condition = lambda::Condition::kEventAgeExceeded;
  std::string response = response_;
  if (response.empty()) {
    response = condition == lambda::Condition::kSuccess
                   ? "null"
                   : R"({"errorType":"Error","errorMessage":"Something went wrong"})";
  }
  // The record names the ARN invoked, qualified: ":$LATEST" when the ARN given has none.
  const bool qualified = std::count(function_arn_.begin(), function_arn_.end(), ':') >= 7;
  const std::string record = lambda::InvocationRecord(
      "e4b46cbf-b738-xmpl-8880-a18cdf61200e",
      qualified ? function_arn_ : function_arn_ + ":$LATEST", condition,
      condition == lambda::Condition::kSuccess ? 1 : 3, payload_.empty() ? "{}" : payload_,
      response, "2019-11-24T23:08:25.651Z");
  std::cout << nlohmann::ordered_json::parse(record).dump(2, ' ', false,
                                                          common::kReplaceInvalidUtf8)
            << "\n";
  return 0;
}

int ActionCommands::Publish() {
  DaemonClient client(client_);
  json body = {{"topic", topic_}, {"message", message_}};
  if (!subject_.empty()) body["subject"] = subject_;
  auto attributes = ParseAttributes(attributes_, "publish");
  if (!attributes) return 2;
  if (!attributes->empty()) body["attributes"] = *attributes;
  json out;
  if (int code = Call(client, "/_offstage/publish", body, out, "publish")) return code;
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
  } else {
    std::cout << out["message_id"].get<std::string>() << "  (trace "
              << out["trace_id"].get<std::string>() << ")\n";
  }
  return 0;
}

int ActionCommands::Invoke() {
  std::string payload = payload_;
  if (common::StartsWith(payload, "@")) {
    std::ifstream file(payload.substr(1), std::ios::binary);
    if (!file) {
      std::cerr << "offstage invoke: cannot read " << payload.substr(1) << "\n";
      return 2;
    }
    std::stringstream text;
    text << file.rdbuf();
    payload = text.str();
  }
  DaemonClient client(client_);
  json out;
  if (int code =
          Call(client, "/_offstage/invoke",
               {{"function", function_}, {"payload", payload}, {"async", async_}}, out, "invoke")) {
    return code;
  }
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
  } else if (async_) {
    std::cout << "accepted (202) as " << out["request_id"].get<std::string>() << "  (trace "
              << out["trace_id"].get<std::string>() << ")\n";
  } else {
    std::cout << out["payload"].get<std::string>() << "\n";
    std::cerr << "request " << out["request_id"].get<std::string>() << "  version "
              << out.value("executed_version", "$LATEST") << "  (trace "
              << out["trace_id"].get<std::string>() << ")"
              << (out["function_error"].get<std::string>().empty() ? "" : "  function error")
              << "\n";
  }
  return out["function_error"].get<std::string>().empty() ? 0 : 1;
}

int ActionCommands::Topics() {
  return PrintList(client_, "/_offstage/topics", "topics", [](const json& topic) {
    std::cout << topic["arn"].get<std::string>() << "  " << topic.value("subscriptions", 0)
              << " subscription(s)\n";
  });
}

int ActionCommands::Functions() {
  return PrintList(client_, "/_offstage/functions", "functions", [](const json& f) {
    std::cout << f["name"].get<std::string>() << "  " << f["runtime"].get<std::string>() << "  "
              << f["handler"].get<std::string>() << "  " << f["code"].get<std::string>();
    if (f.contains("runs_on")) std::cout << "  runs on " << f["runs_on"].get<std::string>();
    std::cout << "\n";
    // Published versions, and aliases with their routing: "live -> 1 (2: 30%)".
    if (const json versions = f.value("versions", json::array()); !versions.empty()) {
      std::cout << "  versions";
      for (const auto& v : versions) std::cout << " " << v.get<std::string>();
      std::cout << "\n";
    }
    for (const auto& alias : f.value("aliases", json::array())) {
      std::cout << "  alias " << alias["name"].get<std::string>() << " -> "
                << alias["function_version"].get<std::string>();
      for (const auto& [version, weight] : alias["additional_version_weights"].items()) {
        std::cout << " (" << version << ": " << weight.get<double>() * 100 << "%)";
      }
      std::cout << "\n";
    }
    if (const std::string warning = f.value("runtime_warning", ""); !warning.empty()) {
      std::cout << "  WARNING: " << warning << "\n";
    }
  });
}

int ActionCommands::Queues() {
  return PrintList(client_, "/_offstage/queues", "queues", [](const json& q) {
    std::cout << q["name"].get<std::string>() << "  " << q["visible"].get<int64_t>() << " visible, "
              << q["in_flight"].get<int64_t>() << " in flight, " << q["delayed"].get<int64_t>()
              << " delayed";
    if (q.contains("dead_letter_queue")) {
      const std::string dlq = q["dead_letter_queue"].get<std::string>();
      std::cout << "  dead letters after " << q["max_receive_count"].get<int>() << " receive(s) -> "
                << dlq.substr(dlq.rfind(':') + 1);
    }
    std::cout << "\n";
  });
}

int ActionCommands::Send() {
  DaemonClient client(client_);
  json body = {{"queue", queue_}, {"message", message_}};
  auto attributes = ParseAttributes(attributes_, "send");
  if (!attributes) return 2;
  if (!attributes->empty()) body["attributes"] = *attributes;
  if (!group_id_.empty()) body["message_group_id"] = group_id_;
  if (!dedup_id_.empty()) body["message_deduplication_id"] = dedup_id_;
  if (delay_ >= 0) body["delay_seconds"] = delay_;
  json out;
  if (int code = Call(client, "/_offstage/send", body, out, "send")) return code;
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
  } else {
    std::cout << out["message_id"].get<std::string>()
              << (out.contains("sequence_number")
                      ? "  (sequence number " + out["sequence_number"].get<std::string>() + ")"
                      : "")
              << "\n";
  }
  return 0;
}

int ActionCommands::Receive() {
  DaemonClient client(client_);
  json out;
  if (int code =
          Call(client, "/_offstage/receive",
               {{"queue", queue_}, {"max", max_}, {"wait_seconds", wait_}, {"delete", delete_}},
               out, "receive")) {
    return code;
  }
  const json& messages = out["messages"];
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
    for (const auto& m : messages) {
      if (delete_ && !m.value("deleted", false)) return 1;
    }
    return 0;
  }
  std::cerr << messages.size() << " message(s)" << (delete_ ? ", deleted" : "") << "\n";
  int undeleted = 0;
  for (const auto& m : messages) {
    std::cerr << m["message_id"].get<std::string>() << "  received "
              << m["attributes"].value("ApproximateReceiveCount", "?") << " time(s)";
    if (delete_ && !m.value("deleted", false)) {
      ++undeleted;
      std::cerr << "  NOT deleted: " << m.value("delete_error", std::string("?"));
    }
    for (const auto& [name, value] : m["message_attributes"].items()) {
      std::cerr << "  " << name << "=" << value.value("StringValue", "(binary)");
    }
    std::cerr << "\n";
    std::cout << m["body"].get<std::string>() << "\n";
  }
  return undeleted > 0 ? 1 : 0;
}

// Starts a message move task on the dead-letter queue and follows it to its end: each message
// moved once (one transaction each step), as StartMessageMoveTask moves them.
int ActionCommands::ReplayDlq() {
  DaemonClient client(client_);
  json body = {{"queue", queue_}, {"dry_run", dry_run_}};
  if (!to_.empty()) body["to"] = to_;
  if (replay_dlq_->get_option("--rate")->count() > 0) body["rate"] = dlq_rate_;
  json out;
  if (int code = Call(client, "/_offstage/replay/dlq", body, out, "replay dlq")) return code;
  const std::string where = to_.empty() ? std::string("their source queues") : to_;
  if (dry_run_) {
    if (client_.format == "json") {
      std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
    } else {
      std::cout << "would move " << out["to_move"].get<int64_t>() << " message(s) from " << queue_
                << " to " << where << "\n";
    }
    return 0;
  }
  while (out.value("status", "") == "RUNNING" || out.value("status", "") == "CANCELLING") {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto polled = client.Get("/_offstage/replay/dlq", {{"queue", queue_}});
    if (polled.status == 0) {
      client.ReportUnreachable(polled);
      return 2;
    }
    json next = json::parse(polled.body, nullptr, false);
    if (polled.status != 200 || !next.is_object()) {
      std::cerr << "offstage replay dlq: the daemon answered " << polled.status << ": "
                << polled.body << "\n";
      return 2;
    }
    out = std::move(next);
  }
  const bool completed = out.value("status", "") == "COMPLETED";
  if (client_.format == "json") {
    std::cout << out.dump(-1, ' ', false, common::kReplaceInvalidUtf8) << "\n";
  } else {
    std::cout << "moved " << out["moved"].get<int64_t>() << " of " << out["to_move"].get<int64_t>()
              << " message(s) from " << queue_ << " to " << where << ": "
              << out["status"].get<std::string>() << "\n";
    if (!completed) {
      std::cerr << "offstage replay dlq: "
                << out.value("failure_reason", "the task did not complete") << "\n";
    }
  }
  return completed ? 0 : 1;
}

// The event a mapping delivers, from the daemon's own builder (lambda/event_source_mapping.h).
int ActionCommands::GenerateSqs() {
  sqs::ReceivedMessage message;
  message.id = "059f36b4-87a3-44ab-83d2-661975830a7d";
  message.receipt_handle = "AQEBwJnKyrHigUMZj6rYigCgxlaS3SLy0a...";
  message.body = body_;
  message.md5_body = sqs::Md5Hex(body_);
  message.attributes = {{"ApproximateReceiveCount", "1"},
                        {"SentTimestamp", "1545082649183"},
                        {"SenderId", "AIDAIENQZJOLO23YVJ4VO"},
                        {"ApproximateFirstReceiveTimestamp", "1545082649185"}};
  auto attributes = ParseAttributes(attributes_, "events generate");
  if (!attributes) return 2;
  for (const auto& [name, parsed] : attributes->items()) {
    message.message_attributes[name] = sqs::MessageAttribute{
        parsed["DataType"].get<std::string>(), parsed["StringValue"].get<std::string>(), false};
  }
  message.md5_attributes = sqs::AttributesMd5(message.message_attributes);
  const std::string region = [&] {
    // arn:aws:sqs:<region>:...
    std::string rest = queue_arn_;
    for (int i = 0; i < 3 && rest.find(':') != std::string::npos; ++i) {
      rest = rest.substr(rest.find(':') + 1);
    }
    return rest.substr(0, rest.find(':'));
  }();
  std::cout << nlohmann::ordered_json::parse(lambda::SqsEvent({message}, queue_arn_, region))
                   .dump(2, ' ', false, common::kReplaceInvalidUtf8)
            << "\n";
  return 0;
}

}  // namespace offstage::cli

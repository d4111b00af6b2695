// The CLI's action commands, all clients of a running daemon:
//   offstage replay message|invocation|failed|file ...
//   offstage events generate sns ...
//   offstage publish TOPIC MESSAGE ..., offstage invoke FUNCTION [PAYLOAD|@file] ...
//   offstage topics, offstage functions
//   offstage queues, offstage send QUEUE MESSAGE ..., offstage receive QUEUE ...,
//   offstage replay dlq QUEUE ..., offstage events generate sqs ...
// Main thread only.
#pragma once

#include <CLI/CLI.hpp>
#include <string>
#include <vector>

#include "emulator/cli/client.h"

namespace offstage::cli {

class ActionCommands {
 public:
  void Register(CLI::App& app);
  // The exit code of the selected command, or -1 when none of these was selected.
  int Run();

 private:
  int ReplayMessage();
  int ReplayInvocation();
  int ReplayFailed();
  int ReplayFile();
  int GenerateSns(bool http);
  int GenerateDestination();
  int Publish();
  int Invoke();
  int Topics();
  int Functions();
  int Queues();
  int Send();
  int Receive();
  int ReplayDlq();
  int GenerateSqs();

  ClientOptions client_;
  CLI::App* replay_message_ = nullptr;
  CLI::App* replay_invocation_ = nullptr;
  CLI::App* replay_failed_ = nullptr;
  CLI::App* replay_file_ = nullptr;
  CLI::App* generate_sns_ = nullptr;
  CLI::App* generate_sns_http_ = nullptr;
  CLI::App* generate_destination_ = nullptr;
  CLI::App* generate_ = nullptr;
  std::string event_type_;  // an unknown `events generate TYPE`
  std::string condition_ = "Success";
  std::string function_arn_ = "arn:aws:lambda:us-east-1:123456789012:function:my-function";
  std::string response_;
  CLI::App* publish_ = nullptr;
  CLI::App* invoke_ = nullptr;
  CLI::App* topics_ = nullptr;
  CLI::App* functions_ = nullptr;
  CLI::App* queues_ = nullptr;
  CLI::App* send_ = nullptr;
  CLI::App* receive_ = nullptr;
  CLI::App* replay_dlq_ = nullptr;
  CLI::App* generate_sqs_ = nullptr;
  std::string queue_;
  std::string to_;
  std::string group_id_;
  std::string dedup_id_;
  int delay_ = -1;
  int max_ = 1;
  int wait_ = 0;
  int dlq_rate_ = 0;
  bool delete_ = false;
  std::string body_ = "Hello from SQS!";
  std::string queue_arn_ = "arn:aws:sqs:us-east-1:123456789012:my-queue";

  std::string id_;
  std::string subscription_;
  std::string function_;
  std::string topic_;
  bool async_ = false;
  bool dry_run_ = false;
  std::string since_;
  std::string file_;
  std::string rate_;
  bool stop_on_error_ = false;
  std::string message_ = "Hello from SNS!";
  std::string subject_;
  std::vector<std::string> attributes_;
  std::string topic_arn_ = "arn:aws:sns:us-east-1:123456789012:sns-lambda";
  std::string payload_;
};

}  // namespace offstage::cli

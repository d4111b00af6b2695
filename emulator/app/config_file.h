// The --config file (docs/config.md): functions, topics, queues, subscriptions and event source
// mappings that exist from the moment the daemon starts, created idempotently through the same
// services as the API (an existing function is updated to match the file). Called once by
// app::Daemon at start, on the main thread.
#pragma once

#include <string>

#include "emulator/common/faults.h"
#include "emulator/common/log.h"
#include "emulator/common/result.h"
#include "emulator/lambda/event_source_mappings.h"
#include "emulator/lambda/lambda_service.h"
#include "emulator/sns/sns_service.h"
#include "emulator/sqs/sqs_service.h"

namespace offstage::app {

common::Status ApplyConfigFile(const std::string& path, const std::string& region,
                               const std::string& account, sns::SnsService& sns,
                               lambda::LambdaService& lambda, sqs::SqsService& sqs,
                               lambda::EventSourceMappings& mappings, common::FaultInjector& faults,
                               common::Logger& log);

}  // namespace offstage::app

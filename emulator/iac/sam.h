// Template transforms: AWS::Serverless-2016-10-31 (SAM) expands AWS::Serverless::Function and
// AWS::Serverless::LayerVersion, with `Globals`, into the CloudFormation resources SAM itself
// generates (the function, its role, SNS subscriptions and permissions for its SNS events, an
// event source mapping for SQS events, a version and alias for AutoPublishAlias, an event invoke
// config, a function URL), keeping SAM's logical ids. AWS::LanguageExtensions is accepted (its
// functions are evaluated as intrinsics). Anything SAM does that offstage does not is said in
// `notes`. Pure: any thread.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "emulator/common/result.h"

namespace offstage::iac {

common::Result<nlohmann::json> ApplyTransforms(const nlohmann::json& document,
                                               std::vector<std::string>* notes);

}  // namespace offstage::iac

// SQS's two wire protocols meet here: an awsQuery request's form parameters become the JSON
// protocol's input document (so the SQS codec has one handler per action for both), and a
// JSON output document becomes the awsQuery XML result (AWS's flattened element names:
// Attribute/Name/Value, Tag/Key/Value, MessageAttribute, QueueUrl, <Action>ResultEntry,
// BatchResultErrorEntry). Pure functions; any thread.
#pragma once

#include <string>
#include <string_view>

#include "emulator/common/json.h"
#include "emulator/protocol/form.h"

namespace offstage::protocol {

// The JSON protocol's input for `params` (every scalar a string, as the form sends it).
nlohmann::json SqsQueryInput(const FormParams& params);

// The inside of <ActionResult> for the JSON output `output` of `action`.
std::string SqsQueryResultXml(std::string_view action, const nlohmann::json& output);

}  // namespace offstage::protocol

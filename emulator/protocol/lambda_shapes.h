// The Lambda REST-JSON shapes under LambdaCodec's action table (§4 of the wire reference):
// strict readers of a request body's typed fields (a wrong type throws BadBody, which the codec
// answers as InvalidRequestContentException), the decoders of a function's configuration and
// code, and the renderers of FunctionConfiguration and FunctionEventInvokeConfig. Pure
// functions; safe on any thread.
#pragma once

#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/lambda/function.h"

namespace offstage::protocol::lambda_shapes {

// Type errors in a JSON body: what the service's front end says for a body it cannot read.
struct BadBody {
  std::string message;
};

// The request body as a JSON object ({} when empty); anything else throws BadBody.
nlohmann::json ParseBody(const std::string& body);

// Typed field readers: nullopt (or {}) when the key is absent or null; BadBody when it has the
// wrong type.
std::optional<std::string> String(const nlohmann::json& j, const char* key);
std::optional<int> Int(const nlohmann::json& j, const char* key);  // within int32
std::optional<bool> Bool(const nlohmann::json& j, const char* key);
std::optional<std::map<std::string, std::string>> StringMap(const nlohmann::json& j,
                                                            const char* key);
std::optional<std::vector<std::string>> StringList(const nlohmann::json& j, const char* key);
const nlohmann::json& Object(const nlohmann::json& j, const char* key);

// The configuration fields of CreateFunction and UpdateFunctionConfiguration.
lambda::ConfigInput DecodeConfig(const nlohmann::json& body);
// A FunctionCode (ZipFile base64, S3 location or ImageUri); a bad ZipFile is an
// InvalidParameterValueException.
common::Result<lambda::CodeInput> DecodeCode(const nlohmann::json& code);

// FunctionConfiguration; `full` adds State and LastUpdateStatus (left out of ListFunctions).
nlohmann::ordered_json Configuration(const lambda::Function& f, bool full);
// FunctionEventInvokeConfig.
nlohmann::ordered_json EventInvokeConfigJson(const std::string& function_arn,
                                             const lambda::EventInvokeConfig& c);

}  // namespace offstage::protocol::lambda_shapes

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

// FunctionConfiguration; `full` adds State and LastUpdateStatus (left out of ListFunctions and
// ListVersionsByFunction). FunctionArn is `arn` when given (a request that named a qualifier),
// else the function's own: unqualified for $LATEST, "<arn>:<n>" for a version.
nlohmann::ordered_json Configuration(const lambda::Function& f, bool full,
                                     const std::string& arn = "");
// AliasConfiguration.
nlohmann::ordered_json AliasJson(const lambda::Alias& alias, const std::string& alias_arn);
// RoutingConfig.AdditionalVersionWeights of an alias request: nullopt when absent; a map of
// numbers ({} clears the routing).
std::optional<std::map<std::string, double>> Weights(const nlohmann::json& body);
// FunctionEventInvokeConfig.
nlohmann::ordered_json EventInvokeConfigJson(const std::string& function_arn,
                                             const lambda::EventInvokeConfig& c);

}  // namespace offstage::protocol::lambda_shapes

// ApiError: the one error type every layer returns (inside Result<T>). Its code indexes a
// single table (api_error.cc) of AWS code string, HTTP status and fault; only protocol/
// renders it to the wire. Value type, no shared state: safe on any thread.
#pragma once

#include <string>
#include <string_view>

namespace offstage::common {

enum class ErrorCode {
  // SNS (awsQuery) codes: ../shared/reference/aws-wire-protocol.md §2.4.
  kInvalidParameter,
  kParameterValueInvalid,
  kNotFound,
  kResourceNotFound,
  kAuthorizationError,
  kInternalError,
  kThrottled,
  kTopicLimitExceeded,
  kSubscriptionLimitExceeded,
  kFilterPolicyLimitExceeded,
  kTooManyEntriesInBatchRequest,
  kBatchEntryIdsNotDistinct,
  kEmptyBatchRequest,
  kInvalidBatchEntryId,
  kBatchRequestTooLong,
  kTagLimitExceeded,
  kTagPolicy,
  kValidationError,
  kInvalidAction,
  kMissingAction,
  kMalformedQueryString,
  kNotImplemented,
  kMethodNotAllowed,
  // Lambda (restJson1) exceptions: §4.1 of the wire reference.
  kLambdaResourceNotFound,
  kLambdaResourceConflict,
  kLambdaInvalidParameterValue,
  kLambdaInvalidRequestContent,
  kLambdaRequestTooLarge,
  kLambdaTooManyRequests,
  kLambdaPreconditionFailed,
  kLambdaService,
  kLambdaUnsupportedMediaType,
  kLambdaValidation,
  kLambdaInvalidZipFile,
  kLambdaUnknownOperation,
  kLambdaAccessDenied,
  // Signature verification (serve --verify-signatures): SNS's awsQuery codes, then Lambda's.
  kMissingAuthenticationToken,
  kIncompleteSignature,
  kInvalidClientTokenId,
  kSignatureDoesNotMatch,
  kRequestExpired,
  kLambdaMissingAuthenticationToken,
  kLambdaIncompleteSignature,
  kLambdaUnrecognizedClient,
  kLambdaInvalidSignature,
  // SQS (docs/compatibility.md, SQS): aws_code is the awsQuery code, json_type the JSON
  // protocol's __type (which answers the awsQuery code in x-amzn-query-error too).
  kSqsQueueDoesNotExist,
  kSqsQueueNameExists,
  kSqsInvalidAttributeName,
  kSqsInvalidAttributeValue,
  kSqsInvalidParameterValue,
  kSqsMissingParameter,
  kSqsReceiptHandleIsInvalid,
  kSqsMessageNotInflight,
  kSqsInvalidMessageContents,
  kSqsTooManyEntriesInBatchRequest,
  kSqsEmptyBatchRequest,
  kSqsBatchEntryIdsNotDistinct,
  kSqsInvalidBatchEntryId,
  kSqsBatchRequestTooLong,
  kSqsPurgeQueueInProgress,
  kSqsUnsupportedOperation,
  kSqsInvalidAction,
  kSqsOverLimit,
  kSqsResourceNotFound,  // message move tasks
};

enum class Fault { kSender, kReceiver };

struct ErrorInfo {
  std::string_view aws_code;  // the wire code, e.g. "InvalidParameter"
  int http_status;
  Fault fault;
  // Lambda's JSON error bodies spell the member "Message" for some exceptions and "message"
  // for most (§4.1 of the wire reference).
  std::string_view message_key = "message";
  // SQS's JSON protocol names its errors apart from their awsQuery codes (QueueDoesNotExist
  // for AWS.SimpleQueueService.NonExistentQueue); empty for the others.
  std::string_view json_type = {};
};

const ErrorInfo& Info(ErrorCode code);

struct ApiError {
  ErrorCode code;
  std::string message;
  std::string reason = {};  // Lambda TooManyRequestsException's Reason, when set

  const ErrorInfo& info() const { return Info(code); }
  bool operator==(const ApiError&) const = default;
};

// Shorthands for the most common errors.
ApiError InvalidParameter(std::string message);
ApiError ValidationError(std::string message);
ApiError Internal(std::string message);

}  // namespace offstage::common

#include "emulator/common/api_error.h"

#include <array>
#include <utility>

namespace offstage::common {
namespace {

// One row per ErrorCode, in enum order (checked by a unit test).
constexpr std::array kTable = {
    ErrorInfo{"InvalidParameter", 400, Fault::kSender},
    ErrorInfo{"ParameterValueInvalid", 400, Fault::kSender},
    ErrorInfo{"NotFound", 404, Fault::kSender},
    ErrorInfo{"ResourceNotFound", 404, Fault::kSender},
    ErrorInfo{"AuthorizationError", 403, Fault::kSender},
    ErrorInfo{"InternalError", 500, Fault::kReceiver},
    ErrorInfo{"Throttled", 429, Fault::kSender},
    ErrorInfo{"TopicLimitExceeded", 403, Fault::kSender},
    ErrorInfo{"SubscriptionLimitExceeded", 403, Fault::kSender},
    ErrorInfo{"FilterPolicyLimitExceeded", 403, Fault::kSender},
    ErrorInfo{"TooManyEntriesInBatchRequest", 400, Fault::kSender},
    ErrorInfo{"BatchEntryIdsNotDistinct", 400, Fault::kSender},
    ErrorInfo{"EmptyBatchRequest", 400, Fault::kSender},
    ErrorInfo{"InvalidBatchEntryId", 400, Fault::kSender},
    ErrorInfo{"BatchRequestTooLong", 400, Fault::kSender},
    ErrorInfo{"TagLimitExceeded", 400, Fault::kSender},
    ErrorInfo{"TagPolicy", 400, Fault::kSender},
    ErrorInfo{"ValidationError", 400, Fault::kSender},
    ErrorInfo{"InvalidAction", 400, Fault::kSender},
    ErrorInfo{"MissingAction", 400, Fault::kSender},
    ErrorInfo{"MalformedQueryString", 400, Fault::kSender},
    ErrorInfo{"NotImplemented", 501, Fault::kReceiver},
    ErrorInfo{"MethodNotAllowed", 405, Fault::kSender},
    ErrorInfo{"ResourceNotFoundException", 404, Fault::kSender, "Message"},
    ErrorInfo{"ResourceConflictException", 409, Fault::kSender},
    ErrorInfo{"InvalidParameterValueException", 400, Fault::kSender},
    ErrorInfo{"InvalidRequestContentException", 400, Fault::kSender},
    // Real AWS sends RequestEntityTooLargeException (botocore's model names the shape
    // RequestTooLargeException): reports in aws-cli and SDK issues quote the former.
    ErrorInfo{"RequestEntityTooLargeException", 413, Fault::kSender},
    ErrorInfo{"TooManyRequestsException", 429, Fault::kSender},
    ErrorInfo{"PreconditionFailedException", 412, Fault::kSender},
    ErrorInfo{"ServiceException", 500, Fault::kReceiver, "Message"},
    ErrorInfo{"UnsupportedMediaTypeException", 415, Fault::kSender},
    ErrorInfo{"ValidationException", 400, Fault::kSender},
    ErrorInfo{"InvalidZipFileException", 502, Fault::kReceiver, "Message"},
    ErrorInfo{"UnknownOperationException", 404, Fault::kSender},
    // CreateFunction with a role of another account ("Cross-account pass role is not
    // allowed."): not in the Lambda model; AWS's generic access-denied shape.
    ErrorInfo{"AccessDeniedException", 403, Fault::kSender, "Message"},
    // AWS's common errors (docs.aws.amazon.com/sns/latest/api/CommonErrors.html) and the
    // x-amzn-ErrorTypes Lambda answers for authentication failures (docs/security.md).
    ErrorInfo{"MissingAuthenticationToken", 403, Fault::kSender},
    ErrorInfo{"IncompleteSignature", 400, Fault::kSender},
    ErrorInfo{"InvalidClientTokenId", 403, Fault::kSender},
    ErrorInfo{"SignatureDoesNotMatch", 403, Fault::kSender},
    ErrorInfo{"RequestExpired", 400, Fault::kSender},
    ErrorInfo{"MissingAuthenticationTokenException", 403, Fault::kSender},
    ErrorInfo{"IncompleteSignatureException", 403, Fault::kSender},
    ErrorInfo{"UnrecognizedClientException", 403, Fault::kSender},
    ErrorInfo{"InvalidSignatureException", 403, Fault::kSender},
    // SQS: the awsQuery code, then the JSON protocol's __type.
    ErrorInfo{"AWS.SimpleQueueService.NonExistentQueue", 400, Fault::kSender, "message",
              "QueueDoesNotExist"},
    ErrorInfo{"QueueAlreadyExists", 400, Fault::kSender, "message", "QueueNameExists"},
    ErrorInfo{"InvalidAttributeName", 400, Fault::kSender, "message", "InvalidAttributeName"},
    ErrorInfo{"InvalidAttributeValue", 400, Fault::kSender, "message", "InvalidAttributeValue"},
    ErrorInfo{"InvalidParameterValue", 400, Fault::kSender, "message",
              "InvalidParameterValueException"},
    ErrorInfo{"MissingParameter", 400, Fault::kSender, "message",
              "MissingRequiredParameterException"},
    ErrorInfo{"ReceiptHandleIsInvalid", 400, Fault::kSender, "message", "ReceiptHandleIsInvalid"},
    ErrorInfo{"AWS.SimpleQueueService.MessageNotInflight", 400, Fault::kSender, "message",
              "MessageNotInflight"},
    ErrorInfo{"InvalidMessageContents", 400, Fault::kSender, "message", "InvalidMessageContents"},
    ErrorInfo{"AWS.SimpleQueueService.TooManyEntriesInBatchRequest", 400, Fault::kSender, "message",
              "TooManyEntriesInBatchRequest"},
    ErrorInfo{"AWS.SimpleQueueService.EmptyBatchRequest", 400, Fault::kSender, "message",
              "EmptyBatchRequest"},
    ErrorInfo{"AWS.SimpleQueueService.BatchEntryIdsNotDistinct", 400, Fault::kSender, "message",
              "BatchEntryIdsNotDistinct"},
    ErrorInfo{"AWS.SimpleQueueService.InvalidBatchEntryId", 400, Fault::kSender, "message",
              "InvalidBatchEntryId"},
    ErrorInfo{"AWS.SimpleQueueService.BatchRequestTooLong", 400, Fault::kSender, "message",
              "BatchRequestTooLong"},
    ErrorInfo{"AWS.SimpleQueueService.PurgeQueueInProgress", 403, Fault::kSender, "message",
              "PurgeQueueInProgress"},
    ErrorInfo{"AWS.SimpleQueueService.UnsupportedOperation", 400, Fault::kSender, "message",
              "UnsupportedOperation"},
    ErrorInfo{"InvalidAction", 400, Fault::kSender, "message", "UnknownOperationException"},
    ErrorInfo{"OverLimit", 403, Fault::kSender, "message", "OverLimit"},
    ErrorInfo{"ResourceNotFoundException", 404, Fault::kSender, "message",
              "ResourceNotFoundException"},
};
static_assert(kTable.size() == static_cast<size_t>(ErrorCode::kSqsResourceNotFound) + 1);

}  // namespace

const ErrorInfo& Info(ErrorCode code) { return kTable[static_cast<size_t>(code)]; }

ApiError InvalidParameter(std::string message) {
  return ApiError{ErrorCode::kInvalidParameter, std::move(message)};
}

ApiError ValidationError(std::string message) {
  return ApiError{ErrorCode::kValidationError, std::move(message)};
}

ApiError Internal(std::string message) {
  return ApiError{ErrorCode::kInternalError, std::move(message)};
}

}  // namespace offstage::common

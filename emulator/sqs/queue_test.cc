// Unit tests of queue.h's pure parts: a queue URL's ARN (the SQS codec's QueueUrl and the
// control API's queue names read it).
#include "emulator/sqs/queue.h"

#include <doctest/doctest.h>

namespace offstage::sqs {
namespace {

TEST_CASE("a queue URL names its account and queue, and AWS's hosts their region") {
  CHECK(QueueArnOfUrl("http://localhost:4566/000000000000/jobs", "us-east-1") ==
        "arn:aws:sqs:us-east-1:000000000000:jobs");
  CHECK(QueueArnOfUrl("http://127.0.0.1:4566/123456789012/jobs.fifo/", "eu-west-1") ==
        "arn:aws:sqs:eu-west-1:123456789012:jobs.fifo");
  CHECK(QueueArnOfUrl("/000000000000/jobs", "us-east-1") ==
        "arn:aws:sqs:us-east-1:000000000000:jobs");
  CHECK(QueueArnOfUrl("localhost:4566/000000000000/jobs", "us-east-1") ==
        "arn:aws:sqs:us-east-1:000000000000:jobs");
  CHECK(QueueArnOfUrl("https://sqs.eu-central-1.amazonaws.com/123456789012/jobs", "us-east-1") ==
        "arn:aws:sqs:eu-central-1:123456789012:jobs");
  CHECK(QueueArnOfUrl("https://ap-south-1.queue.amazonaws.com/123456789012/jobs", "us-east-1") ==
        "arn:aws:sqs:ap-south-1:123456789012:jobs");
}

TEST_CASE("a URL without an account and a name names no queue") {
  CHECK_FALSE(QueueArnOfUrl("jobs", "us-east-1").has_value());
  CHECK_FALSE(QueueArnOfUrl("/jobs", "us-east-1").has_value());
  CHECK_FALSE(QueueArnOfUrl("http://localhost:4566/", "us-east-1").has_value());
  CHECK_FALSE(QueueArnOfUrl("http://localhost:4566", "us-east-1").has_value());
  CHECK_FALSE(QueueArnOfUrl("http://localhost:4566//jobs", "us-east-1").has_value());
}

}  // namespace
}  // namespace offstage::sqs

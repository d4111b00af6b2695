// Unit tests of delivery_policy: the checks of an HTTP/S DeliveryPolicy's retry part and the
// delays it gives, including text that never passed the checks (stored by an older build).
#include "emulator/sns/delivery_policy.h"

#include <doctest/doctest.h>

#include <string>
#include <vector>

namespace offstage::sns {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

std::string Refusal(const std::string& policy, DeliveryPolicyOwner owner) {
  auto status = ValidateDeliveryPolicy(policy, owner, "");
  return status ? std::string() : status.error().message;
}

TEST_CASE("the default retry policy: three retries 20 s apart") {
  CHECK(RetryDelays("") == std::vector<int64_t>(3, 20 * kSecond));
  CHECK(RetryDelays(R"({"healthyRetryPolicy":null})") == std::vector<int64_t>(3, 20 * kSecond));
}

TEST_CASE("the phases of a healthy retry policy, in order") {
  const auto delays = RetryDelays(
      R"({"healthyRetryPolicy":{"numRetries":6,"numNoDelayRetries":1,"numMinDelayRetries":1,)"
      R"("numMaxDelayRetries":1,"minDelayTarget":2,"maxDelayTarget":10}})");
  CHECK(delays ==
        std::vector<int64_t>{0, 2 * kSecond, 2 * kSecond, 6 * kSecond, 10 * kSecond, 10 * kSecond});
  // A topic's policy holds it under http.defaultHealthyRetryPolicy.
  CHECK(RetryDelays(R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":1,"minDelayTarget":5,)"
                    R"("maxDelayTarget":5}}})") == std::vector<int64_t>{5 * kSecond});
}

TEST_CASE("a policy that never passed the checks gives the default delays, never an exception") {
  // Each of these threw nlohmann::type_error in the fan-out before, killing the daemon.
  for (const char* stored :
       {R"({"healthyRetryPolicy":{"numRetries":"three"}})",
        R"({"healthyRetryPolicy":{"minDelayTarget":[1]}})",
        R"({"healthyRetryPolicy":{"backoffFunction":7}})", R"({"healthyRetryPolicy":"fast"})",
        R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":{}}}})", R"({"http":"x"})", "[1, 2]",
        "not json"}) {
    CAPTURE(stored);
    CHECK(RetryDelays(stored) == std::vector<int64_t>(3, 20 * kSecond));
  }
}

TEST_CASE("an effective policy applies what was accepted, merged or not") {
  // A topic's {"minDelayTarget": 30} checks alone; merged over the default maxDelayTarget of
  // 20 it no longer passes the cross-field rule, and was dropped for the default delays.
  CHECK(RetryDelays(R"({"healthyRetryPolicy":{"numRetries":3,"minDelayTarget":30,)"
                    R"("maxDelayTarget":20}})") ==
        std::vector<int64_t>{30 * kSecond, 25 * kSecond, 20 * kSecond});
  // Phases over numRetries: the phases are cut at numRetries.
  CHECK(RetryDelays(R"({"healthyRetryPolicy":{"numRetries":3,"numNoDelayRetries":5}})") ==
        std::vector<int64_t>{0, 0, 0});
  // One field that does not read keeps its default; the others apply.
  CHECK(RetryDelays(R"({"healthyRetryPolicy":{"numRetries":2,"minDelayTarget":"x",)"
                    R"("maxDelayTarget":40}})") ==
        std::vector<int64_t>{20 * kSecond, 40 * kSecond});
}

TEST_CASE("ValidateDeliveryPolicy refuses what AWS refuses, naming the field") {
  using enum DeliveryPolicyOwner;
  CHECK(Refusal(R"({"healthyRetryPolicy":{"numRetries":"3"}})", kSubscription) ==
        "Invalid parameter: DeliveryPolicy: healthyRetryPolicy: numRetries must be an integer");
  CHECK(Refusal(R"({"healthyRetryPolicy":{"numRetries":2.5}})", kSubscription) ==
        "Invalid parameter: DeliveryPolicy: healthyRetryPolicy: numRetries must be an integer");
  CHECK(Refusal(R"({"healthyRetryPolicy":{"numNoDelayRetries":-1}})", kSubscription) ==
        "Invalid parameter: DeliveryPolicy: healthyRetryPolicy: numNoDelayRetries must be "
        "between 0 and 100");
  CHECK(Refusal(R"({"healthyRetryPolicy":{"maxDelayTarget":3601}})", kSubscription) ==
        "Invalid parameter: DeliveryPolicy: healthyRetryPolicy: maxDelayTarget must be between 1 "
        "and 3600");
  CHECK(Refusal(R"({"healthyRetryPolicy":{"minDelayTarget":30,"maxDelayTarget":10}})",
                kSubscription) ==
        "Invalid parameter: DeliveryPolicy: healthyRetryPolicy: minDelayTarget must not exceed "
        "maxDelayTarget");
  CHECK(
      Refusal(R"({"healthyRetryPolicy":{"numRetries":2,"numNoDelayRetries":3}})", kSubscription) ==
      "Invalid parameter: DeliveryPolicy: healthyRetryPolicy: numNoDelayRetries + "
      "numMinDelayRetries + numMaxDelayRetries must not exceed numRetries");
  CHECK(Refusal(R"({"healthyRetryPolicy":"fast"})", kSubscription) ==
        "Invalid parameter: DeliveryPolicy: healthyRetryPolicy: must be a JSON object");
  CHECK(Refusal(R"({"http":[]})", kTopic) ==
        "Invalid parameter: DeliveryPolicy: http: must be a JSON object");
  CHECK(Refusal(R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":100,"minDelayTarget":20,)"
                R"("maxDelayTarget":3600}}})",
                kTopic) ==
        "Invalid parameter: DeliveryPolicy: http.defaultHealthyRetryPolicy: Total policy retry "
        "time cannot be greater than 3600 seconds");
}

TEST_CASE("ValidateDeliveryPolicy accepts AWS's own examples and partial policies") {
  using enum DeliveryPolicyOwner;
  CHECK(Refusal(R"({"healthyRetryPolicy":{"minDelayTarget":20,"maxDelayTarget":20,)"
                R"("numRetries":3,"numMaxDelayRetries":0,"numNoDelayRetries":0,)"
                R"("numMinDelayRetries":0,"backoffFunction":"linear"},"sicklyRetryPolicy":null,)"
                R"("throttlePolicy":null,"guaranteed":false})",
                kSubscription)
            .empty());
  CHECK(Refusal(R"({"http":{"defaultHealthyRetryPolicy":{"numRetries":5}}})", kTopic).empty());
  CHECK(Refusal(R"({"healthyRetryPolicy":{"numRetries":9}})", kSubscription).empty());
  CHECK(Refusal(R"({"healthyRetryPolicy":{"numRetries":3.0}})", kSubscription).empty());
  CHECK(Refusal(R"({"throttlePolicy":{"maxReceivesPerSecond":10}})", kSubscription).empty());
}

TEST_CASE("PlanHttpDelivery: the delays and the requestPolicy's content type, once") {
  const HttpDeliveryPlan plan = PlanHttpDelivery(
      R"({"healthyRetryPolicy":{"numRetries":2,"minDelayTarget":1,"maxDelayTarget":1},)"
      R"("requestPolicy":{"headerContentType":"application/json"}})");
  CHECK(plan.retry_delays_ns == std::vector<int64_t>{kSecond, kSecond});
  CHECK(plan.content_type == "application/json");
  CHECK(PlanHttpDelivery("").content_type == "text/plain; charset=UTF-8");
  CHECK(PlanHttpDelivery(R"({"requestPolicy":{"headerContentType":5}})").content_type ==
        "text/plain; charset=UTF-8");
}

}  // namespace
}  // namespace offstage::sns

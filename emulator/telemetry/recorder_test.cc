// Unit tests of recorder.h's trace ids: which X-Amzn-Trace-Id roots name a trace.
#include "emulator/telemetry/recorder.h"

#include <doctest/doctest.h>

#include <string>

#include "emulator/common/testing/fakes.h"

namespace offstage::telemetry {
namespace {

TEST_CASE("TraceRootOf takes an X-Ray root, and refuses text that is not an id") {
  CHECK(TraceRootOf("Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1") ==
        "1-5759e988-bd862e3fe1be46a994272793");
  CHECK(TraceRootOf("Sampled=1;Root=my-own-trace") == "my-own-trace");
  CHECK(TraceRootOf("Parent=53995c3f42cd8ad8") == "");
  CHECK(TraceRootOf("Root=") == "");
  // Bytes that are not UTF-8 were taken as the trace id: stored, then every document naming
  // the trace (spans, the trace list) was written from them.
  CHECK(TraceRootOf("Root=\xff\xfe;Sampled=1") == "");
  CHECK(TraceRootOf("Root=a b") == "");
  CHECK(TraceRootOf("Root=" + std::string(65, 'a')) == "");
  CHECK(NewTraceId(1'700'000'000'000'000'000, "0123456789abcdef") ==
        "1-6553f100-000000000123456789abcdef");
  // The nanoseconds within the second come first: ids made later sort later.
  CHECK(NewTraceId(1'700'000'000'123'456'789, "0123456789abcdef") ==
        "1-6553f100-075bcd150123456789abcdef");
  CHECK(NewTraceId(1'700'000'000'000'000'001, "ffffffffffffffff") <
        NewTraceId(1'700'000'000'000'000'002, "0000000000000000"));
}

TEST_CASE("a new trace id is made now, with 8 random bytes") {
  common::testing::FakeClock clock(1'700'000'000'123'456'789);
  common::testing::SequentialIds ids;
  CHECK(NewTraceId(clock, ids) == "1-6553f100-075bcd150000000000000001");
}

}  // namespace
}  // namespace offstage::telemetry

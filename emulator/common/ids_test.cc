#include "emulator/common/ids.h"

#include <doctest/doctest.h>

#include <regex>
#include <set>

#include "emulator/common/testing/fakes.h"

namespace offstage::common {

TEST_CASE("RandomIds' UUIDs are version 7: the Unix milliseconds first, then random bits") {
  testing::FakeClock clock(1'800'000'000'123'456'789);  // 2027-01-15T08:00:00.123Z
  RandomIds ids(clock);
  const std::regex shape("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string id = ids.Uuid();
    CHECK(std::regex_match(id, shape));
    // 1,800,000,000,123 ms = 0x01a3185c507b.
    CHECK(id.substr(0, 13) == "01a3185c-507b");
    seen.insert(id);
  }
  CHECK(seen.size() == 1000);  // the 74 random bits differ within one millisecond
}

TEST_CASE("RandomIds' UUIDs sort by the time they were made, so indexes grow at one end") {
  testing::FakeClock clock;
  RandomIds ids(clock);
  std::string previous = ids.Uuid();
  for (int i = 0; i < 100; ++i) {
    clock.Advance(1'000'000);  // 1 ms
    const std::string next = ids.Uuid();
    CHECK(previous < next);
    previous = next;
  }
}

}  // namespace offstage::common

// Unit tests of Process's figures from /proc (a real child, /bin/sh): the peak RSS and the
// scheduler times read for each invocation, read again from descriptors opened at the spawn,
// and nothing once the child is reaped (never another process's that took its pid).
#include "emulator/runtime/process.h"

#include <doctest/doctest.h>
#include <signal.h>

namespace offstage::runtime {

TEST_CASE("Process reads its child's peak RSS and scheduler times until it is reaped") {
  ProcessSpec spec;
  for (const char* arg : {"/bin/sh", "-c", "sleep 30"}) spec.argv.emplace_back(arg);
  spec.cwd = "/tmp";
  auto spawned = Process::Spawn(spec);
  REQUIRE(spawned.has_value());
  Process& child = **spawned;
  CHECK(child.PeakRssKiB() > 0);
  auto first = child.Sched();
  REQUIRE(first.has_value());
  // Read again (the same descriptors, from offset 0): the figures only grow.
  auto again = child.Sched();
  REQUIRE(again.has_value());
  CHECK(again->run_ns >= first->run_ns);
  CHECK(again->wait_ns >= first->wait_ns);
  CHECK(child.PeakRssKiB() > 0);
  child.SignalGroup(SIGKILL);
  child.Wait();
  CHECK(child.PeakRssKiB() == 0);
  CHECK_FALSE(child.Sched().has_value());
}

}  // namespace offstage::runtime

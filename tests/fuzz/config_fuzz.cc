// Fuzz target (tests/fuzz): the --config file (app::ApplyConfigFile) applied to real SNS, SQS
// and Lambda services (event source mappings not started). The input is written to a
// temporary file first. State carries over between inputs, as repeated starts would.
// Single-threaded.
#include <cstddef>
#include <cstdint>
#include <fstream>
#include <string>

#include "emulator/app/config_file.h"
#include "tests/fuzz/fixture.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto& services = offstage::fuzz::TheServices();
  const std::string path = services.root + "/config.json";
  {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
  }
  // Its fault rules apply to nothing here; cleared so inputs do not pile them up.
  static offstage::common::FaultInjector faults;
  (void)offstage::app::ApplyConfigFile(path, "us-east-1", "000000000000", *services.sns,
                                       *services.lambda, *services.queues, *services.mappings,
                                       faults, services.log);
  faults.Clear();
  return 0;
}

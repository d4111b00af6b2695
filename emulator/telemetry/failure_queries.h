// FailureQueries: what ended badly and can be sent again, for the dashboard's Failures view:
// asynchronous events that failed or expired and were never redriven, and SNS HTTP/S
// deliveries whose retries ran out. Runs its SQL on the writer thread (the one owner of the
// database), on indexes that hold only such rows. Owned by app::Daemon; safe on any thread.
#pragma once

#include <string>
#include <vector>

#include "emulator/common/result.h"
#include "emulator/storage/async_store.h"
#include "emulator/storage/delivery_store.h"
#include "emulator/storage/span_store.h"
#include "emulator/storage/writer.h"

namespace offstage::telemetry {

struct Failures {
  std::vector<storage::AsyncEventRow> events;  // most recently finished first
  // The last error message of each event (from its span; "" if it recorded none), in order.
  std::vector<std::string> messages;
  std::vector<storage::DeliveryRow> deliveries;  // most recently updated first
};

class FailureQueries {
 public:
  explicit FailureQueries(storage::Writer& writer) : writer_(writer) {}

  // At most `limit` of each.
  common::Result<Failures> Recent(int limit);

 private:
  storage::Writer& writer_;
};

}  // namespace offstage::telemetry

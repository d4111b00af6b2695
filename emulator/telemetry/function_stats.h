// FunctionStats: what a function's recent invocation spans say about it (the dashboard's
// Functions view): how many ran, how many failed or were throttled, how many were cold starts,
// and the p50/p99 of their durations. Pure: no state, safe on any thread.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "emulator/storage/span_store.h"

namespace offstage::telemetry {

struct FunctionStats {
  int invocations = 0;  // ended (throttled ones included), running ones not
  int errors = 0;       // ended in an error, a timeout, a crash or an abort
  int throttles = 0;
  int cold_starts = 0;
  int running = 0;
  int64_t p50_ns = 0;  // of the durations of those that ran (not throttled); 0 if none
  int64_t p99_ns = 0;
};

// The invocation spans given (any order), by function name. Spans of other kinds are ignored.
std::map<std::string, FunctionStats> SummarizeInvocations(
    const std::vector<storage::SpanRow>& spans);

// The nearest-rank percentile (0 < p <= 100) of `values`, which it sorts; 0 when empty.
int64_t Percentile(std::vector<int64_t>& values, double p);

}  // namespace offstage::telemetry

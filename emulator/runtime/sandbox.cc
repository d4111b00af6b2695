#include "emulator/runtime/sandbox.h"

namespace offstage::runtime {
namespace {

struct Row {
  SandboxState from;
  SandboxEvent event;
  SandboxState to;
};

using S = SandboxState;
using E = SandboxEvent;

// Every allowed transition; a pair not listed is refused.
constexpr Row kTable[] = {
    {S::kStarting, E::kNext, S::kIdle},
    {S::kStarting, E::kInitError, S::kStarting},
    {S::kStarting, E::kEnd, S::kDead},
    {S::kIdle, E::kNext, S::kIdle},
    {S::kIdle, E::kHandOver, S::kInvoking},
    {S::kIdle, E::kEnd, S::kDead},
    {S::kInvoking, E::kAnswer, S::kAnswered},
    {S::kInvoking, E::kEnd, S::kDead},
    {S::kAnswered, E::kNext, S::kIdle},
    {S::kAnswered, E::kEnd, S::kDead},
    {S::kDead, E::kEnd, S::kDead},
};

}  // namespace

std::optional<SandboxState> Transition(SandboxState state, SandboxEvent event) {
  for (const Row& row : kTable) {
    if (row.from == state && row.event == event) return row.to;
  }
  return std::nullopt;
}

const char* Name(SandboxState state) {
  switch (state) {
    case S::kStarting:
      return "Starting";
    case S::kIdle:
      return "Idle";
    case S::kInvoking:
      return "Invoking";
    case S::kAnswered:
      return "Answered";
    case S::kDead:
      return "Dead";
  }
  return "Unknown";
}

}  // namespace offstage::runtime

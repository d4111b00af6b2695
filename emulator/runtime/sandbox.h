// The lifecycle of one execution environment as a pure state machine: which Runtime API calls
// and daemon-side events each state accepts, in one table, everything else refused (deny by
// default, as AWS's Runtime Interface Emulator validates before it transitions). Environment
// applies it under its mutex; this file holds no state and no locks (safe on any thread).
//
//   Starting ──/next──► Idle ──handover──► Invoking ──/response, /error──► Answered
//      │  ▲               ▲ │                                                 │
//      └──┘ /init/error   │ └─ /next (a second caller waits too)               │
//                         └──────────────────────── /next ────────────────────┘
//   every state ──end (timeout, exit, init error seen, stop)──► Dead ──end──► Dead
#pragma once

#include <optional>

namespace offstage::runtime {

enum class SandboxState {
  kStarting,  // spawned; its init runs until its first /next
  kIdle,      // the runtime waits in /next for an event (frozen, unless --no-freeze)
  kInvoking,  // an event was handed over, its answer is awaited
  kAnswered,  // answered; the runtime has not asked for the next event yet
  kDead,      // ended: nothing more is accepted
};

enum class SandboxEvent {
  kNext,       // GET /runtime/invocation/next
  kHandOver,   // the waiting /next takes an event
  kAnswer,     // POST /runtime/invocation/{id}/response or /error
  kInitError,  // POST /runtime/init/error (recorded; the invoker ends the environment)
  kEnd,        // timeout, process exit, an invocation that cannot reuse it, Stop
};

// The state after `event`, or nullopt when the table does not list the pair (refused: the
// caller answers the runtime with an error and leaves the state as it was).
std::optional<SandboxState> Transition(SandboxState state, SandboxEvent event);

// "Starting", "Idle", ... for messages and logs.
const char* Name(SandboxState state);

}  // namespace offstage::runtime

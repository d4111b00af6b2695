// CPU priority of background work. On AWS a function's load never slows the SNS or Lambda API:
// they run on other machines. Here they share the cores, so the work done for functions and
// deliveries (function processes, the asynchronous queue's threads, the Runtime API servers,
// http deliveries, retention) runs at nice kBackgroundNice, and the API threads and the SQLite
// writer win the CPU when both want it (docs/architecture.md, "CPU priority"). An idle machine
// sees no difference. Safe on any thread.
#pragma once

#include <sys/types.h>

namespace offstage::common {

inline constexpr int kBackgroundNice = 19;

// Lowers the calling thread's priority to kBackgroundNice (Linux: nice is per thread).
void RunInBackground();
// Whether the calling thread lowered its priority (RunInBackground or RunInBackgroundOnce).
bool InBackground();
// The same, once per thread (for code that runs on threads it does not start).
void RunInBackgroundOnce();
// Lowers a process's priority (and so its future threads and children) to kBackgroundNice.
void RunInBackground(pid_t pid);

}  // namespace offstage::common

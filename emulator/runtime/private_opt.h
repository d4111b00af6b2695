// PrivateOpt: how a runtime process with layers sees them at /opt, as on Lambda. Between fork
// and exec the child enters a private mount namespace (a user namespace too when it is not
// root) and binds the function's merged layer directory onto /opt, read-only; nothing of it is
// visible outside that process tree. Where the platform refuses (no /opt, no namespaces in a
// container, user namespaces disabled), the probe says why and the environment names the
// directory itself in its paths instead (environment.cc). Thread model: the plan is built on
// any thread; Enter runs in a forked child and uses only async-signal-safe calls; the probe
// runs once per process (a function-local static) and is then a constant.
#pragma once

#include <sys/types.h>

#include <string>

namespace offstage::runtime {

// Everything the child needs, formatted before the fork (no allocation after it).
struct OptPlan {
  std::string dir;      // what /opt shows
  std::string uid_map;  // "<uid> <uid> 1\n": the user namespace maps the caller to itself
  std::string gid_map;
  bool root = false;  // the caller may unshare a mount namespace alone
};

OptPlan PlanOpt(const std::string& dir);

// In the forked child: enters the namespaces and binds plan.dir at /opt. Returns 0, or the
// errno of the step that failed (then `*step` names it). Async-signal-safe.
int EnterOpt(const OptPlan& plan, const char** step);

// "" when a child can have a private /opt here, else why not ("unshare: Operation not
// permitted"). Probed once, by a child that tries.
const std::string& PrivateOptUnavailable();

}  // namespace offstage::runtime

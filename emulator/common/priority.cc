#include "emulator/common/priority.h"

#include <sys/resource.h>
#include <unistd.h>

namespace offstage::common {

namespace {
thread_local bool lowered = false;
}  // namespace

void RunInBackground() {
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice);
  lowered = true;
}

void RunInBackgroundOnce() {
  if (!lowered) RunInBackground();
}

bool InBackground() { return lowered; }

void RunInBackground(pid_t pid) {
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(pid), kBackgroundNice);
}

}  // namespace offstage::common

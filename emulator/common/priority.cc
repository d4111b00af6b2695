#include "emulator/common/priority.h"

#include <sys/resource.h>
#include <unistd.h>

namespace offstage::common {

void RunInBackground() {
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), kBackgroundNice);
}

void RunInBackgroundOnce() {
  thread_local bool lowered = false;
  if (!lowered) {
    RunInBackground();
    lowered = true;
  }
}

void RunInBackground(pid_t pid) {
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(pid), kBackgroundNice);
}

}  // namespace offstage::common

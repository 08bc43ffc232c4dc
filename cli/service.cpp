#include "cli/service.h"

#ifdef ARSHJUL_HAVE_LIBSYSTEMD
#include <systemd/sd-daemon.h>
#endif

namespace arshjul {

void service_notify(const std::string& state) {
#ifdef ARSHJUL_HAVE_LIBSYSTEMD
  // unset_environment=0: the watchdog pings need NOTIFY_SOCKET for the daemon's life.
  sd_notify(0, state.c_str());
#else
  (void)state;
#endif
}

std::chrono::microseconds service_watchdog_interval() {
#ifdef ARSHJUL_HAVE_LIBSYSTEMD
  uint64_t usec = 0;
  if (sd_watchdog_enabled(0, &usec) > 0 && usec > 0) return std::chrono::microseconds{static_cast<long long>(usec / 2)};
#endif
  return std::chrono::microseconds{0};
}

bool service_notify_supported() {
#ifdef ARSHJUL_HAVE_LIBSYSTEMD
  return true;
#else
  return false;
#endif
}

}  // namespace arshjul

// The service manager's side of `arshjul serve` under systemd (Type=notify):
// sd_notify(3) states and the watchdog interval, through libsystemd when
// the build found it (ARSHJUL_HAVE_LIBSYSTEMD; the Debian package's build
// requires it), otherwise nothing is sent.
//
// Thread-safety: both functions may be called from any thread.
#pragma once

#include <chrono>
#include <string>

namespace arshjul {

// Sends `state` ("READY=1", "WATCHDOG=1", ...) to $NOTIFY_SOCKET, if set.
void service_notify(const std::string& state);

// Half of the watchdog timeout systemd asked for (WatchdogSec=, through
// $WATCHDOG_USEC for this process), or 0 when there is none.
std::chrono::microseconds service_watchdog_interval();

// Whether this binary can talk to systemd at all (built with libsystemd).
bool service_notify_supported();

}  // namespace arshjul

#!/usr/bin/env bash
# Interop test: export one configuration's year and parse it with two
# iCalendar parsers we did not write (Python icalendar + ical.js).
#
# usage: run_interop.sh BINARY CONFIG_DIR YEAR WORKDIR [ITIP_CHECK]
#   writes WORKDIR/$(basename CONFIG_DIR)-YEAR.ics, then runs
#   check_ics.py (Debian's /usr/bin/python3), check_ics.mjs (node) and,
#   when given, ITIP_CHECK (tests/interop/itip_check.cpp: libical's
#   icalrestriction_check, RFC 5546's rules for METHOD:PUBLISH).
# Exits non-zero if the export or either checker fails.
set -euo pipefail

if [[ $# -ne 4 && $# -ne 5 ]]; then
  echo "usage: $0 BINARY CONFIG_DIR YEAR WORKDIR [ITIP_CHECK]" >&2
  exit 2
fi
binary=$1 config=${2%/} year=$3 workdir=$4 itip=${5:-}
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
python=/usr/bin/python3   # Debian's, with python3-icalendar & co; not the one on PATH

fail() { echo "run_interop.sh: FAIL: $*" >&2; exit 1; }

[[ -x $binary ]] || fail "exporter $binary is not an executable"
[[ -f $config/arshjul.toml ]] || fail "$config/arshjul.toml not found"
[[ $year =~ ^[0-9]{4}$ ]] || fail "year '$year' is not YYYY"
[[ -x $python ]] || fail "$python not found (needs python3-icalendar, python3-dateutil, python3-recurring-ical-events)"
command -v node >/dev/null || fail "node not found on PATH"

mkdir -p "$workdir"
ics=$workdir/$(basename "$config")-$year.ics
rm -f "$ics"

# ical.js: install from the lock file once. ctest may run several of these
# at the same time, so serialise on package.json (npm ci wipes node_modules).
(
  flock 9
  if [[ ! -f $here/node_modules/ical.js/package.json ]]; then
    cd "$here"
    if [[ -f package-lock.json ]]; then
      npm ci --no-audit --no-fund >&2
    else
      npm install --no-audit --no-fund >&2
    fi
  fi
) 9<"$here/package.json" || fail "npm could not install ical.js in $here"

"$binary" export "$config" --year "$year" --output "$ics" || fail "$binary export $config --year $year failed"
[[ -s $ics ]] || fail "exporter wrote no $ics"

status=0
PYTHONDONTWRITEBYTECODE=1 "$python" "$here/check_ics.py" "$ics" "$config" "$year" || status=1
node "$here/check_ics.mjs" "$ics" "$config" "$year" || status=1
if [[ -n $itip ]]; then "$itip" "$ics" || status=1; fi
[[ $status -eq 0 ]] || fail "$ics: see the checker output above"
echo "run_interop.sh: OK: $ics"

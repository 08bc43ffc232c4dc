#!/usr/bin/env bash
# Installs what arshjul needs on Debian 12 and builds it. Idempotent: when
# everything is there it only runs the (incremental) build.
#   scripts/setup.sh [--tests] [--sanitize | --tsan | --fuzz]
# --sanitize builds build-asan with Clang: ASan + UBSan, the tests and the
# libFuzzer targets of fuzz/ (scripts/fuzz.sh runs them); --tsan builds
# build-tsan with Clang: ThreadSanitizer, and -Wthread-safety checks the lock
# annotations; --fuzz builds build-fuzz with Clang: the libFuzzer targets only.
set -euo pipefail
cd "$(dirname "$0")/.."

tests=0 sanitize=0 tsan=0 fuzz=0
for a in "$@"; do
  case "$a" in
    --tests) tests=1 ;;
    --sanitize) sanitize=1 ;;
    --tsan) tsan=1 ;;
    --fuzz) fuzz=1 ;;
    *) echo "setup.sh: unknown option $a" >&2; exit 2 ;;
  esac
done

packages=(build-essential cmake ninja-build pkg-config tzdata
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev libboost-program-options1.81-dev
  libsqlite3-dev libical-dev libhowardhinnant-date-dev libtomlplusplus-dev libssl-dev zlib1g-dev catch2
  libsystemd-dev libcjose-dev libjansson-dev libqrencode-dev)
if (( sanitize || tsan || fuzz )); then
  packages+=(clang libclang-rt-14-dev)
fi
if (( tests )); then
  packages+=(python3 python3-icalendar python3-recurring-ical-events python3-dateutil python3-yaml openssl chromium libxml2-utils)
  # The package tests: dpkg -i of the .deb (its Depends), systemd-analyze, nginx for the TLS example.
  packages+=(adduser systemd nginx-light)
  command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if (( ${#missing[@]} )); then
  echo "setup: installing ${missing[*]}"
  sudo_cmd=(); (( EUID == 0 )) || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if (( tests )) && [[ ! -d tests/interop/node_modules ]]; then
  (cd tests/interop && npm ci --no-audit --no-fund --loglevel=error)
fi
if (( tests )) && [[ ! -d tests/web/node_modules ]]; then
  (cd tests/web && npm ci --no-audit --no-fund --loglevel=error)
fi
if (( tests )) && [[ ! -d tests/oidc/node_modules ]]; then
  (cd tests/oidc && npm ci --no-audit --no-fund --loglevel=error)
fi
if (( tests )) && [[ ! -d tests/apidoc/node_modules ]]; then
  (cd tests/apidoc && npm ci --no-audit --no-fund --loglevel=error)
fi

build_type=RelWithDebInfo
dir=build
compiler=()
if (( sanitize )); then
  dir=build-asan; build_type=Debug
  # Clang, so that the same objects also make the fuzz targets; GCC's -Werror holds in the normal build.
  compiler=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DARSHJUL_WERROR=OFF)
fi
if (( tsan )); then
  dir=build-tsan
  # Clang's own warnings are not errors here (GCC's build holds that line); its thread-safety ones are.
  compiler=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DARSHJUL_TSAN=ON -DARSHJUL_WERROR=OFF)
fi
if (( fuzz )); then
  dir=build-fuzz
  compiler=(-DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DARSHJUL_FUZZ=ON -DARSHJUL_WERROR=OFF -DBUILD_TESTING=OFF)
fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" -DARSHJUL_SANITIZE="$sanitize" "${compiler[@]}" >/dev/null
cmake --build "$dir" -j"$(nproc)"

#!/usr/bin/env bash
# The README's first command: set up, build, and run arshjul's main job on
# config/roros with an embedded SQLite file (var/arshjul.db).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p var
build/arshjul check config/roros
exec build/arshjul preview config/roros --db var/arshjul.db "$@"

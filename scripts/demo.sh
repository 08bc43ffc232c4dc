#!/usr/bin/env bash
# The README's first command: set up, build, and run the daemon on
# config/roros with an embedded SQLite file (var/arshjul.db). On the first
# run it creates a subscription to the whole wheel and prints its URL.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
mkdir -p var
build/arshjul check config/roros
listen=${ARSHJUL_LISTEN:-127.0.0.1:8080}
if [[ ! -s var/demo-feed.txt ]]; then
  build/arshjul subscribe --config config/roros --db var/arshjul.db --all --base-url "http://$listen" > var/demo-feed.txt
fi
cat var/demo-feed.txt
exec build/arshjul serve --config config/roros --db var/arshjul.db --listen "$listen" "$@"

#!/usr/bin/env bash
# Crash the demo host that serves the storage: the demo's keeper pulls its link and kills
# every process of it (what a power loss looks like from the network).
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! { [ -f .demo/cluster.pid ] && kill -0 "$(cat .demo/cluster.pid)" 2>/dev/null; }; then
  echo "The demo is not running (npm run demo)." >&2
  exit 1
fi
kill -USR1 "$(cat .demo/cluster.pid)"
echo "Crashing the serving host; watch: bash examples/demo/status.sh (log: .demo/cluster.log)"

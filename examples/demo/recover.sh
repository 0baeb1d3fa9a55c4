#!/usr/bin/env bash
# Power the crashed demo hosts back on: fresh mount view, addresses, links, and the agent.
set -euo pipefail
cd "$(dirname "$0")/../.."
if ! { [ -f .demo/cluster.pid ] && kill -0 "$(cat .demo/cluster.pid)" 2>/dev/null; }; then
  echo "The demo is not running (npm run demo)." >&2
  exit 1
fi
kill -USR2 "$(cat .demo/cluster.pid)"
echo "Powering crashed hosts on; watch: bash examples/demo/status.sh (log: .demo/cluster.log)"

#!/usr/bin/env bash
# Tear the demo down: the keeper removes the hosts' processes, namespaces, mounts and loop
# device; if it is gone or stuck, the harness's sweep removes whatever a dead run left. Safe
# to run any number of times.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
if [ -f .demo/cluster.pid ]; then
  pid=$(cat .demo/cluster.pid)
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid"
    for _ in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.2
    done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null
  fi
fi
# Anything a killed keeper left (namespaces, loop device, run directory) belongs to a dead run.
if [ -f dist/test/netns/netns-cluster.js ] && [ "$(id -u)" = 0 ]; then
  node -e "import('./dist/test/netns/netns-cluster.js').then((m) => m.sweep())" || true
fi
rm -rf .demo
echo "Demo stopped and removed."

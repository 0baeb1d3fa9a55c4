#!/usr/bin/env bash
# Restart one local agent (after you killed it) from its data directory.
set -euo pipefail
cd "$(dirname "$0")/../.."
id=${1:?usage: restart-node.sh node1|node2|node3}
case "$id" in node1) i=0 ;; node2) i=1 ;; node3) i=2 ;; *) echo "unknown node $id" >&2; exit 1 ;; esac
ports=(7401 7402 7403)
ids=(node1 node2 node3)
if kill -0 "$(cat ".local-cluster/$id.pid" 2>/dev/null)" 2>/dev/null; then echo "$id is running already" >&2; exit 1; fi
peers=()
for j in 0 1 2; do [ "$i" = "$j" ] || peers+=(--peer "${ids[$j]}=127.0.0.1:${ports[$j]}"); done
setsid node dist/agent/src/main.js --id "$id" --listen "127.0.0.1:${ports[$i]}" --data-dir ".local-cluster/$id" \
  --insecure "${peers[@]}" >>".local-cluster/$id.log" 2>&1 </dev/null &
echo $! >".local-cluster/$id.pid"
echo "$id restarted (pid $!)"

#!/usr/bin/env bash
# Bring up a local cluster: three clusterd agents on this machine (loopback, no root needed),
# forming one Raft quorum, for trying clusterctl (README "Try clusterctl"). Plain text
# (--insecure): development only. Installs the project's dependencies and builds it first if
# needed. Resource agents come from $QUORATE_OCF_ROOT (default /usr/lib/ocf).
set -euo pipefail
cd "$(dirname "$0")/../.."
state=.local-cluster
ports=(7401 7402 7403)
ids=(node1 node2 node3)

if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "Node.js 20 or newer is required (apt-get install nodejs npm, or your distribution's way)." >&2
  exit 1
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent

if [ -d "$state" ] && ls "$state"/*.pid >/dev/null 2>&1; then
  echo "The local cluster seems to be running already ($state/). Tear it down first: npm run local:down" >&2
  exit 1
fi
mkdir -p "$state"
for i in 0 1 2; do
  peers=()
  for j in 0 1 2; do [ "$i" = "$j" ] || peers+=(--peer "${ids[$j]}=127.0.0.1:${ports[$j]}"); done
  setsid node dist/agent/src/main.js --id "${ids[$i]}" --listen "127.0.0.1:${ports[$i]}" \
    --data-dir "$state/${ids[$i]}" --founders node1,node2,node3 --insecure "${peers[@]}" \
    >"$state/${ids[$i]}.log" 2>&1 </dev/null &
  echo $! >"$state/${ids[$i]}.pid"
done

leader=""
for _ in $(seq 1 100); do
  leader=$(grep -h '"role":"leader"' "$state"/node*.log 2>/dev/null | tail -1 | sed -E 's/.*"node":"([^"]+)".*/\1/' || true)
  [ -n "$leader" ] && break
  sleep 0.1
done
if [ -z "$leader" ]; then
  echo "No leader was elected within 10 s; see $state/node*.log" >&2
  exit 1
fi

cat <<MSG
Quorate local cluster is up: three agents on 127.0.0.1:${ports[0]}-${ports[2]}; the leader is $leader.

Watch the agents (one JSON line per event):
  tail -f $state/node*.log | grep --line-buffered 'raft state changed'

Kill the leader the hard way and watch the others elect a new one within about a second:
  kill -9 \$(cat $state/$leader.pid)

Bring it back (it recovers its log from $state/$leader/ and catches up):
  npm run local:restart -- $leader

Tear everything down:
  npm run local:down
MSG

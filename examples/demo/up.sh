#!/usr/bin/env bash
# Bring up the demo: three hosts in network namespaces on this machine, each running clusterd,
# sharing an Ethernet segment and a disk, with the HA storage example (a virtual IP, the shared
# ext4 disk and nginx serving it over WebDAV, as one group) and a client namespace to use it
# from. Installs what it needs (Debian/Ubuntu packages, npm dependencies), builds, starts, and
# prints how to watch it, use it, crash the serving host, and tear it all down.
set -euo pipefail
cd "$(dirname "$0")/../.."
state=.demo

if [ "$(id -u)" != 0 ]; then
  echo "The demo creates network namespaces, a loop device and mounts: run it as root (sudo npm run demo)." >&2
  exit 1
fi
if ! command -v node >/dev/null || [ "$(node -p 'process.versions.node.split(".")[0]')" -lt 20 ]; then
  echo "Node.js 20 or newer is required (apt-get install nodejs npm, or your distribution's way)." >&2
  exit 1
fi
if [ -f "$state/cluster.pid" ] && kill -0 "$(cat "$state/cluster.pid")" 2>/dev/null; then
  echo "The demo is running already (pid $(cat "$state/cluster.pid")). Tear it down first: npm run demo:down" >&2
  exit 1
fi

# OS packages: namespaces and links (iproute2), isolation (nftables), the disk (e2fsprogs,
# util-linux, mount), the address's announcements (iputils-arping), the storage service
# (nginx, built with the WebDAV module in Debian's package), the client (curl).
packages=(iproute2 nftables e2fsprogs util-linux mount kmod iputils-arping nginx curl)
missing=()
for p in "${packages[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  if ! command -v apt-get >/dev/null; then
    echo "Missing packages: ${missing[*]}. Install them with your package manager." >&2
    exit 1
  fi
  echo "Installing ${missing[*]} ..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian starts nginx on port 80 of this machine when it installs it; the demo's nginx runs
  # inside the hosts' namespaces, under the cluster's control, not this one.
  if command -v systemctl >/dev/null && [ -d /run/systemd/system ]; then
    systemctl disable --now nginx >/dev/null 2>&1 || true
  fi
fi
[ -d node_modules ] || npm ci --no-audit --no-fund
npm run build --silent

rm -rf "$state"
mkdir -p "$state"
setsid node dist/examples/demo/demo-cluster.js "$state" >"$state/cluster.log" 2>&1 </dev/null &
echo $! >"$state/cluster.pid"
echo "Starting 3 hosts (log: $state/cluster.log) ..."
for _ in $(seq 1 600); do
  [ -f "$state/env" ] && break
  if ! kill -0 "$(cat "$state/cluster.pid")" 2>/dev/null; then
    echo "The demo cluster did not start:" >&2
    tail -30 "$state/cluster.log" >&2
    exit 1
  fi
  sleep 0.2
done
if [ ! -f "$state/env" ]; then
  echo "The demo cluster did not come up within 120 s; see $state/cluster.log. Clean up: npm run demo:down" >&2
  exit 1
fi
# shellcheck source=/dev/null
. "$state/env"

cat <<MSG

Quorate demo is up: hosts $QRT_DEMO_HOSTS (namespaces ${QRT_DEMO_PREFIX}h1 ...), the storage
at $QRT_DEMO_URL (virtual IP $QRT_DEMO_VIP), a client namespace $QRT_DEMO_CLIENT.

Watch which host holds the address and the disk, and what the client gets:
  watch -n 0.5 bash examples/demo/status.sh

Use the storage from the client (WebDAV: PUT writes, GET reads):
  ip netns exec $QRT_DEMO_CLIENT curl -sS -T /etc/os-release ${QRT_DEMO_URL}hello.txt
  ip netns exec $QRT_DEMO_CLIENT curl -sS ${QRT_DEMO_URL}hello.txt

Keep a client writing, one file every 200 ms (in another terminal; Ctrl-C to stop):
  bash examples/demo/client.sh

Kill the host serving the storage (power loss: its link goes down, every process of it dies)
and watch the group come back on another host in about two seconds:
  npm run demo:crash
Power the crashed host back on (it rejoins; the storage stays where it is):
  npm run demo:recover

Agents' logs: $QRT_DEMO_RUNDIR/h1.log ...   Tear everything down: npm run demo:down
MSG

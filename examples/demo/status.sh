#!/usr/bin/env bash
# One look at the demo cluster: for each host, whether it is on, whether it holds the virtual
# IP and has the shared disk mounted (read from the host's own kernel state), and whether the
# client reaches the storage through the address.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
if [ ! -f .demo/env ]; then
  echo "The demo is not running (npm run demo)."
  exit 1
fi
# shellcheck source=/dev/null
. .demo/env
majmin=$(printf '%d:%d' "0x$(stat -c %t "$QRT_DEMO_DEVICE")" "0x$(stat -c %T "$QRT_DEMO_DEVICE")")
printf '%-4s %-5s %-22s %-14s %s\n' host power "address $QRT_DEMO_VIP" "shared disk" "raft (last seen in its log)"
for h in $QRT_DEMO_HOSTS; do
  ns="${QRT_DEMO_PREFIX}$h"
  power=off vip=- disk=- role=-
  if ip -n "$ns" link show eth0 2>/dev/null | grep -q '[<,]UP[,>]'; then
    power=on
    ip -n "$ns" -4 -br addr show dev eth0 | grep -qw "$QRT_DEMO_VIP" && vip=HOLDS
    pid=$(ip netns pids "$ns" 2>/dev/null | head -1)
    if [ -n "$pid" ] && awk -v mm="$majmin" '$3 == mm { found = 1 } END { exit !found }' "/proc/$pid/mountinfo" 2>/dev/null; then
      disk=MOUNTED
    fi
    role=$(grep -h '"raft state changed"' "$QRT_DEMO_RUNDIR/$h.log" 2>/dev/null | tail -1 | sed -E 's/.*"role":"([^"]+)".*"term":([0-9]+).*/\1 (term \2)/')
  fi
  printf '%-4s %-5s %-22s %-14s %s\n' "$h" "$power" "$vip" "$disk" "$role"
done
code=$(ip netns exec "$QRT_DEMO_CLIENT" curl -s -o /dev/null -w '%{http_code}' --max-time 1 "$QRT_DEMO_URL")
echo
echo "client: GET $QRT_DEMO_URL -> ${code/000/no answer}"

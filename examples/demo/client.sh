#!/usr/bin/env bash
# A client of the demo storage: from the client namespace, PUT a new file through the virtual
# IP every 200 ms and print one character per request (. acknowledged, x failed). On Ctrl-C,
# read every acknowledged file back and say whether any is missing.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
# shellcheck source=/dev/null
. .demo/env || { echo "The demo is not running (npm run demo)."; exit 1; }
acked=()
run=$(date +%s)
finish() {
  echo
  missing=0
  for f in "${acked[@]}"; do
    body=$(ip netns exec "$QRT_DEMO_CLIENT" curl -s --max-time 2 "$QRT_DEMO_URL$f")
    [ "$body" = "$f" ] || missing=$((missing + 1))
  done
  echo "${#acked[@]} writes acknowledged, $missing missing or wrong when read back."
  exit 0
}
trap finish INT TERM
for i in $(seq 1 100000); do
  f="client-$run-$i"
  code=$(printf '%s' "$f" | ip netns exec "$QRT_DEMO_CLIENT" curl -s -o /dev/null -w '%{http_code}' --max-time 1 -T - "$QRT_DEMO_URL$f")
  if [ "$code" = 201 ] || [ "$code" = 204 ]; then
    acked+=("$f")
    printf '.'
  else
    printf 'x'
  fi
  sleep 0.2
done
finish

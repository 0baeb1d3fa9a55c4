#!/usr/bin/env bash
# Stop the local agents and remove their data.
set -euo pipefail
cd "$(dirname "$0")/../.."
for f in .local-cluster/*.pid; do
  [ -e "$f" ] || continue
  kill "$(cat "$f")" 2>/dev/null || true
done
sleep 0.5
for f in .local-cluster/*.pid; do
  [ -e "$f" ] || continue
  kill -9 "$(cat "$f")" 2>/dev/null || true
done
rm -rf .local-cluster
echo "Local cluster stopped and removed."

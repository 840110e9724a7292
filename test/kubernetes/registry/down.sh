#!/usr/bin/env bash
# Stops test registry instances started by up.sh: the ones named, or all of them. --purge also deletes their
# storage, config and log. Only processes recorded in /var/tmp/axon-registry/run/NAME.pid, and still running the registry binary,
# are stopped.
#
#   down.sh [--purge] [NAME...]
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "$0")/env.sh"
purge=0
[ "${1:-}" = --purge ] && { purge=1; shift; }
names=("$@")
if [ ${#names[@]} -eq 0 ]; then
  for f in "$REG_RUN"/*.pid; do [ -e "$f" ] && names+=("$(basename "$f" .pid)"); done
fi
for n in "${names[@]}"; do
  p=$(cat "$REG_RUN/$n.pid" 2>/dev/null || true)
  if [ -n "$p" ] && reg_running "$p" "$n"; then
    kill "$p"
    for _ in $(seq 1 40); do kill -0 "$p" 2>/dev/null || break; sleep 0.25; done
    kill -0 "$p" 2>/dev/null && kill -9 "$p"
    log "instance $n stopped"
  fi
  rm -f "$REG_RUN/$n.pid" "$REG_RUN/$n.want"
  [ "$purge" = 0 ] || rm -rf "${REG_DATA:?}/$n" "$REG_RUN/$n".{addr,exe,log,yml,htpasswd}
done

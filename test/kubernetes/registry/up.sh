#!/usr/bin/env bash
# Starts a Docker distribution registry on 127.0.0.1 (building it first, with build.sh, when it is missing) and
# prints its address, HOST:PORT, as the only line on stdout. Idempotent: an instance that is already running
# with the same settings is left as it is and its address printed.
#
#   up.sh [--name NAME] [--port PORT] [--auth USER:PASSWORD]
#
#   --name   the instance (default "open"): its storage is /var/tmp/axon-registry/data/NAME, its config, log and
#            pid in /var/tmp/axon-registry/run/NAME.*; several instances can run side by side
#   --port   its port (default: the first free one from 5000 up)
#   --auth   require HTTP basic auth (an htpasswd file with a bcrypt hash of PASSWORD); default: none
#
# Plain HTTP: Docker pushes to, and containerd's CRI pulls from, 127.0.0.0/8 over HTTP without extra settings.
# Stop it with down.sh [NAME].
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=env.sh
source "$HERE/env.sh"
name=open port="" auth=""
while [ $# -gt 0 ]; do
  case $1 in
    --name) name=$2; shift 2 ;;
    --port) port=$2; shift 2 ;;
    --auth) auth=$2; shift 2 ;;
    *) die "unknown argument $1 (usage: up.sh [--name NAME] [--port PORT] [--auth USER:PASSWORD])" ;;
  esac
done
[[ $name =~ ^[a-z0-9][a-z0-9_-]*$ ]] || die "bad instance name '$name'"
[ -z "$auth" ] || [[ $auth == ?*:?* ]] || die "--auth wants USER:PASSWORD"
command -v curl >/dev/null || die "curl is needed for the health check"
mkdir -p "$REG_RUN" "$REG_DATA/$name"

is_running() {
  local p; p=$(cat "$REG_RUN/$name.pid" 2>/dev/null) || return 1
  reg_running "$p" "$name"
}
# what this start asks for; an instance running with other settings is restarted
want="port=${port:-any} auth=$(printf %s "$auth" | sha256sum | cut -c1-16) version=$AXON_REGISTRY_VERSION"
if is_running; then
  if [ "$(cat "$REG_RUN/$name.want" 2>/dev/null)" = "$want" ]; then cat "$REG_RUN/$name.addr"; exit 0; fi
  log "instance $name runs with other settings: restarting it"
  bash "$HERE/down.sh" "$name"
fi

bash "$HERE/build.sh"

listening() { ss -Htln "sport = :$1" 2>/dev/null | grep -q .; }
if [ -n "$port" ]; then
  listening "$port" && die "port $port is in use"
  candidates=" $port"
else
  # the first free ones from 5000: another start may take a port between the look and the bind, so a few
  candidates=""
  for p in $(seq 5000 5099); do
    listening "$p" || candidates="$candidates $p"
    [ "$(wc -w <<< "$candidates")" -lt 5 ] || break
  done
  [ -n "$candidates" ] || die "no free port in 5000-5099"
fi

if [ -n "$auth" ]; then
  "$REG_BIN/htpasswd-bcrypt" "${auth%%:*}" "${auth#*:}" > "$REG_RUN/$name.htpasswd"
fi
# starts the registry on $1; 0 when it serves there (its own process: the log says it listens, /v2/ answers)
start_on() {
  addr=127.0.0.1:$1
  {
    echo "version: 0.1"
    echo "log: {level: info}"
    echo "storage:"
    echo "  filesystem: {rootdirectory: $REG_DATA/$name}"
    echo "  delete: {enabled: true}"
    echo "http: {addr: '$addr', secret: axon-test-$name}"
    [ -z "$auth" ] || echo "auth: {htpasswd: {realm: axon-test-registry, path: $REG_RUN/$name.htpasswd}}"
  } > "$REG_RUN/$name.yml"
  # no tracing exporter (v3 would try an OTLP collector on localhost)
  OTEL_TRACES_EXPORTER=none OTEL_SDK_DISABLED=true \
    nohup setsid "$REG_BIN/registry" serve "$REG_RUN/$name.yml" > "$REG_RUN/$name.log" 2>&1 < /dev/null &
  pid=$!
  echo "$pid" > "$REG_RUN/$name.pid"
  readlink -f "$REG_BIN/registry" > "$REG_RUN/$name.exe"
  # /v2/ answers 200 (no auth) or 401 (auth) once it serves
  for _ in $(seq 1 100); do
    if grep -q "listening on $addr" "$REG_RUN/$name.log"; then
      code=$(curl -s -o /dev/null -w '%{http_code}' "http://$addr/v2/" || true)
      if { [ "$code" = 200 ] || [ "$code" = 401 ]; } && kill -0 "$pid" 2>/dev/null; then return 0; fi
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "--- last lines of $REG_RUN/$name.log:" >&2; tail -n 20 "$REG_RUN/$name.log" >&2
  kill "$pid" 2>/dev/null || true
  rm -f "$REG_RUN/$name.pid"
  return 1
}
for p in $candidates; do
  if start_on "$p"; then
    echo "$addr" > "$REG_RUN/$name.addr"
    echo "$want" > "$REG_RUN/$name.want"
    log "instance $name ($AXON_REGISTRY_VERSION${auth:+, basic auth as ${auth%%:*}}) serves on $addr (pid $pid, log $REG_RUN/$name.log)"
    echo "$addr"; exit 0
  fi
  log "instance $name did not serve on 127.0.0.1:$p"
done
die "instance $name did not start (ports tried:$candidates)"

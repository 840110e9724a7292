#!/usr/bin/env bash
# Starts dockerd in the background unless /var/run/docker.sock already answers, waits for it (up to 60 s)
# and prints the server version. Idempotent: a daemon that already answers is left alone.
# Run as root (dockerd needs it). Exits non-zero, with the tail of dockerd's log, if the daemon does not
# come up.
set -euo pipefail

WAIT_S=${AXON_DOCKERD_WAIT_S:-60}
log() { printf '[start-dockerd] %s\n' "$*"; }

server_version() { docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null; }

if ! command -v docker >/dev/null 2>&1 || ! command -v dockerd >/dev/null 2>&1; then
  log "ERROR: docker/dockerd not found; install them first: apt-get install -y docker.io" >&2
  exit 1
fi

if docker info >/dev/null 2>&1; then
  log "dockerd already answering on ${DOCKER_HOST:-/var/run/docker.sock}: $(server_version)"
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  log "ERROR: dockerd is not answering and starting it needs root (running as uid $(id -u))" >&2
  exit 1
fi

logfile=$(mktemp /tmp/axon-dockerd.XXXXXX.log)
log "starting dockerd in the background (log: $logfile)"
# setsid: its own session, so it outlives this script and a Ctrl-C in the caller's terminal.
setsid dockerd >"$logfile" 2>&1 </dev/null &
pid=$!

start=$SECONDS
while ! docker info >/dev/null 2>&1; do
  if ! kill -0 "$pid" 2>/dev/null; then
    # dockerd exits at once when another daemon holds its pid file: maybe one was just starting.
    if docker info >/dev/null 2>&1; then break; fi
    log "ERROR: dockerd (pid $pid) exited before answering; last lines of $logfile:" >&2
    tail -n 30 "$logfile" >&2 || true
    exit 1
  fi
  if [ $((SECONDS - start)) -ge "$WAIT_S" ]; then
    log "ERROR: dockerd (pid $pid) did not answer within ${WAIT_S} s; last lines of $logfile:" >&2
    tail -n 30 "$logfile" >&2 || true
    exit 1
  fi
  sleep 0.5
done
log "dockerd up after $((SECONDS - start)) s (pid $pid): $(server_version)"

# shellcheck shell=bash
# Shared settings of the test registry scripts (source me).
# (not REGISTRY_*: the registry reads those variables as overrides of its config)
export AXON_REGISTRY_VERSION=${AXON_REGISTRY_VERSION:-v3.1.2}   # github.com/distribution/distribution/v3 (needs Go >= 1.26)
export REG_ROOT=${AXON_REGISTRY_ROOT:-/var/tmp/axon-registry}
export REG_BIN=$REG_ROOT/bin
export REG_RUN=$REG_ROOT/run         # per instance: NAME.pid, NAME.exe, NAME.addr, NAME.log, NAME.yml, NAME.htpasswd
export REG_DATA=$REG_ROOT/data       # per instance: its storage
export GOMODCACHE=${AXON_REGISTRY_GOMODCACHE:-$REG_ROOT/cache/gomod}
export GOCACHE=${AXON_REGISTRY_GOCACHE:-$REG_ROOT/cache/gobuild}
export GOTOOLCHAIN=local CGO_ENABLED=0 GOFLAGS=-buildvcs=false
export PATH=/usr/local/go/bin:$PATH
log() { echo "[registry $(date +%T)] $*" >&2; }
die() { echo "registry: ERROR: $*" >&2; exit 1; }
# PID runs the registry binary recorded for instance NAME (" (deleted)": build.sh replaced the file since)
reg_running() { # PID NAME
  local exe; kill -0 "$1" 2>/dev/null && exe=$(readlink "/proc/$1/exe") &&
    [ "${exe% (deleted)}" = "$(cat "$REG_RUN/$2.exe" 2>/dev/null)" ]
}

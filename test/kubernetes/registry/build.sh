#!/usr/bin/env bash
# Builds the Docker distribution registry (github.com/distribution/distribution/v3, $AXON_REGISTRY_VERSION) and a
# bcrypt htpasswd helper from the Go module proxy into /var/tmp/axon-registry/bin. Idempotent: does nothing when
# both exist for the pinned version. Caches (module and build) in /var/tmp/axon-registry/cache: a rebuild with
# them takes seconds. Each build's time is appended to /var/tmp/axon-registry/build-times.log.
set -euo pipefail
# shellcheck source=env.sh
source "$(dirname "$0")/env.sh"
built() {
  [ -x "$REG_BIN/registry" ] && [ -x "$REG_BIN/htpasswd-bcrypt" ] &&
    [ "$(cat "$REG_BIN/.version" 2>/dev/null)" = "$AXON_REGISTRY_VERSION" ]
}
built && exit 0
# one build at a time (.ci/run's build in the background and a test's up.sh may meet): the second waits, then
# finds it built
mkdir -p "$REG_ROOT"
exec 9> "$REG_ROOT/.build.lock"
flock 9
built && exit 0
command -v go >/dev/null || die "no Go toolchain (looked in PATH and /usr/local/go/bin)"
t0=$(date +%s)
MOD=$REG_ROOT/build/$AXON_REGISTRY_VERSION
mkdir -p "$MOD/htpasswd-bcrypt" "$REG_BIN"
# A build module that requires only distribution/v3 at the pinned version: minimal version selection then picks
# exactly the versions its go.mod lists; the helper uses golang.org/x/crypto/bcrypt, which is among them.
cat > "$MOD/htpasswd-bcrypt/main.go" <<'GO'
// htpasswd-bcrypt USER PASSWORD: prints "USER:<bcrypt hash>", one line of an htpasswd file.
package main

import (
	"fmt"
	"os"

	"golang.org/x/crypto/bcrypt"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: htpasswd-bcrypt USER PASSWORD")
		os.Exit(2)
	}
	h, err := bcrypt.GenerateFromPassword([]byte(os.Args[2]), bcrypt.DefaultCost)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%s:%s\n", os.Args[1], h)
}
GO
if [ ! -f "$MOD/.ready" ]; then
  log "creating the build module for distribution/v3 $AXON_REGISTRY_VERSION"
  ( cd "$MOD"
    printf 'module local/axonregistry\n\ngo 1.26.0\n' > go.mod
    go get "github.com/distribution/distribution/v3/cmd/registry@$AXON_REGISTRY_VERSION" 2>&1 | grep -v '^go: ' || true
    go get ./htpasswd-bcrypt 2>&1 | grep -v '^go: ' || true
    grep -q "github.com/distribution/distribution/v3 $AXON_REGISTRY_VERSION" go.mod ||
      die "distribution/v3 version drifted: $(grep distribution go.mod)"
    touch .ready )
fi
log "building registry $AXON_REGISTRY_VERSION"
out=$REG_BIN/.build-tmp; rm -rf "$out"; mkdir -p "$out"
( cd "$MOD" && go build -trimpath -ldflags "-s -w -X github.com/distribution/distribution/v3/version.version=$AXON_REGISTRY_VERSION" \
    -o "$out/" github.com/distribution/distribution/v3/cmd/registry ./htpasswd-bcrypt ) || die "the build failed"
mv "$out/registry" "$out/htpasswd-bcrypt" "$REG_BIN/"; rmdir "$out"
echo "$AXON_REGISTRY_VERSION" > "$REG_BIN/.version"
msg="built registry $AXON_REGISTRY_VERSION in $(( $(date +%s) - t0 ))s ($(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
echo "$(date -Is) $msg" >> "$REG_ROOT/build-times.log"
log "$msg"

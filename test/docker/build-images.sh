#!/usr/bin/env bash
# Builds Axon's Docker test images offline (no registry can be reached here, so nothing is pulled) and
# caches them by tag:
#   axon-test/busybox:1  FROM scratch + Debian's static busybox; /bin/bash runs busybox's ash (see below)
#   axon-test/python:1   debootstrap --variant=minbase bookworm with python3, numpy and scikit-learn
# A tag that exists and carries this script's recipe label is reused; every image is then checked by
# running it. Exits 0 when the images asked for exist and pass their checks, non-zero with a message
# otherwise.
#
# Usage: test/docker/build-images.sh [--only busybox|python] [--rebuild]
# Needs: root, a running dockerd (test/docker/start-dockerd.sh), busybox-static and debootstrap
# (apt-get install -y docker.io busybox-static debootstrap), and a reachable Debian mirror for python
# (taken from this machine's apt sources; AXON_DEBIAN_MIRROR overrides it).
set -euo pipefail

BUSYBOX_TAG=axon-test/busybox:1
PYTHON_TAG=axon-test/python:1
SUITE=bookworm
# Bump when a recipe changes: a cached image with another value is rebuilt.
BUSYBOX_RECIPE=busybox-1
PYTHON_RECIPE=python-1
LABEL_KEY=org.axon.test-image.recipe
IMAGE_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

only=all
rebuild=0
while [ $# -gt 0 ]; do
  case "$1" in
    --only)
      [ $# -ge 2 ] || { echo "--only needs busybox or python" >&2; exit 2; }
      only=$2
      shift 2
      ;;
    --only=*) only=${1#--only=}; shift ;;
    --rebuild) rebuild=1; shift ;;
    -h | --help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "unknown argument: $1 (usage: $0 [--only busybox|python] [--rebuild])" >&2; exit 2 ;;
  esac
done
case "$only" in all | busybox | python) ;; *) echo "--only takes busybox or python, not '$only'" >&2; exit 2 ;; esac

log() { printf '[build-images] %s\n' "$*"; }
die() { printf '[build-images] ERROR: %s\n' "$*" >&2; exit 1; }
now_ms() { date +%s%3N; }
secs_since() { local d=$(($(now_ms) - $1)); printf '%d.%01d s' $((d / 1000)) $((d % 1000 / 100)); }

cleanup_dirs=()
cleanup() {
  local d rc=$?
  set +e
  for d in "${cleanup_dirs[@]}"; do
    if [ -z "$d" ] || [ ! -d "$d" ]; then continue; fi
    # debootstrap mounts proc/sys inside the target; never rm -rf through a live mount.
    if command -v findmnt >/dev/null 2>&1; then
      findmnt -rn -o TARGET | grep -F "$d/" | sort -r | while read -r m; do umount -l "$m" 2>/dev/null || true; done
    fi
    if findmnt -rn -o TARGET 2>/dev/null | grep -qF "$d/"; then
      echo "[build-images] leaving $d in place: something is still mounted under it" >&2
    else
      rm -rf "$d"
    fi
  done
  return "$rc"
}
trap cleanup EXIT

command -v docker >/dev/null 2>&1 || die "docker CLI not found (apt-get install -y docker.io)"
docker info >/dev/null 2>&1 || die "the Docker daemon does not answer; start it with test/docker/start-dockerd.sh"

# cached TAG RECIPE: the tag exists and was built by this recipe.
cached() {
  [ "$rebuild" -eq 0 ] || return 1
  local got
  got=$(docker image inspect --format "{{ index .Config.Labels \"$LABEL_KEY\" }}" "$1" 2>/dev/null) || return 1
  if [ "$got" != "$2" ]; then
    log "$1 exists but was not built by this recipe (label '$got', want '$2'): rebuilding"
    return 1
  fi
}

# ---------------------------------------------------------------- busybox
find_static_busybox() {
  local c info
  for c in /bin/busybox /usr/bin/busybox /usr/lib/busybox/busybox; do
    [ -x "$c" ] || continue
    c=$(readlink -f "$c")
    # `file` is not on a minimal Debian; ldd (libc-bin) always is, and exits 1 for a static binary.
    if command -v file >/dev/null 2>&1; then
      info=$(file -L "$c" 2>&1 || true)
      case "$info" in *'statically linked'*) echo "$c"; return 0 ;; esac
    else
      info=$(ldd "$c" 2>&1 || true)
      case "$info" in *'not a dynamic executable'*) echo "$c"; return 0 ;; esac
    fi
  done
  return 1
}

build_busybox() {
  local bb ctx t0
  bb=$(find_static_busybox) || die "no statically linked busybox found (apt-get install -y busybox-static): a dynamic one cannot run in an image FROM scratch"
  log "building $BUSYBOX_TAG from $bb ($($bb 2>&1 | head -n 1))"
  ctx=$(mktemp -d /tmp/axon-busybox-ctx.XXXXXX)
  cleanup_dirs+=("$ctx")
  cp "$bb" "$ctx/busybox"
  # Axon runs job commands with `/bin/bash -c`. Debian's busybox has no `bash` applet (a /bin/bash symlink
  # to busybox fails with "bash: applet not found"), so /bin/bash is a tiny script that hands its
  # arguments to busybox's ash, which understands the bash-isms jobs usually use ([[ ]], ${x:1}, source).
  printf '%s\n' '#!/bin/busybox sh' \
    '# No bash in this image: busybox ash stands in for it (Axon runs jobs with /bin/bash -c).' \
    'exec /bin/busybox sh "$@"' >"$ctx/bash"
  chmod 0755 "$ctx/busybox" "$ctx/bash"
  cat >"$ctx/Dockerfile" <<DOCKERFILE
FROM scratch
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]
COPY bash /bin/bash
RUN ["/bin/busybox", "sh", "-c", "mkdir -p /tmp /root /etc /usr/bin /usr/sbin /sbin && chmod 1777 /tmp && echo 'root:x:0:0:root:/root:/bin/sh' > /etc/passwd && echo 'root:x:0:' > /etc/group"]
ENV PATH=$IMAGE_PATH
LABEL $LABEL_KEY=$BUSYBOX_RECIPE
CMD ["sh"]
DOCKERFILE
  t0=$(now_ms)
  # The classic builder: nothing to fetch (BuildKit may want a frontend image).
  if ! DOCKER_BUILDKIT=0 docker build -t "$BUSYBOX_TAG" "$ctx" >"$ctx.log" 2>&1; then
    tail -n 20 "$ctx.log" >&2
    rm -f "$ctx.log"
    die "docker build of $BUSYBOX_TAG failed"
  fi
  rm -f "$ctx.log"
  log "built $BUSYBOX_TAG in $(secs_since "$t0")"
}

check_busybox() {
  local out
  out=$(docker run --rm "$BUSYBOX_TAG" /bin/bash -c 'echo "$0:$1"; [[ -x /bin/sh ]] && [ -d /tmp ] && echo ok' x y 2>&1) ||
    die "$BUSYBOX_TAG: /bin/bash -c failed: $out"
  [ "$out" = "$(printf 'x:y\nok')" ] || die "$BUSYBOX_TAG: unexpected output from /bin/bash -c: $out"
  out=$(docker run --rm "$BUSYBOX_TAG" sh -c 'echo $((6 * 7))' 2>&1) || die "$BUSYBOX_TAG: sh -c failed: $out"
  [ "$out" = 42 ] || die "$BUSYBOX_TAG: unexpected output from sh -c: $out"
}

# ---------------------------------------------------------------- python
# The Debian archive this machine's apt uses (deb822 .sources first, then one-line .list files).
debian_mirror() {
  if [ -n "${AXON_DEBIAN_MIRROR:-}" ]; then
    echo "$AXON_DEBIAN_MIRROR"
    return 0
  fi
  local f uri=""
  for f in /etc/apt/sources.list.d/*.sources; do
    [ -f "$f" ] || continue
    # Stanzas are separated by blank lines; take the first deb stanza whose Suites hold $SUITE itself.
    uri=$(awk -v suite="$SUITE" '
      function flush() { if (types ~ /(^| )deb( |$)/ && (" " suites " ") ~ (" " suite " ") && uris != "" && !found) { split(uris, u, " "); print u[1]; found = 1 } types = ""; suites = ""; uris = "" }
      /^[ \t]*$/ { flush(); next }
      /^[ \t]*#/ { next }
      tolower($1) == "types:" { $1 = ""; types = $0 }
      tolower($1) == "suites:" { $1 = ""; suites = $0 }
      tolower($1) == "uris:" { $1 = ""; uris = $0 }
      END { flush() }' "$f" | sed 's/^ *//')
    [ -n "$uri" ] && break
  done
  if [ -z "$uri" ]; then
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      uri=$(sed -E 's/\[[^]]*\]//' "$f" | awk -v suite="$SUITE" '$1 == "deb" && $3 == suite { print $2; exit }')
      [ -n "$uri" ] && break
    done
  fi
  [ -n "$uri" ] || return 1
  echo "${uri%/}"
}

build_python() {
  local mirror root t0 t1 dlog
  [ "$(id -u)" -eq 0 ] || die "building $PYTHON_TAG needs root (debootstrap), running as uid $(id -u)"
  command -v debootstrap >/dev/null 2>&1 || die "debootstrap not found (apt-get install -y debootstrap)"
  mirror=$(debian_mirror) || die "no Debian $SUITE mirror found in /etc/apt/sources.list(.d); set AXON_DEBIAN_MIRROR"
  root=$(mktemp -d /var/tmp/axon-python-rootfs.XXXXXX)
  cleanup_dirs+=("$root")
  dlog=$(mktemp /tmp/axon-debootstrap.XXXXXX.log)
  log "building $PYTHON_TAG: debootstrap --variant=minbase $SUITE from $mirror into $root (log: $dlog)"
  t0=$(now_ms)
  if ! debootstrap --variant=minbase --include=python3,python3-numpy,python3-sklearn \
    "$SUITE" "$root" "$mirror" >"$dlog" 2>&1; then
    tail -n 25 "$dlog" >&2
    die "debootstrap failed after $(secs_since "$t0") (full log: $dlog)"
  fi
  log "debootstrap took $(secs_since "$t0")"
  # The package cache and lists are not needed at run time (about 60 MB).
  rm -rf "$root"/var/cache/apt/archives/*.deb "$root"/var/lib/apt/lists/* "$root"/debootstrap
  t1=$(now_ms)
  tar --numeric-owner -C "$root" -c . | docker import \
    --change "ENV PATH=$IMAGE_PATH" \
    --change 'ENV LANG=C.UTF-8' \
    --change "LABEL $LABEL_KEY=$PYTHON_RECIPE" \
    --change 'CMD ["/bin/bash"]' \
    - "$PYTHON_TAG" >/dev/null || die "docker import of $PYTHON_TAG failed"
  log "docker import took $(secs_since "$t1"); $PYTHON_TAG built in $(secs_since "$t0") in all"
  rm -f "$dlog"
}

check_python() {
  local out
  out=$(docker run --rm "$PYTHON_TAG" python3 -c "import sklearn, numpy; print('ok')" 2>&1) ||
    die "$PYTHON_TAG: python3 cannot import sklearn and numpy: $out"
  [ "$out" = ok ] || die "$PYTHON_TAG: unexpected output from python3: $out"
  out=$(docker run --rm "$PYTHON_TAG" /bin/bash -c 'echo "$BASH_VERSION" >/dev/null && [[ -x /usr/bin/python3 ]] && echo ok' 2>&1) ||
    die "$PYTHON_TAG: /bin/bash -c failed: $out"
  [ "$out" = ok ] || die "$PYTHON_TAG: unexpected output from /bin/bash -c: $out"
}

# ---------------------------------------------------------------- main
run_one() { # name tag recipe
  local t0
  t0=$(now_ms)
  if cached "$2" "$3"; then
    log "$2 is cached ($(docker image inspect --format '{{.Id}}' "$2" | cut -c8-19)); skipping the build"
  else
    "build_$1"
  fi
  "check_$1"
  log "$2 ok ($(secs_since "$t0"))"
}

t_all=$(now_ms)
[ "$only" = python ] || run_one busybox "$BUSYBOX_TAG" "$BUSYBOX_RECIPE"
[ "$only" = busybox ] || run_one python "$PYTHON_TAG" "$PYTHON_RECIPE"

missing=()
[ "$only" = python ] || docker image inspect "$BUSYBOX_TAG" >/dev/null 2>&1 || missing+=("$BUSYBOX_TAG")
[ "$only" = busybox ] || docker image inspect "$PYTHON_TAG" >/dev/null 2>&1 || missing+=("$PYTHON_TAG")
[ ${#missing[@]} -eq 0 ] || die "missing after the build: ${missing[*]}"
log "done in $(secs_since "$t_all")"

#!/usr/bin/env bash
# Tries the README on a bare Debian 12, as a new user would: makes a minimal root with
# mmdebstrap (Essential, required and apt; nothing else), clones the current commit into
# it, and runs the README's two Quick start commands there, exactly as written, as root.
# The root reaches the package registries the way this machine does: its apt sources and
# npm client configuration are bound in read-only, with /proc, /dev, /dev/pts and a
# read-only ../shared. Prints the time of each step; exits non-zero on any failure.
#
#   bash scripts/fresh-check.sh [--keep] [--dir DIR]
#
# --keep leaves the root (and its logs) in place; --dir chooses where it is made
# (default: a new folder under /var/tmp). Needs root and about 15 GB of disk.
# Uncommitted changes are not in the check: it clones HEAD.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
KEEP=0
WORK=""
while [ $# -gt 0 ]; do
  case $1 in
    --keep) KEEP=1 ;;
    --dir) WORK=$2; shift ;;
    *) echo "usage: $0 [--keep] [--dir DIR]" >&2; exit 2 ;;
  esac
  shift
done
[ "$(id -u)" -eq 0 ] || { echo "fresh-check: run as root (it makes a chroot and mounts into it)" >&2; exit 2; }

say() { printf 'fresh-check: %s\n' "$*"; }
STEPS=()
# step NAME COMMAND...: runs it, logs to $WORK/NAME.log, records its time; stops on failure.
step() {
  local name=$1; shift
  local start=$SECONDS rc=0 log
  log=$WORK/$(printf '%s' "$name" | tr -c 'A-Za-z0-9.-' '_').log
  say "$name ..."
  "$@" >"$log" 2>&1 || rc=$?
  local took=$((SECONDS - start))
  STEPS+=("$(printf '%-28s %5d s  rc %d' "$name" "$took" "$rc")")
  if [ $rc -ne 0 ]; then
    say "$name FAILED (rc $rc) after $took s; the last lines of $log:"
    tail -n 40 "$log" | sed 's/^/  | /'
    report
    exit 1
  fi
  say "$name: ok in $took s"
}
report() {
  echo
  say "step times (commit $COMMIT):"
  printf '  %s\n' "${STEPS[@]}"
}

COMMIT=$(git -C "$ROOT" rev-parse HEAD)
[ -z "$(git -C "$ROOT" status --porcelain --untracked-files=no)" ] || say "note: uncommitted changes are not part of the check (it clones $COMMIT)"

# The README's two commands, as written in its Quick start block.
mapfile -t COMMANDS < <(awk '/^## Quick start/{q=1} q&&/^```sh/{b=1;next} b&&/^```/{exit} b' "$ROOT/README.md" | sed 's/[[:space:]]*#.*$//' | grep -v '^[[:space:]]*$')
[ ${#COMMANDS[@]} -eq 2 ] || { say "expected two commands in the README's Quick start block, found ${#COMMANDS[@]}"; exit 1; }

if [ -z "$WORK" ]; then WORK=$(mktemp -d /var/tmp/easel-fresh.XXXXXX); else mkdir -p "$WORK"; fi
WORK=$(cd "$WORK" && pwd)
ROOTFS=$WORK/rootfs
cleanup() {
  if [ $KEEP -eq 1 ]; then say "kept $WORK"; return; fi
  rm -rf --one-file-system "$ROOTFS" 2>/dev/null || true
  say "logs in $WORK (the root is removed; --keep keeps it)"
}
trap cleanup EXIT
say "working in $WORK"

# --- the host's tools for making the root ---------------------------------------------
if ! command -v mmdebstrap >/dev/null; then
  step install-mmdebstrap env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends mmdebstrap
fi

# --- a bare Debian 12 from the archive this machine's apt uses ---------------------------
SOURCES=()
for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.sources /etc/apt/sources.list.d/*.list; do
  [ -s "$f" ] && SOURCES+=("$f")
done
rm -rf --one-file-system "$ROOTFS"
step mmdebstrap mmdebstrap --variant=minbase --mode=root \
  --aptopt='Acquire::Check-Valid-Until "false"' --aptopt='Acquire::Check-Date "false"' \
  bookworm "$ROOTFS" "${SOURCES[@]}"

# --- the current commit, cloned into the root --------------------------------------------
step clone git clone --quiet --no-hardlinks "$ROOT" "$ROOTFS/root/easel"
git -C "$ROOTFS/root/easel" checkout --quiet "$COMMIT"

# --- what the root sees of this machine -------------------------------------------------
# Mount points for the binds (files for file binds); the binds themselves are made in a
# private mount namespace below, so they end with the check whatever happens.
mkdir -p "$ROOTFS/root/shared"
BINDS=()   # "host-path root-path"
[ -d "$ROOT/../shared" ] && BINDS+=("$(cd "$ROOT/../shared" && pwd) /root/shared")
# apt: the sources, and the host's own apt.conf.d files (those no package in the root owns,
# so that no package upgrade inside needs to replace a read-only file). The certificate
# authorities this machine adds locally (/usr/local/share/ca-certificates: a registry proxy
# may present one), which the root's ca-certificates package takes in when setup installs
# it. npm: the user's configuration, and the global one at each place an npm looks for it
# (nodesource's npm: /usr/etc/npmrc; Debian's: /usr/local/etc/npmrc, /etc/npmrc).
for f in /etc/apt/sources.list.d /etc/apt/sources.list /etc/apt/apt.conf.d/* /usr/local/share/ca-certificates /root/.npmrc; do
  [ -e "$f" ] || continue
  case $f in /etc/apt/apt.conf.d/*) [ -e "$ROOTFS$f" ] && continue ;; esac
  if [ -d "$f" ]; then mkdir -p "$ROOTFS$f"; else touch "$ROOTFS$f"; fi
  BINDS+=("$f $f")
done
GLOBAL_NPMRC=""
for f in /usr/etc/npmrc /usr/local/etc/npmrc /etc/npmrc; do [ -s "$f" ] && { GLOBAL_NPMRC=$f; break; }; done
if [ -n "$GLOBAL_NPMRC" ]; then
  for f in /usr/etc/npmrc /usr/local/etc/npmrc /etc/npmrc; do
    mkdir -p "$ROOTFS$(dirname "$f")"
    touch "$ROOTFS$f"
    BINDS+=("$GLOBAL_NPMRC $f")
  done
fi
cp -L /etc/resolv.conf "$ROOTFS/etc/resolv.conf"

INNER=$WORK/inner.sh
{
  echo 'set -euo pipefail'
  echo "ROOTFS='$ROOTFS'"
  echo 'mount -t proc proc "$ROOTFS/proc"'
  echo 'mount --rbind /dev "$ROOTFS/dev"'
  echo 'mountpoint -q "$ROOTFS/dev/pts" || mount --bind /dev/pts "$ROOTFS/dev/pts"'
  for b in "${BINDS[@]}"; do
    set -- $b
    echo "mount --bind '$1' \"\$ROOTFS$2\" && mount -o remount,bind,ro \"\$ROOTFS$2\""
  done
  echo 'exec chroot "$ROOTFS" /usr/bin/env -i HOME=/root LANG=C.UTF-8 TERM=dumb \'
  echo '  PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \'
  echo '  /bin/bash -c "cd /root/easel && $1"'
} >"$INNER"

# --- the README's commands, in order -----------------------------------------------------
n=0
for c in "${COMMANDS[@]}"; do
  n=$((n + 1))
  step "readme-$n: $c" unshare --mount --propagation private bash "$INNER" "$c"
done

report
say "the README's commands pass on a bare Debian 12 (commit $COMMIT)"

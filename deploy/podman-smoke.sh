#!/usr/bin/env bash
# Build the image with podman and run it once for real: the container must turn healthy
# (its HEALTHCHECK, `practice-bot healthcheck`) and answer 200 on /readyz.
# Not part of `make test` (it takes minutes). Needs root, podman, runc and debootstrap:
#   apt-get install -y podman runc debootstrap
# Where no registry serves base images, a local python:3.11-slim-bookworm stand-in is made
# once with debootstrap (Debian bookworm's python3 is 3.11) and imported into podman.
set -euo pipefail

cd "$(dirname "$0")/.."
IMAGE=${IMAGE:-practice-bot:smoke}
BASE=python:3.11-slim-bookworm
NAME=practice-bot-smoke-$$
PORT=9108
started=$(date +%s)

say() { printf '[%4ss] %s\n' "$(( $(date +%s) - started ))" "$*"; }

if ! podman image exists "$BASE"; then
    say "no $BASE image here: making one with debootstrap"
    rootfs=$(mktemp -d /tmp/practice-bot-rootfs.XXXXXX)
    debootstrap --variant=minbase \
        --include=python3,python3-venv,python-is-python3,ca-certificates \
        bookworm "$rootfs" "${DEBIAN_MIRROR:-http://deb.debian.org/debian}" >/tmp/practice-bot-debootstrap.log
    # The registry may sit behind this host's certificate authority: trust what the host trusts.
    cp /etc/ssl/certs/ca-certificates.crt "$rootfs/etc/ssl/certs/ca-certificates.crt"
    printf '[global]\ncert = /etc/ssl/certs/ca-certificates.crt\n' >"$rootfs/etc/pip.conf"
    rm -rf "$rootfs"/var/cache/apt/archives/*.deb "$rootfs"/var/lib/apt/lists/*
    tar -C "$rootfs" -c . | podman import --change 'CMD ["python3"]' - "$BASE" >/dev/null
    rm -rf "$rootfs"
    say "imported $BASE"
fi

based=$(date +%s)
say "building $IMAGE"
podman build --isolation=chroot --pull=never --network=host \
    --format docker -t "$IMAGE" . >/tmp/practice-bot-build.log 2>&1 \
    || { tail -30 /tmp/practice-bot-build.log; exit 1; }
built=$(date +%s)
say "built"

cleanup() { podman rm -f "$NAME" >/dev/null 2>&1 || true; }
trap cleanup EXIT

# The console adapter (no tokens) on the image's own SQLite volume, with the probes on METRICS_PORT.
# -i keeps stdin open, so the console waits for input instead of finishing at end of input.
podman --runtime runc run -d -i --name "$NAME" --network=none \
    --ulimit nofile=1024:1024 --ulimit nproc=1024:1024 \
    -e METRICS_PORT=$PORT -e TICK_SECONDS=2 -e LOG_FORMAT=json \
    "$IMAGE" >/dev/null
say "container $NAME started"

probe() {
    podman exec "$NAME" python -c "
import sys, urllib.request, urllib.error
try:
    r = urllib.request.urlopen('http://127.0.0.1:$PORT$1', timeout=3)
    print(r.status, r.read().decode().strip())
except urllib.error.HTTPError as e:
    print(e.code, e.read().decode().strip()); sys.exit(1)
except OSError as e:
    print('no answer:', e); sys.exit(1)
"
}

healthy=""
for _ in $(seq 1 60); do
    if [ "$(podman inspect -f '{{.State.Running}}' "$NAME")" != "true" ]; then
        podman logs "$NAME" | tail -30
        say "FAIL: the container stopped"
        exit 1
    fi
    # Podman runs HEALTHCHECKs from systemd timers, which a bare host has not: run it on demand.
    if podman healthcheck run "$NAME" >/dev/null 2>&1; then
        healthy=yes
        break
    fi
    sleep 1
done
[ -n "$healthy" ] || { podman logs "$NAME" | tail -30; say "FAIL: never healthy"; exit 1; }
say "healthy: $(podman inspect -f '{{.State.Health.Status}}' "$NAME" 2>/dev/null || echo '?')"

ready=""
for _ in $(seq 1 30); do
    if answer=$(probe /readyz); then ready=$answer; break; fi
    sleep 1
done
[ -n "$ready" ] || { podman logs "$NAME" | tail -30; say "FAIL: /readyz never 200 (last: ${answer:-})"; exit 1; }
say "/readyz: $ready"
say "/healthz: $(probe /healthz)"
podman exec "$NAME" practice-bot migrate >/dev/null && say "migrate again: no-op at head"
say "OK: base image $(( based - started ))s, build $(( built - based ))s, run to ready $(( $(date +%s) - built ))s, total $(( $(date +%s) - started ))s"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Quick start, step one: install what is missing, build, and run the
# appliance locally: the dataplane on a net_tap device named tp0 and the
# control plane beside it (configs/local.conf, or the config given as the
# only argument, e.g. configs/local-redis.conf). The kernel side of tp0
# gets 198.18.0.1/24 and 2001:db8:1::1/64; the dataplane answers on
# 198.18.0.2 and 2001:db8:1::2, STUN/TURN on UDP 3478; the control plane's
# ICE-server API listens on 127.0.0.1:8080. Stays in the foreground until
# Ctrl-C or SIGTERM, then stops both, and the dataplane removes tp0.
#
# Under `ip netns exec NS scripts/run-local.sh` it does the same inside
# that namespace (127.0.0.1:8080 is then the namespace's loopback).
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh build -Dwerror=true

conf=${1:-configs/local.conf}
bin=build/turnpike-dataplane
ctl=build/turnpike-control
for b in "$bin" "$ctl"; do
	if [ ! -x "$b" ]; then
		echo "run-local: $b was not built (are libdpdk-dev, libevent-dev, libhiredis-dev installed?)" >&2
		exit 1
	fi
done
if ip link show tp0 >/dev/null 2>&1; then
	echo "run-local: an interface named tp0 already exists here; is turnpike already running?" >&2
	exit 1
fi

"$bin" -f "$conf" &
pid=$!
cpid=
stop() {
	trap - INT TERM
	[ -z "$cpid" ] || kill -TERM "$cpid" 2>/dev/null || true
	kill -TERM "$pid" 2>/dev/null || true
	[ -z "$cpid" ] || wait "$cpid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
trap stop INT TERM

# The dataplane creates tp0 when its port starts; give the kernel side
# its addresses so local clients can reach it.
for _ in $(seq 1 300); do
	ip link show tp0 >/dev/null 2>&1 && break
	kill -0 "$pid" 2>/dev/null || { wait "$pid"; exit 1; }
	sleep 0.1
done
if ! ip link show tp0 >/dev/null 2>&1; then
	echo "run-local: tp0 did not appear within 30 s" >&2
	stop
	exit 1
fi
ip addr add 198.18.0.1/24 dev tp0
ip -6 addr add 2001:db8:1::1/64 dev tp0 nodad
ip link set tp0 up

# The control plane: credentials, the ICE-server API, metrics. The
# dataplane connects to it over control.socket by itself (and keeps
# relaying if it stops).
"$ctl" -f "$conf" &
cpid=$!
for _ in $(seq 1 100); do
	curl -fsS -o /dev/null http://127.0.0.1:8080/readyz 2>/dev/null && break
	kill -0 "$cpid" 2>/dev/null || { echo "run-local: turnpike-control exited" >&2; stop; exit 1; }
	sleep 0.1
done

cat <<MSG

turnpike is running on tp0 (dataplane pid $pid, control plane pid $cpid). From this machine:
  STUN:  turnutils_stunclient 198.18.0.2
  TURN:  turn:198.18.0.2:3478?transport=udp   turn:[2001:db8:1::2]:3478?transport=udp
         user demo / password demo-pass, realm turnpike.test, REST secret demo-secret
  e.g.   turnutils_peer -L 198.18.0.1 &
         turnutils_uclient -u demo -w demo-pass -e 198.18.0.1 198.18.0.2
  ICE:   curl -H "Authorization: Bearer demo-key" http://127.0.0.1:8080/v1/ice
  stats: curl http://127.0.0.1:8080/metrics   (or dpdk-telemetry.py, then /turnpike/stats)
  admin: build/turnpikectl -c $conf status
Ctrl-C stops both.
MSG
rc=0
wait "$pid" || rc=$?
stop
exit $rc

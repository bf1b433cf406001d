#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Quick start, step one: install what is missing, build, and run the
# appliance locally on a net_tap device named tp0 (configs/local.conf).
# The kernel side of tp0 gets 198.18.0.1/24 and 2001:db8:1::1/64; the
# dataplane answers on 198.18.0.2 and 2001:db8:1::2, STUN/TURN on UDP
# 3478. Stays in the foreground until Ctrl-C or SIGTERM, then stops the
# dataplane, which removes tp0.
#
# Under `ip netns exec NS scripts/run-local.sh` it does the same inside
# that namespace.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh build -Dwerror=true

bin=build/turnpike-dataplane
if [ ! -x "$bin" ]; then
	echo "run-local: $bin was not built (is libdpdk-dev installed?)" >&2
	exit 1
fi
if ip link show tp0 >/dev/null 2>&1; then
	echo "run-local: an interface named tp0 already exists here; is turnpike already running?" >&2
	exit 1
fi

"$bin" -f configs/local.conf &
pid=$!
stop() {
	trap - INT TERM
	kill -TERM "$pid" 2>/dev/null || true
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

cat <<MSG

turnpike is running on tp0 (pid $pid). From this machine:
  STUN:  turnutils_stunclient 198.18.0.2
  TURN:  turn:198.18.0.2:3478?transport=udp   turn:[2001:db8:1::2]:3478?transport=udp
         user demo / password demo-pass, realm turnpike.test, REST secret demo-secret
  e.g.   turnutils_peer -L 198.18.0.1 &
         turnutils_uclient -u demo -w demo-pass -e 198.18.0.1 198.18.0.2
  stats: dpdk-telemetry.py, then /turnpike/stats
Ctrl-C stops it.
MSG
wait "$pid"

# SPDX-License-Identifier: BSD-3-Clause
#
# Shared by the integration tests: each test runs turnpike-dataplane on a
# net_tap device inside a network namespace it creates, talks to it with
# real third-party clients from inside that namespace, and removes
# everything on exit. Needs root (network namespaces, TAP devices).
#
# Only 198.18.0.0/15 and 2001:db8::/32 are used, only inside the
# namespace; every wait is bounded; only processes started here are
# stopped, by PID.
#
# Usage, from a test script:
#   . "$(dirname "$0")/lib.sh" "$@"     # args: DATAPLANE_BINARY SOURCE_ROOT
#   tp_start configs/local.conf          # namespace, dataplane, tp0 addresses
#                                        # (relative to SOURCE_ROOT, or absolute)
#   tp_ns turnutils_stunclient 198.18.0.2

set -euo pipefail

TP_BIN=${1:?usage: TEST DATAPLANE_BINARY SOURCE_ROOT}
TP_SRC=${2:?usage: TEST DATAPLANE_BINARY SOURCE_ROOT}

if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL: integration tests need root (network namespaces and TAP devices)" >&2
	exit 1
fi

TP_NS=tp-it-$$
TP_PREFIX=tp-it-$$
TP_TMP=$(mktemp -d /tmp/tp-it.XXXXXX)
TP_PID=
TP_BG_PIDS=()

tp_log() { printf '[%s] %s\n' "$(date +%T)" "$*"; }

tp_fail() {
	echo "FAIL: $*" >&2
	if [ -f "$TP_TMP/dataplane.log" ]; then
		echo "--- dataplane log (last 40 lines)" >&2
		tail -n 40 "$TP_TMP/dataplane.log" >&2
	fi
	exit 1
}

tp_ns() { ip netns exec "$TP_NS" "$@"; }

tp_cleanup() {
	local rc=$?
	for pid in "${TP_BG_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	if [ -n "$TP_PID" ] && kill -0 "$TP_PID" 2>/dev/null; then
		kill -TERM "$TP_PID" 2>/dev/null || true
		for _ in $(seq 1 100); do
			kill -0 "$TP_PID" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$TP_PID" 2>/dev/null; then
			echo "dataplane did not stop within 10 s of SIGTERM; killing it" >&2
			kill -KILL "$TP_PID" 2>/dev/null || true
			rc=1
		fi
	fi
	ip netns del "$TP_NS" 2>/dev/null || true
	rm -rf "$TP_TMP" "/var/run/dpdk/$TP_PREFIX"
	exit $rc
}
trap tp_cleanup EXIT

# Start the dataplane with CONFIG inside a new namespace and give the
# kernel side of tp0 its addresses. Waits up to 30 s for tp0 and for the
# dataplane to answer ARP (ping).
tp_start() {
	local conf=$1
	case $conf in
	/*) ;;
	*) conf=$TP_SRC/$conf ;;
	esac
	# The control group's sockets go into this run's directory, so a test
	# never talks to (or takes) the sockets of a turnpike running here.
	mkdir -p "$TP_TMP/run"
	sed "s|/run/turnpike/|$TP_TMP/run/|g" "$conf" >"$TP_TMP/tp_start.conf"
	conf=$TP_TMP/tp_start.conf
	ip netns add "$TP_NS"
	tp_ns ip link set lo up
	# Its own EAL runtime directory (and telemetry socket) per test run.
	# Not through tp_ns: a backgrounded shell function is a subshell, and
	# $! must be the dataplane itself (ip netns exec execs it) so that
	# signals reach it.
	ip netns exec "$TP_NS" "$TP_BIN" -f "$conf" -- --file-prefix="$TP_PREFIX" \
		>"$TP_TMP/dataplane.log" 2>&1 &
	TP_PID=$!
	local up=0
	for _ in $(seq 1 300); do
		kill -0 "$TP_PID" 2>/dev/null || tp_fail "dataplane exited during start-up"
		if tp_ns ip link show tp0 >/dev/null 2>&1; then
			up=1
			break
		fi
		sleep 0.1
	done
	[ $up -eq 1 ] || tp_fail "tp0 did not appear within 30 s"
	tp_ns ip addr add 198.18.0.1/24 dev tp0
	tp_ns ip -6 addr add 2001:db8:1::1/64 dev tp0 nodad
	tp_ns ip link set tp0 up
	for _ in $(seq 1 50); do
		if tp_ns ping -c 1 -W 1 198.18.0.2 >/dev/null 2>&1; then
			tp_log "dataplane up (pid $TP_PID)"
			return 0
		fi
		sleep 0.2
	done
	tp_fail "198.18.0.2 does not answer ping"
}

# Run a command in the namespace in the background; stopped at exit.
tp_bg() {
	ip netns exec "$TP_NS" "$@" >"$TP_TMP/bg-${#TP_BG_PIDS[@]}.log" 2>&1 &
	TP_BG_PIDS+=($!)
}

# Print one key of a telemetry command's answer (default /turnpike/stats),
# read with DPDK's own telemetry client through this instance's socket:
#   tp_stat KEY                       summed over workers
#   tp_stat KEY /turnpike/worker,1    one worker's
tp_stat() {
	local key=$1 cmd=${2:-/turnpike/stats}
	echo "$cmd" | timeout 10 dpdk-telemetry.py -f "$TP_PREFIX" 2>/dev/null |
		python3 -c '
import json, sys
for line in sys.stdin:
    line = line.strip()
    if line.startswith("{"):
        print(next(iter(json.loads(line).values()))[sys.argv[1]])
        break
else:
    sys.exit("no telemetry answer")
' "$key"
}

# Fail unless counter KEY moved by at least MIN since BEFORE.
tp_stat_grew() {
	local key=$1 before=$2 min=$3 now
	now=$(tp_stat "$key") || tp_fail "telemetry: cannot read $key"
	[ $((now - before)) -ge "$min" ] || tp_fail "$key went from $before to $now (expected +$min)"
}

# Fail unless turnutils_uclient's OUT (from WHAT) ends with "Total lost
# packets 0 (...), total send dropped 0 (...)"; it prints no such line
# when allocation fails.
tp_check_lossless() {
	local what=$1 out=$2
	grep -Eq "Total lost packets 0 \(.*total send dropped 0 \(" <<<"$out" ||
		tp_fail "$what: packets lost or the run failed: $out"
}

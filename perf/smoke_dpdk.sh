#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The DPDK path of turnpike-perf, briefly: turnpike-dataplane as the
# server end of a net_memif link (perf/dpdk-memif.conf.in) and
# turnpike-perf --io dpdk as its client, every preset for a second with
# two clients, and concurrency-ramp to 2,000 held allocations. Each JSON
# must show real traffic through the dataplane: packets answered or
# relayed, allocations made, no SRTP failure or bad packet, the ramp's
# allocations held and its bytes per allocation. Not a benchmark
# (perf/bench-dpdk is). Fails on anything off; never skips.
#
# Usage (as root: EAL's runtime directory is /var/run/dpdk):
#   smoke_dpdk.sh TURNPIKE_DATAPLANE TURNPIKE_PERF
#
# A fresh dataplane per preset: DPDK 22.11's memif PMD can crash the
# dataplane's worker when a client disconnects (it unmaps the shared rings
# under the polling worker), so each turnpike-perf run gets its own server,
# and a server that dies after its client has gone is not a failure.
# Traffic stays on the memif link (198.18.0.0/15); the socket, the EAL
# runtime directories and the temp dir are removed, and only processes
# started here are stopped, by PID.
set -euo pipefail

DP=${1:?usage: smoke_dpdk.sh TURNPIKE_DATAPLANE TURNPIKE_PERF}
PERF=${2:?usage: smoke_dpdk.sh TURNPIKE_DATAPLANE TURNPIKE_PERF}
RAMP=2000
# shellcheck source=perf/memif-dataplane.sh
. "$(dirname "$0")/memif-dataplane.sh"

if [ "$(id -u)" -ne 0 ]; then
	echo "FAIL: smoke_dpdk.sh needs root (EAL runtime files in /var/run/dpdk)" >&2
	exit 1
fi
if ! "$PERF" --help 2>&1 | grep -q -- '--io dpdk'; then
	echo "FAIL: $PERF has no DPDK back-end (--io dpdk)" >&2
	exit 1
fi

tmp=$(mktemp -d /tmp/tp-dpdk-smoke.XXXXXX)
MEMIF_DP=$DP MEMIF_SOCK=$tmp/memif.sock MEMIF_PREFIX=tp-dsmk-$$
perf_pid=

# shellcheck disable=SC2317 # run by the EXIT trap, not unreachable
cleanup() {
	local rc=$?
	for p in $perf_pid $MEMIF_PID; do
		kill -TERM "$p" 2>/dev/null || true
	done
	for p in $perf_pid $MEMIF_PID; do
		for _ in $(seq 1 100); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$p" 2>/dev/null || true
	done
	rm -rf "$tmp" "/var/run/dpdk/$MEMIF_PREFIX" "/var/run/dpdk/$MEMIF_PREFIX-lg"
	exit "$rc"
}
trap cleanup EXIT INT TERM

memif_conf "$tmp/dp.conf" 512 $((RAMP + 2000)) || { echo "FAIL: no dataplane config" >&2; exit 1; }

eal="--no-huge -m 512 --no-pci --file-prefix $MEMIF_PREFIX-lg -l 0"
eal+=" --vdev net_memif0,role=client,socket=$MEMIF_SOCK,socket-abstract=no"
common=(--io dpdk --eal "$eal" --server 198.18.0.2:3478 --peer-addr 198.18.100.1
	--user perf --password perf-pass --realm turnpike.test --clients 2 --duration 1
	--warmup 0.5 --quiet)
rc=0

# [AS=NAME] run PRESET ARGS...: one turnpike-perf run against a fresh
# dataplane, JSON in $tmp/NAME.json (NAME defaults to PRESET).
run() {
	local preset=$1 name=${AS:-$1}
	shift
	echo "== $name"
	memif_start "$tmp/dp.conf" "$tmp/dp-$name.log" ||
		{ echo "FAIL: $name: no dataplane" >&2; exit 1; }
	# The ramp reads the server's VmRSS for bytes per allocation.
	[ "$preset" != concurrency-ramp ] || set -- "$@" --server-pid "$MEMIF_PID"
	"$PERF" "${common[@]}" --preset "$preset" --json "$tmp/$name.json" "$@" \
		>"$tmp/$name.out" 2>"$tmp/$name.err" &
	perf_pid=$!
	local st=0
	# Bounded: 60 s, then the run counts as hung.
	for _ in $(seq 1 600); do kill -0 "$perf_pid" 2>/dev/null || break; sleep 0.1; done
	if kill -0 "$perf_pid" 2>/dev/null; then
		echo "FAIL: $name: turnpike-perf still running after 60 s" >&2
		kill -KILL "$perf_pid" 2>/dev/null || true
	fi
	wait "$perf_pid" 2>/dev/null || st=$?
	perf_pid=
	if [ "$st" -ne 0 ]; then
		echo "FAIL: $name: turnpike-perf exited with status $st:" >&2
		tail -n 20 "$tmp/$name.err" >&2
		rc=1
	fi
	cat "$tmp/$name.out"
	memif_stop
	# A crash after the client left is the PMD's (memif-dataplane.sh): noted.
	[ "$MEMIF_STATUS" -eq 0 ] ||
		echo "   (the dataplane exited with status $MEMIF_STATUS once the client had gone)"
}

run binding-flood
run alloc-rate
run relay-audio --peers 2
run relay-video --bitrate 500000
run max-pps --rate 500
AS=max-pps-sink run max-pps --rate 500 --peer-mode sink
run concurrency-ramp --allocations "$RAMP" --duration 30

python3 - "$tmp" "$RAMP" <<'PY' || rc=1
import json, os, sys

tmp, ramp = sys.argv[1], int(sys.argv[2])
bad = []

def check(name, cond, what):
    if not cond:
        bad.append(f"{name}: expected {what}")

for name in ["binding-flood", "alloc-rate", "relay-audio", "relay-video", "max-pps",
             "max-pps-sink", "concurrency-ramp"]:
    try:
        with open(os.path.join(tmp, name + ".json")) as f:
            j = json.load(f)
    except (OSError, ValueError) as e:
        bad.append(f"{name}: no readable JSON ({e})")
        continue
    g = lambda k: j.get(k, 0) or 0
    preset = name.removesuffix("-sink")
    check(name, j.get("preset") == preset, f"preset {preset}, got {j.get('preset')}")
    check(name, j.get("io") == "dpdk", f"io dpdk, got {j.get('io')}")
    check(name, g("srtp_failures") == 0, f"srtp_failures 0, got {j.get('srtp_failures')}")
    check(name, g("bad_packets") == 0, f"bad_packets 0, got {j.get('bad_packets')}")
    if name == "concurrency-ramp":
        check(name, g("allocations_held") >= ramp,
              f"allocations_held >= {ramp}, got {j.get('allocations_held')}")
        bpa = j.get("bytes_per_allocation")
        check(name, isinstance(bpa, (int, float)) and bpa > 0,
              f"bytes_per_allocation > 0, got {bpa}")
        continue
    check(name, g("sent") > 0, f"sent > 0, got {j.get('sent')}")
    check(name, g("received") > 0, f"received > 0, got {j.get('received')}")
    check(name, g("received") <= g("sent"), "received <= sent")
    check(name, "latency_us" in j, "latency_us")
    if name == "alloc-rate":
        check(name, g("allocations") > 0, f"allocations > 0, got {j.get('allocations')}")
        check(name, g("failures") == 0, f"failures 0, got {j.get('failures')}")
    if name == "max-pps-sink":
        check(name, j.get("peer_mode") == "sink", f"peer_mode sink, got {j.get('peer_mode')}")
    if preset == "max-pps":
        check(name, g("max_pps_at_0_1pct_loss") > 0,
              f"max_pps_at_0_1pct_loss > 0, got {j.get('max_pps_at_0_1pct_loss')}")

for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

if [ "$rc" -eq 0 ]; then
	echo "PASS: every preset over net_memif"
fi
exit "$rc"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# turnpike-perf smoke test: every preset for about two seconds with four
# clients against kernel-turn-server on 127.0.0.1, each result checked
# from its JSON (traffic flowed both ways, no SRTP failure or bad packet,
# little loss on loopback, latency percentiles present and ordered),
# the CSV of one run, the latency CDF (--cdf CSV and the JSON's
# latency_cdf) and the PNGs perf/plot-results draws, REST credentials,
# and that a wrong password makes turnpike-perf fail. These are not benchmarks: the figures only have to
# be sane. Fails on anything off; never skips.
#
# Only 127.0.0.1 is used, on ports from 20000 up; the server is started
# here, stopped here by its PID, and stops itself after 150 s anyway.
# Usage: smoke_perf.sh KERNEL_TURN_SERVER TURNPIKE_PERF
set -euo pipefail

SERVER=${1:?usage: smoke_perf.sh KERNEL_TURN_SERVER TURNPIKE_PERF}
PERF=${2:?usage: smoke_perf.sh KERNEL_TURN_SERVER TURNPIKE_PERF}

tmp=$(mktemp -d /tmp/tp-perf-smoke.XXXXXX)
pid=
# shellcheck disable=SC2317 # run by the EXIT trap, not unreachable
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

# A port block of 64 from the PID, moved on when something already holds it.
base=
for attempt in 1 2 3 4 5; do
	try=$((20000 + (($$ + attempt * 7727) % 600) * 64))
	"$SERVER" --listen "127.0.0.1:$try" --relay 127.0.0.1 \
		--relay-ports "$((try + 1))-$((try + 48))" \
		--user demo:demo-pass --rest-secret demo-secret --duration 150 \
		>"$tmp/server.out" 2>"$tmp/server.err" &
	pid=$!
	for _ in $(seq 1 50); do
		grep -q '^ready$' "$tmp/server.out" && break
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if grep -q '^ready$' "$tmp/server.out"; then
		base=$try
		break
	fi
	wait "$pid" 2>/dev/null || true
	pid=
done
if [ -z "$base" ]; then
	echo "FAIL: kernel-turn-server did not start:" >&2
	cat "$tmp/server.err" >&2
	exit 1
fi

common=(--server "127.0.0.1:$base" --clients 4 --duration 2 --warmup 0.5 --quiet)
longterm=(--user demo --password demo-pass)
rc=0

# run NAME ARGS...: one turnpike-perf run writing $tmp/NAME.json.
run() {
	local name=$1
	shift
	echo "== $name: turnpike-perf $*"
	if ! timeout 60 "$PERF" "$@" --json "$tmp/$name.json" --csv "$tmp/$name.csv" \
		>"$tmp/$name.out" 2>"$tmp/$name.err"; then
		echo "FAIL: $name: turnpike-perf exited with an error:" >&2
		cat "$tmp/$name.err" >&2
		rc=1
		return 0
	fi
	cat "$tmp/$name.out"
}

run binding-flood "${common[@]}" "${longterm[@]}" --preset binding-flood
run alloc-rate "${common[@]}" "${longterm[@]}" --preset alloc-rate
run relay-audio "${common[@]}" "${longterm[@]}" --preset relay-audio --peers 2 --threads 2 \
	--cdf "$tmp/relay-audio.cdf.csv"
run relay-video "${common[@]}" --rest-secret demo-secret --rest-user perf \
	--preset relay-video --bitrate 500000
run max-pps "${common[@]}" "${longterm[@]}" --preset max-pps --rate 200 --size 200
run audio-sink "${common[@]}" "${longterm[@]}" --preset relay-audio --peer-mode sink --threads 2
# Last: the ramp's allocations stay on the server (30 of its 48 relay ports).
run concurrency-ramp --server "127.0.0.1:$base" --clients 4 --duration 10 --quiet \
	"${longterm[@]}" --preset concurrency-ramp --allocations 30 --server-pid "$pid"

python3 - "$tmp" <<'PY' || rc=1
import csv, json, os, sys

tmp = sys.argv[1]
bad = []

def check(name, cond, what):
    if not cond:
        bad.append(f"{name}: expected {what}")

for name in ["binding-flood", "alloc-rate", "relay-audio", "relay-video", "max-pps"]:
    path = os.path.join(tmp, name + ".json")
    if not os.path.exists(path):
        bad.append(f"{name}: no JSON written")
        continue
    with open(path) as f:
        j = json.load(f)
    check(name, j.get("preset") == name, f"preset {name}, got {j.get('preset')}")
    check(name, j.get("clients") == 4, f"clients 4, got {j.get('clients')}")
    for k in ["server", "duration_s", "sent", "received", "lost", "loss_ratio",
              "reordered", "srtp_failures", "pps", "latency_us"]:
        check(name, k in j, f"key {k}")
    if bad:
        continue
    check(name, j["duration_s"] > 0.5, f"duration_s > 0.5, got {j['duration_s']}")
    check(name, j["sent"] > 0, f"sent > 0, got {j['sent']}")
    check(name, j["received"] > 0, f"received > 0, got {j['received']}")
    check(name, j["received"] <= j["sent"], f"received <= sent, got {j['received']} > {j['sent']}")
    check(name, j["srtp_failures"] == 0, f"srtp_failures 0, got {j['srtp_failures']}")
    check(name, j["bad_packets"] == 0, f"bad_packets 0, got {j['bad_packets']}")
    check(name, j["pps"] > 0, f"pps > 0, got {j['pps']}")
    check(name, j["loss_ratio"] <= 0.01, f"loss_ratio <= 1 % on loopback, got {j['loss_ratio']}")
    check(name, abs(j["lost"] - j["loss_ratio"] * j["sent"]) < 1 + 1e-6 * j["sent"],
          "loss_ratio = lost / sent")
    lat = j["latency_us"]
    order = [lat.get(k) for k in ["p50", "p90", "p99", "p999", "max"]]
    check(name, None not in order, f"p50, p90, p99, p999, max in latency_us, got {lat}")
    if None not in order:
        check(name, order[0] > 0, f"p50 > 0, got {order[0]}")
        check(name, order == sorted(order), f"p50 <= p90 <= p99 <= p999 <= max, got {order}")
    # The CDF: rising [us, fraction] points, at most 200, the last (max, 1).
    cdf = j.get("latency_cdf")
    check(name, isinstance(cdf, list) and 1 <= len(cdf) <= 200,
          f"latency_cdf with 1 to 200 points, got {cdf if not isinstance(cdf, list) else len(cdf)}")
    if isinstance(cdf, list) and cdf:
        check(name, all(a[0] < b[0] and a[1] <= b[1] for a, b in zip(cdf, cdf[1:])),
              "latency_cdf rising in latency and fraction")
        check(name, cdf[-1][1] == 1.0, f"latency_cdf ending at fraction 1, got {cdf[-1]}")
        check(name, abs(cdf[-1][0] - lat["max"]) <= 0.1,
              f"latency_cdf ending at the max {lat['max']}, got {cdf[-1][0]}")
    with open(os.path.join(tmp, name + ".csv")) as f:
        rows = list(csv.reader(f))
    check(name, rows and rows[0] == ["t", "sent", "received", "lost", "p99_us"],
          f"the CSV header t,sent,received,lost,p99_us, got {rows[:1]}")
    check(name, len(rows) >= 2, "at least one CSV row")
    if len(rows) >= 2:
        total = sum(int(r[1]) for r in rows[1:])
        check(name, total > 0, "CSV rows with packets sent")

    if name == "alloc-rate":
        check(name, j.get("allocations_per_s", 0) > 0, f"allocations_per_s > 0, got {j.get('allocations_per_s')}")
        check(name, j.get("failures") == 0, f"failures 0, got {j.get('failures')}")
        # Every allocation is an Allocate, a Refresh and a Refresh 0, each answered.
        check(name, j["sent"] >= 3 * j.get("allocations", 0), "3 requests per allocation")
    if name == "relay-audio":
        # 4 clients x 50 pps x 2 s: pacing within a wide margin (CI load).
        check(name, 240 <= j["sent"] <= 520, f"about 400 packets sent, got {j['sent']}")
    if name == "relay-video":
        # 500 kbit/s in 1200-byte payloads = 52 pps per client, 4 clients, 2 s.
        check(name, 240 <= j["sent"] <= 540, f"about 416 packets sent, got {j['sent']}")
    if name == "max-pps":
        check(name, j.get("max_pps_at_0_1pct_loss", 0) > 0,
              f"max_pps_at_0_1pct_loss > 0, got {j.get('max_pps_at_0_1pct_loss')}")
        steps = j.get("steps", [])
        check(name, len(steps) >= 1, "at least one step")
        if steps:
            check(name, steps[0]["offered_pps"] == 800, f"first step offered 800 pps, got {steps[0]['offered_pps']}")

# Sink peers: the packets counted where they land, nothing sent back.
name = "audio-sink"
try:
    with open(os.path.join(tmp, name + ".json")) as f:
        j = json.load(f)
    check(name, j.get("peer_mode") == "sink", f"peer_mode sink, got {j.get('peer_mode')}")
    check(name, 240 <= j.get("sent", 0) <= 520, f"about 400 packets sent, got {j.get('sent')}")
    check(name, j.get("received", 0) >= 0.99 * j.get("sent", 1), f"received ~ sent, got {j.get('received')} of {j.get('sent')}")
    check(name, j.get("srtp_failures") == 0 and j.get("bad_packets") == 0, "no SRTP failure, no bad packet")
    check(name, j.get("latency_us", {}).get("samples", 0) == j.get("received"), "a one-way latency sample per packet")
except (OSError, ValueError) as e:
    bad.append(f"{name}: {e}")

# concurrency-ramp: exactly the target built and held, memory read.
name = "concurrency-ramp"
try:
    with open(os.path.join(tmp, name + ".json")) as f:
        j = json.load(f)
    check(name, j.get("allocations_target") == 30, f"allocations_target 30, got {j.get('allocations_target')}")
    check(name, j.get("allocations_held") == 30, f"allocations_held 30, got {j.get('allocations_held')}")
    check(name, j.get("stop_error") == 0, f"stop_error 0, got {j.get('stop_error')}")
    check(name, j.get("failures") == 0, f"failures 0, got {j.get('failures')}")
    rss = j.get("server_rss_kb", {})
    check(name, rss.get("start", 0) > 0 and rss.get("end", 0) > 0, f"server_rss_kb start and end, got {rss}")
    check(name, "bytes_per_allocation" in j, "bytes_per_allocation")
    check(name, j.get("latency_us", {}).get("samples") == 30, "one latency sample per allocation")
    with open(os.path.join(tmp, name + ".csv")) as f:
        rows = list(csv.reader(f))
    check(name, rows and rows[0] == ["t", "sent", "received", "lost", "p99_us", "allocations_held", "server_rss_kb"],
          f"the ramp's CSV header, got {rows[:1]}")
    check(name, len(rows) >= 2 and int(rows[-1][5]) == 30, "the last row holding 30 allocations")
except (OSError, ValueError) as e:
    bad.append(f"{name}: {e}")

for b in bad:
    print("FAIL:", b, file=sys.stderr)
sys.exit(1 if bad else 0)
PY

# relay-audio's latency CDF CSV: the header, then latencies rising,
# fractions in (0, 1] never falling, the last exactly 1. (awk's exit
# still runs END, hence the flag.)
if ! awk -F, 'NR == 1 { if ($0 != "latency_us,fraction") { bad = 1; exit } next }
	$1 + 0 <= us || $2 + 0 < f || $2 + 0 <= 0 || $2 + 0 > 1 { bad = 1; exit }
	{ us = $1 + 0; f = $2 + 0; n++ }
	END { exit bad || n < 1 || f != 1 }' "$tmp/relay-audio.cdf.csv"; then
	echo "FAIL: relay-audio.cdf.csv is not a CDF ending at 1:" >&2
	head -n 5 "$tmp/relay-audio.cdf.csv" >&2 || true
	tail -n 3 "$tmp/relay-audio.cdf.csv" >&2 || true
	rc=1
fi

# The plots (perf/plot-results, gnuplot): the per-second CSVs to
# plot.png, the CDF to plot-cdf.png, both PNGs.
is_png() {
	[ -s "$1" ] && [ "$(head -c 8 "$1" | od -An -tx1 | tr -d ' \n')" = 89504e470d0a1a0a ]
}
if ! "$(dirname "$0")/plot-results" --cdf "$tmp/relay-audio.cdf.csv,audio" "$tmp/plot.png" \
	"$tmp/relay-audio.csv" audio "$tmp/max-pps.csv" max-pps >"$tmp/plot.out" 2>&1; then
	echo "FAIL: plot-results:" >&2
	cat "$tmp/plot.out" >&2
	rc=1
else
	for png in plot.png plot-cdf.png; do
		if ! is_png "$tmp/$png"; then
			echo "FAIL: plot-results did not write the PNG $png" >&2
			rc=1
		fi
	done
fi

# A wrong password must stop turnpike-perf at set-up, with a message.
if timeout 30 "$PERF" "${common[@]}" --user demo --password wrong --preset relay-audio \
	>"$tmp/wrong.out" 2>"$tmp/wrong.err"; then
	echo "FAIL: turnpike-perf with a wrong password exited 0" >&2
	rc=1
elif ! grep -q "401" "$tmp/wrong.err"; then
	echo "FAIL: expected the 401 named in the error, got:" >&2
	cat "$tmp/wrong.err" >&2
	rc=1
fi

if ! kill -0 "$pid" 2>/dev/null; then
	echo "FAIL: kernel-turn-server died during the runs:" >&2
	cat "$tmp/server.err" >&2
	rc=1
fi
[ $rc -eq 0 ] && echo "PASS: perf smoke"
exit $rc

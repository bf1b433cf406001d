#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The e2e suite (issue #7): a WebRTC call in Debian's headless Chromium
# through turnpike. Starts the appliance (turnpike-dataplane on net_tap
# tp0 and turnpike-control) in a network namespace of its own, with
# tests/e2e/e2e.conf.in, then drives the control plane's ICE test page
# (GET /ui/ice-test) with playwright-core from inside that namespace
# (ice_test.mjs), one browser per case:
#
#   call                 both peers' selected pairs are relay candidates on
#                        198.18.0.2, each the other's; 1,000 data-channel
#                        messages arrive, in order; 5 s of fake-camera video
#                        decoded (>= 50 frames), and the dataplane's hairpin
#                        and to-client counters grew by at least that many
#                        packets; screenshot kept
#   wrong-key            401 and /v1/ice's message on the page
#   wrong-turn-password  icecandidateerror 401 and its text per TURN URL
#
# Chromium needs the namespace's tap interface: with only loopback it
# gathers no candidates at all.
#
# Usage (meson test --suite e2e runs it; root; `npm ci` in tests/e2e first):
#   run_e2e.sh DATAPLANE SOURCE_ROOT TURNPIKE_CONTROL
# The screenshot goes to $E2E_ARTIFACTS/ice-test.png, by default
# $MESON_BUILD_ROOT/meson-logs/e2e/ (or ./e2e-artifacts outside meson).
# Fails, never skips, when chromium, node or playwright-core is missing.
. "$(dirname "$0")/../integration/lib.sh" "$@"

CONTROL=${3:?usage: run_e2e.sh DATAPLANE SOURCE_ROOT TURNPIKE_CONTROL}
E2E_DIR=$TP_SRC/tests/e2e
CHROMIUM=${E2E_CHROMIUM:-/usr/bin/chromium}
KEY=e2e-key-$$
if [ -n "${MESON_BUILD_ROOT:-}" ]; then
	ARTIFACTS=${E2E_ARTIFACTS:-$MESON_BUILD_ROOT/meson-logs/e2e}
else
	ARTIFACTS=${E2E_ARTIFACTS:-$PWD/e2e-artifacts}
fi

[ -x "$CHROMIUM" ] || tp_fail "$CHROMIUM is missing (scripts/install-deps.sh installs Debian's chromium)"
command -v node >/dev/null || tp_fail "node is missing (scripts/install-deps.sh installs nodejs and npm)"
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" -ge 20 ] || tp_fail "node $(node --version) is too old: playwright-core needs Node.js 20 or later"
[ -f "$E2E_DIR/node_modules/playwright-core/package.json" ] ||
	tp_fail "playwright-core is not installed: run (cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci)"
[ -x "$CONTROL" ] || tp_fail "turnpike-control not found at $CONTROL"

# Chromium (and anything it forks) lives in our namespace only; stop
# whatever is still there before lib.sh stops the dataplane and deletes
# the namespace. These are all processes this test started.
e2e_cleanup() {
	local rc=$? pid
	for pid in $(ip netns pids "$TP_NS" 2>/dev/null); do
		# lib.sh stops the dataplane and the control plane (tp_bg) itself.
		[[ " $TP_PID ${TP_BG_PIDS[*]} " == *" $pid "* ]] || kill -KILL "$pid" 2>/dev/null || true
	done
	# tp_cleanup takes the exit status from $?; without errexit, or a
	# failing (exit) would end this handler here.
	set +e
	(exit "$rc")
	tp_cleanup
}
trap e2e_cleanup EXIT

mkdir -p "$TP_TMP/tmp"
sed "s|@API_KEY@|$KEY|" "$E2E_DIR/e2e.conf.in" >"$TP_TMP/e2e.conf"
tp_start "$TP_TMP/e2e.conf"
CONF=$TP_TMP/tp_start.conf # as tp_start rewrote it (sockets in $TP_TMP/run)

CONTROL_LOG=$TP_TMP/bg-${#TP_BG_PIDS[@]}.log # tp_bg's name for it
tp_bg "$CONTROL" -f "$CONF"
CONTROL_PID=${TP_BG_PIDS[-1]}
ready=0
for _ in $(seq 1 100); do
	kill -0 "$CONTROL_PID" 2>/dev/null || tp_fail "turnpike-control exited: $(cat "$CONTROL_LOG")"
	if [ "$(tp_ns curl -s -o /dev/null -w '%{http_code}' --max-time 2 http://127.0.0.1:8080/readyz)" = 200 ]; then
		ready=1
		break
	fi
	sleep 0.1
done
[ $ready -eq 1 ] || tp_fail "turnpike-control not ready (dataplane connected) within 10 s"
tp_log "appliance up: dataplane pid $TP_PID, control plane pid $CONTROL_PID"

failed=()
# Run one ice_test.mjs case in the namespace, bounded (3 x 90 s fits in
# meson's 300 s); its temp files (Chromium's user data dir) go under
# $TP_TMP.
run_case() {
	local name=$1
	tp_log "case $name"
	if ! TMPDIR=$TP_TMP/tmp E2E_KEY=$KEY E2E_ARTIFACTS=$ARTIFACTS E2E_CHROMIUM=$CHROMIUM \
		E2E_RESULT=$TP_TMP/$name.json E2E_TIMEOUT_S=70 \
		timeout -k 5 85 ip netns exec "$TP_NS" node "$E2E_DIR/ice_test.mjs" "$name"; then
		failed+=("$name")
		return 1
	fi
}

hairpin0=$(tp_stat hairpin_pkts) || tp_fail "telemetry: cannot read hairpin_pkts"
toclient0=$(tp_stat tx_client_pkts) || tp_fail "telemetry: cannot read tx_client_pkts"
if run_case call; then
	# Every decoded frame came in at least one RTP packet, and the only
	# path between the peers is the relay, turned round inside turnpike.
	frames=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["call"]["video"]["framesDecoded"])' \
		"$TP_TMP/call.json")
	hairpin=$(($(tp_stat hairpin_pkts) - hairpin0))
	toclient=$(($(tp_stat tx_client_pkts) - toclient0))
	tp_log "dataplane: hairpin_pkts +$hairpin, tx_client_pkts +$toclient during the call ($frames frames decoded)"
	if [ "$hairpin" -lt "$frames" ] || [ "$toclient" -lt "$frames" ]; then
		echo "FAIL: the relay's counters grew less than the frames decoded" >&2
		failed+=("call (counters)")
	fi
fi
run_case wrong-key || true
run_case wrong-turn-password || true

[ -f "$ARTIFACTS/ice-test.png" ] && tp_log "screenshot: $ARTIFACTS/ice-test.png"
if [ ${#failed[@]} -gt 0 ]; then
	echo "--- turnpike-control log (last 20 lines)" >&2
	tail -n 20 "$CONTROL_LOG" >&2
	tp_fail "e2e cases failed: ${failed[*]}"
fi
tp_log "PASS"

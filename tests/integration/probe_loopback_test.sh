#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# turn-probe against kernel-turn-server on loopback: the TURN client
# layer, the probe and the state machine end to end over real sockets,
# without root, DPDK or a namespace. Every scenario but "expiry" runs,
# over IPv4 with long-term credentials and (when ::1 exists) over IPv6
# with REST credentials.
#
# Only 127.0.0.1 and ::1 are used, on ports from 20000 up; the server is
# started here, stopped here by its PID, and stops itself after 120 s
# anyway. Usage: probe_loopback_test.sh KERNEL_TURN_SERVER TURN_PROBE
set -euo pipefail

SERVER=${1:?usage: probe_loopback_test.sh KERNEL_TURN_SERVER TURN_PROBE}
PROBE=${2:?usage: probe_loopback_test.sh KERNEL_TURN_SERVER TURN_PROBE}

tmp=$(mktemp -d /tmp/tp-probe.XXXXXX)
pid=
cleanup() {
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	rm -rf "$tmp"
}
trap cleanup EXIT

v6=0
if grep -q '^00000000000000000000000000000001 ' /proc/net/if_inet6 2>/dev/null; then
	v6=1
fi

# A port block of 64 from the PID, moved on when something already holds it.
base=
for attempt in 1 2 3 4 5; do
	try=$((20000 + (($$ + attempt * 7919) % 600) * 64))
	args=(--listen "127.0.0.1:$try" --relay 127.0.0.1)
	[ $v6 -eq 1 ] && args+=(--listen "[::1]:$try" --relay ::1)
	"$SERVER" "${args[@]}" --relay-ports "$((try + 1))-$((try + 48))" \
		--user demo:demo-pass --rest-secret demo-secret --quota 3 \
		--deny 10.0.0.1 --deny 2001:db8::dead --duration 120 \
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

rc=0
"$PROBE" --server "127.0.0.1:$base" --user demo --password demo-pass \
	binding allocate wrong-password stale-nonce mismatch bad-transport \
	peer-denied 10.0.0.1 quota 3 bad-channel relay "127.0.0.1:$((base + 60))" \
	refresh-delete || rc=1
"$PROBE" --server "127.0.0.1:$base" --user demo --password demo-pass --alg md5 --fingerprint \
	allocate stale-nonce relay "127.0.0.1:$((base + 61))" || rc=1
if [ $v6 -eq 1 ]; then
	"$PROBE" --server "[::1]:$base" --rest-secret demo-secret --rest-user probe \
		binding allocate wrong-password expired-rest stale-nonce mismatch \
		peer-denied 2001:db8::dead quota 3 relay "[::1]:$((base + 62))" \
		relay "127.0.0.1:$((base + 63))" refresh-delete || rc=1
else
	echo "no ::1: IPv6 scenarios skipped"
fi

# The probe must also notice a server that is not what it expects: with a
# quota of 3, "quota 4" must report the fourth allocation refused.
if "$PROBE" --server "127.0.0.1:$base" --user demo --password demo-pass quota 4 \
	>"$tmp/neg.out" 2>&1; then
	echo "FAIL: turn-probe passed 'quota 4' against a quota of 3" >&2
	rc=1
elif ! grep -q '^FAIL quota: expected success for allocation 4 of 5, got error 486' \
	"$tmp/neg.out"; then
	echo "FAIL: unexpected report for 'quota 4':" >&2
	cat "$tmp/neg.out" >&2
	rc=1
fi
exit $rc

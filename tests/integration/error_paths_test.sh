#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Every RFC 8656 error path of the real dataplane, driven by turn-probe
# (our own TURN client, tests/integration/turn_probe.c) from inside the
# namespace: 401 wrong credentials and expired REST, 438 stale nonce
# (and recovery), 437 mismatched allocation and refresh after delete, 442
# unsupported transport, 403 denied peer, 486 quota, 400 bad channel;
# relaying ChannelData and Send indications both ways without loss; and
# allocation expiry with a 3-second default lifetime; then a drain with
# nothing left to wait for ends the process on its own.
#
# Arguments: DATAPLANE_BINARY SOURCE_ROOT TURN_PROBE
. "$(dirname "$0")/lib.sh" "$1" "$2"
PROBE=${3:?usage: error_paths_test.sh DATAPLANE SOURCE_ROOT TURN_PROBE}

# local.conf plus a per-user quota of 2, a short default lifetime, and a
# rate limit the probe's many challenges stay under.
conf=$TP_TMP/error-paths.conf
sed -e 's/^    realm = "turnpike.test";/&\n    default_lifetime = 3;/' "$TP_SRC/configs/local.conf" >"$conf"
cat >>"$conf" <<'CONF'
limits = {
    user_quota = 2;
    unauth_rate = 1000;
    unauth_burst = 1000;
};
CONF
grep -q "default_lifetime = 3;" "$conf" || tp_fail "could not derive the test config"
tp_start "$conf"

probe() {
	local out
	out=$(tp_ns timeout 120 "$PROBE" "$@" 2>&1) || tp_fail "turn-probe $*: $out"
	printf '%s\n' "$out" | sed 's/^/    /'
}

tp_log "IPv4: long-term credentials"
probe --server 198.18.0.2 --user demo --password demo-pass \
	binding allocate wrong-password stale-nonce mismatch bad-transport \
	peer-denied 198.19.0.1 bad-channel refresh-delete quota 2 \
	relay 198.18.0.1:40000 expiry 3

tp_log "IPv6: REST credentials"
probe --server "[2001:db8:1::2]:3478" --rest-secret demo-secret --rest-user probe \
	binding allocate expired-rest relay "[2001:db8:1::1]:40001"

# Two allocations relaying to each other (both relayed addresses are
# ours): turned round inside the dataplane, in both families.
tp_log "hairpin: allocation to allocation"
hp0=$(tp_stat hairpin_pkts)
probe --server 198.18.0.2 --user demo --password demo-pass hairpin
probe --server "[2001:db8:1::2]:3478" --user demo --password demo-pass hairpin
tp_stat_grew hairpin_pkts "$hp0" 400
[ "$(tp_stat drop_bad_source)" -eq 0 ] || tp_fail "drop_bad_source: $(tp_stat drop_bad_source)"

# Every scenario released what it allocated (Refresh 0), so a drain has
# nothing to wait for: SIGUSR1 alone must end the process.
tp_log "drain with no allocation left exits by itself"
[ "$(tp_stat allocations_active)" -eq 0 ] || tp_fail "allocations left: $(tp_stat allocations_active)"
kill -USR1 "$TP_PID"
for _ in $(seq 1 100); do
	kill -0 "$TP_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$TP_PID" 2>/dev/null && tp_fail "still running 10 s after SIGUSR1 with no allocation"
wait "$TP_PID" || tp_fail "dataplane exited with status $?"
TP_PID=
grep -q "drained" "$TP_TMP/dataplane.log" || tp_fail "no 'drained' line in the log"

tp_log "PASS"

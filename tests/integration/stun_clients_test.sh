#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Real third-party clients against the dataplane: coturn's
# turnutils_stunclient (IPv4, IPv6), turnutils_uclient with turnutils_peer
# (channels and Send indications, 10 concurrent clients, IPv6 relay,
# long-term and REST credentials, no loss), and refusals of a wrong
# password and an expired REST credential.
. "$(dirname "$0")/lib.sh" "$@"

tp_start configs/local.conf

tp_log "STUN Binding over IPv4"
out=$(tp_ns timeout 20 turnutils_stunclient 198.18.0.2 2>&1) || tp_fail "stunclient v4: $out"
grep -q "UDP reflexive addr: 198.18.0.1:" <<<"$out" || tp_fail "no IPv4 reflexive address: $out"

tp_log "STUN Binding over IPv6"
out=$(tp_ns timeout 20 turnutils_stunclient 2001:db8:1::2 2>&1) || tp_fail "stunclient v6: $out"
grep -q "UDP reflexive addr: 2001:db8:1::1" <<<"$out" || tp_fail "no IPv6 reflexive address: $out"

tp_bg turnutils_peer -L 198.18.0.1 -L 2001:db8:1::1
sleep 1

tp_log "TURN over IPv4, 10 clients, channels, long-term credentials"
out=$(tp_ns timeout 120 turnutils_uclient -u demo -w demo-pass -e 198.18.0.1 -m 10 -n 50 -l 120 \
	198.18.0.2 2>&1) || tp_fail "uclient channels: $out"
tp_check_lossless "channels" "$out"

tp_log "TURN over IPv4, Send indications"
out=$(tp_ns timeout 120 turnutils_uclient -s -u demo -w demo-pass -e 198.18.0.1 -m 4 -n 50 \
	198.18.0.2 2>&1) || tp_fail "uclient send: $out"
tp_check_lossless "send indications" "$out"

tp_log "TURN over IPv6 with an IPv6 relay"
out=$(tp_ns timeout 120 turnutils_uclient -x -u demo -w demo-pass -e 2001:db8:1::1 -m 4 -n 50 \
	2001:db8:1::2 2>&1) || tp_fail "uclient v6: $out"
tp_check_lossless "ipv6" "$out"

tp_log "TURN with REST credentials (-W)"
out=$(tp_ns timeout 120 turnutils_uclient -u restuser -W demo-secret -e 198.18.0.1 -m 4 -n 50 \
	198.18.0.2 2>&1) || tp_fail "uclient REST: $out"
tp_check_lossless "rest" "$out"

# A refusal must be the server's: uclient failing for another reason
# would pass a check on its output alone, so the server's own counters
# must show the authentication failure and no new allocation.
refused() {
	local what=$1
	shift
	local fail0 alloc0 out
	fail0=$(tp_stat auth_fail) || tp_fail "telemetry unreadable"
	alloc0=$(tp_stat allocations_total) || tp_fail "telemetry unreadable"
	if out=$(tp_ns timeout 30 turnutils_uclient "$@" -e 198.18.0.1 -m 1 -n 5 198.18.0.2 2>&1) &&
		grep -Eq "Total lost packets 0 \(" <<<"$out"; then
		tp_fail "$what relayed: $out"
	fi
	tp_stat_grew auth_fail "$fail0" 1
	tp_stat_grew allocations_total "$alloc0" 0
	[ "$(tp_stat allocations_total)" -eq "$alloc0" ] || tp_fail "$what created an allocation"
}

tp_log "wrong password is refused"
refused "a wrong password" -u demo -w wrong-pass

tp_log "expired REST credential is refused"
# uclient mints "<now + 24h>:user" from -W; an expired one is built here.
expired="1000000000:restuser"
pass=$(printf '%s' "$expired" | openssl dgst -sha1 -hmac demo-secret -binary | base64)
refused "an expired REST credential" -u "$expired" -w "$pass"

tp_log "PASS"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The dataplane as a network host and as an appliance: ARP and ND (the
# kernel learns our MAC, our counters move), ICMP and ICMPv6 echo, relay
# across address families, a peer outside the allow list refused with
# 403, telemetry through DPDK's own client, drain on SIGUSR1 (new
# Allocates refused, the process exits on a second signal), tp0 removed
# on exit; the key cache's miss, resume, hit and negative paths.
. "$(dirname "$0")/lib.sh" "$@"
PROBE=${3:?usage: dataplane_ops_test.sh DATAPLANE SOURCE_ROOT TURN_PROBE}

# The dataplane alone, as without a control group: an unknown user is
# then answered from the config file's users at once (401, cached as
# negative). With a control socket configured and no control plane, it
# would fail closed by dropping instead (ctl_channel_test covers that).
sed '/^control = {/,/^};/d' "$TP_SRC/configs/local.conf" >"$TP_TMP/ops.conf"
grep -q '^control' "$TP_TMP/ops.conf" && tp_fail "could not remove local.conf's control group"
tp_start "$TP_TMP/ops.conf"

tp_log "ARP and ICMP echo"
arp0=$(tp_stat arp_replies)
echo0=$(tp_stat icmp_echo_replies)
tp_ns ip neigh flush dev tp0
tp_ns ping -c 3 -i 0.2 -W 2 198.18.0.2 >/dev/null || tp_fail "ping 198.18.0.2"
mac=$(tp_ns ip neigh show 198.18.0.2 dev tp0 | awk '{print $3}')
[ -n "$mac" ] && [ "$mac" != FAILED ] || tp_fail "the kernel did not learn 198.18.0.2's MAC"
tp_stat_grew arp_replies "$arp0" 1
tp_stat_grew icmp_echo_replies "$echo0" 3

tp_log "ND and ICMPv6 echo"
nd0=$(tp_stat nd_adverts)
echo0=$(tp_stat icmp6_echo_replies)
tp_ns ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::2 >/dev/null || tp_fail "ping 2001:db8:1::2"
mac6=$(tp_ns ip -6 neigh show 2001:db8:1::2 dev tp0 | awk '{print $3}')
[ "$mac6" = "$mac" ] || tp_fail "ND gave MAC '$mac6', ARP gave '$mac'"
tp_stat_grew nd_adverts "$nd0" 1
tp_stat_grew icmp6_echo_replies "$echo0" 3

tp_bg turnutils_peer -L 198.18.0.1 -L 2001:db8:1::1
sleep 1

lossless() {
	local what=$1 out
	shift
	out=$(tp_ns timeout 60 turnutils_uclient -u demo -w demo-pass -n 20 -m 2 -l 200 "$@" 2>&1) ||
		tp_fail "$what: $out"
	grep -Eq "Total lost packets 0 \(.*total send dropped 0 \(" <<<"$out" ||
		tp_fail "$what: packets lost or the run failed: $out"
}

tp_log "relay across families (the L3 header changes size in place)"
lossless "IPv4 client, IPv6 relay" -s -x -e 2001:db8:1::1 198.18.0.2
lossless "IPv6 client, IPv4 relay" -s -X -e 198.18.0.1 2001:db8:1::2
lossless "IPv6 client, IPv6 relay, channels" -e 2001:db8:1::1 2001:db8:1::2

tp_log "a peer outside peers.allow gets 403"
perm0=$(tp_stat permissions)
out=$(tp_ns timeout 30 turnutils_uclient -u demo -w demo-pass -n 1 -m 1 -s -e 198.19.0.1 \
	198.18.0.2 2>&1) || true
grep -q "403" <<<"$out" || tp_fail "no 403 for peer 198.19.0.1: $out"

tp_log "telemetry"
[ "$(tp_stat workers)" -eq 1 ] || tp_fail "workers != 1"
[ "$(tp_stat allocations_total)" -gt 0 ] || tp_fail "no allocations counted"
[ "$(tp_stat tx_peer_pkts)" -gt 0 ] || tp_fail "no packets to peers counted"

tp_log "key cache: misses parked and resumed, later requests hit, unknown users cached as such"
# Each user's first authenticated request misses the worker's key cache,
# is parked while the main lcore looks the user up, and is resubmitted;
# the runs above then hit. Their counters are copied at housekeeping.
[ "$(tp_stat keycache_miss)" -ge 1 ] || tp_fail "no key cache miss counted"
[ "$(tp_stat auth_parked)" -ge 1 ] || tp_fail "no request parked"
[ "$(tp_stat auth_resumed)" -ge 1 ] || tp_fail "no parked request resumed"
[ "$(tp_stat keycache_hit)" -ge 1 ] || tp_fail "no key cache hit counted"
[ "$(tp_stat drop_auth_pending_full)" -eq 0 ] || tp_fail "requests dropped: parking full"
neg0=$(tp_stat keycache_negative)
out=$(tp_ns timeout 30 turnutils_uclient -u nobody -w nothing -n 1 -m 1 -e 198.18.0.1 \
	198.18.0.2 2>&1) && tp_fail "an unknown user got through: $out"
tp_stat_grew keycache_negative "$neg0" 1
# uclient does not print the code; turn-probe checks that it is a 401.
out=$(tp_ns timeout 30 "$PROBE" --server 198.18.0.2 --user nobody --password nothing \
	wrong-password 2>&1) || tp_fail "turn-probe wrong-password as nobody: $out"

tp_log "drain: SIGUSR1 refuses new Allocates, a second SIGUSR1 stops"
kill -USR1 "$TP_PID"
for _ in $(seq 1 50); do
	grep -q "^draining" "$TP_TMP/dataplane.log" && break
	sleep 0.1
done
grep -q "^draining" "$TP_TMP/dataplane.log" || tp_fail "no drain message after SIGUSR1"
out=$(tp_ns timeout 30 turnutils_uclient -u demo -w demo-pass -n 1 -m 1 -e 198.18.0.1 \
	198.18.0.2 2>&1) || true
grep -q "403" <<<"$out" || tp_fail "an Allocate while draining did not get 403: $out"
kill -USR1 "$TP_PID"
for _ in $(seq 1 100); do
	kill -0 "$TP_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$TP_PID" 2>/dev/null && tp_fail "still running 10 s after the second SIGUSR1"
wait "$TP_PID" || tp_fail "dataplane exited with status $?"
TP_PID=
tp_ns ip link show tp0 >/dev/null 2>&1 && tp_fail "tp0 still exists after exit"

tp_log "PASS"

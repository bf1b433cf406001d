#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Several workers on this 2-CPU machine (issue #4): N worker lcores mapped
# onto CPU 1 with --lcores, one net_tap queue each. Real clients
# (turnutils_stunclient, turnutils_uclient with turnutils_peer) must work
# exactly as with one worker; allocations must be made through every
# worker; peer packets from fresh flows, which the TAP queues spread
# without regard to relay port slices, must be handed to the owner and
# delivered (turn-probe peer-fanin); the hand-off counters must move and
# balance, with nothing dropped for want of ring space.
#
# With 2 workers the port's checksum offloads are off, so the incremental
# UDP checksums of the relay path meet the kernel's checks.
#
# Args: DATAPLANE SOURCE_ROOT TURN_PROBE N_WORKERS. Needs root.
. "$(dirname "$0")/lib.sh" "$@"
PROBE=${3:?turn-probe binary}
N=${4:?number of workers}

# local.conf with N workers (lcore 0, the main one, on CPU 0; lcores
# 1..N on CPU 1) and two relay addresses per family.
lcores="0@0"
for i in $(seq 1 "$N"); do lcores="$lcores,$i@1"; done
sed -e "s/\"-l\", \"0-1\"/\"--lcores\", \"$lcores\"/" \
	-e 's/addresses = \[ "198.18.0.2", "2001:db8:1::2" \];/addresses = [ "198.18.0.2", "198.18.0.3", "2001:db8:1::2", "2001:db8:1::3" ];/' \
	"$TP_SRC/configs/local.conf" >"$TP_TMP/workers.conf"
grep -q -- "--lcores" "$TP_TMP/workers.conf" || tp_fail "could not rewrite the lcore list"
grep -q '"198.18.0.3"' "$TP_TMP/workers.conf" || tp_fail "could not add relay addresses"
# With 2 workers, checksums in software: the relay path then derives the
# UDP checksum from the received one (l4sum.h), and the kernel on the
# other side of tp0 drops any datagram whose checksum is wrong, so every
# lossless run below checks that arithmetic.
if [ "$N" -eq 2 ]; then
	sed -i 's/device = "net_tap0,iface=tp0";/device = "net_tap0,iface=tp0"; checksum_offload = false;/' \
		"$TP_TMP/workers.conf"
	grep -q "checksum_offload = false" "$TP_TMP/workers.conf" || tp_fail "could not turn offloads off"
fi
tp_start "$TP_TMP/workers.conf"


[ "$(tp_stat workers)" -eq "$N" ] || tp_fail "telemetry reports $(tp_stat workers) workers, not $N"
grep -q "workers: $N" "$TP_TMP/dataplane.log" || tp_fail "the dataplane did not start $N workers"
if [ "$N" -eq 2 ]; then
	grep -q "tx checksum ip=software udp=software" "$TP_TMP/dataplane.log" ||
		tp_fail "checksum offloads still on"
fi

tp_log "STUN Binding over IPv4 and IPv6"
out=$(tp_ns timeout 20 turnutils_stunclient 198.18.0.2 2>&1) || tp_fail "stunclient v4: $out"
grep -q "UDP reflexive addr: 198.18.0.1:" <<<"$out" || tp_fail "no IPv4 reflexive address: $out"
out=$(tp_ns timeout 20 turnutils_stunclient 2001:db8:1::2 2>&1) || tp_fail "stunclient v6: $out"
grep -q "UDP reflexive addr: 2001:db8:1::1" <<<"$out" || tp_fail "no IPv6 reflexive address: $out"

tp_bg turnutils_peer -L 198.18.0.1 -L 2001:db8:1::1
sleep 1

# 40 clients: the chance that some worker of 4 gets none of them is
# 4 * (3/4)^40, about 4e-5. -c: no RTCP pair, because a RESERVATION-TOKEN
# only works on the worker that issued it (docs/architecture.md).
tp_log "TURN over IPv4, 40 clients, channels"
out=$(tp_ns timeout 180 turnutils_uclient -c -u demo -w demo-pass -e 198.18.0.1 -m 40 -n 30 -l 120 \
	198.18.0.2 2>&1) || tp_fail "uclient channels: $out"
tp_check_lossless "channels" "$out"

tp_log "TURN over IPv4, Send indications"
out=$(tp_ns timeout 120 turnutils_uclient -c -s -u demo -w demo-pass -e 198.18.0.1 -m 8 -n 30 \
	198.18.0.2 2>&1) || tp_fail "uclient send: $out"
tp_check_lossless "send indications" "$out"

tp_log "TURN over IPv6 with an IPv6 relay, REST credentials"
out=$(tp_ns timeout 120 turnutils_uclient -c -x -u restuser -W demo-secret -e 2001:db8:1::1 -m 8 \
	-n 30 2001:db8:1::2 2>&1) || tp_fail "uclient v6: $out"
tp_check_lossless "ipv6" "$out"

tp_log "allocations were made through every worker"
for id in $(seq 0 $((N - 1))); do
	a=$(tp_stat allocations_total "/turnpike/worker,$id") || tp_fail "telemetry: worker $id"
	[ "$a" -gt 0 ] || tp_fail "worker $id made no allocation"
	tp_log "  worker $id: $a allocations"
done

tp_log "peer packets on fresh flows reach the owner of their relay port"
out0=$(tp_stat handoff_out)
tp_ns "$PROBE" --server 198.18.0.2 --user demo --password demo-pass \
	peer-fanin 198.18.0.1 48 peer-fanin 2001:db8:1::1 48 relay 198.18.0.1:40000 ||
	tp_fail "turn-probe through $N workers"
tp_stat_grew handoff_out "$out0" 1
sleep 1
ho=$(tp_stat handoff_out)
hi=$(tp_stat handoff_in)
[ "$ho" -eq "$hi" ] || tp_fail "handed over $ho packets but $hi arrived"
for r in handoff_full handoff_loop; do
	[ "$(tp_stat "drop_$r")" -eq 0 ] || tp_fail "drop_$r: $(tp_stat "drop_$r")"
done
tp_log "  hand-offs: $ho out, $hi in"

# Two allocations relaying to each other: their relay ports are on the
# same worker or not (each run 1/N alike), so 8 runs take the hand-off
# path with odds of 1 - (1/N)^8; the frame turned round must be taken by
# the owner (handed over, not dropped as a bad source or a loop).
tp_log "hairpin between allocations, across workers"
hp0=$(tp_stat hairpin_pkts)
ho0=$(tp_stat handoff_out)
for _ in $(seq 1 8); do
	tp_ns timeout 60 "$PROBE" --server 198.18.0.2 --user demo --password demo-pass hairpin ||
		tp_fail "turn-probe hairpin through $N workers"
done
tp_stat_grew hairpin_pkts "$hp0" 1600
tp_stat_grew handoff_out "$ho0" 1
for r in bad_source handoff_loop handoff_full; do
	[ "$(tp_stat "drop_$r")" -eq 0 ] || tp_fail "drop_$r after hairpins: $(tp_stat "drop_$r")"
done

# Each worker hands out its relay addresses round robin, so relay runs
# land on both; 16 runs all on one address would have odds of about 2^-15.
tp_log "both IPv4 relay addresses hand out allocations that relay"
seen=""
for i in $(seq 1 16); do
	out=$(tp_ns "$PROBE" --server 198.18.0.2 --user demo --password demo-pass \
		relay 198.18.0.1:40001 2>&1) || tp_fail "relay run $i: $out"
	seen="$seen $(grep -o 'through 198\.18\.0\.[0-9]*' <<<"$out" | awk '{print $2}')"
	if grep -qw 198.18.0.2 <<<"$seen" && grep -qw 198.18.0.3 <<<"$seen"; then
		break
	fi
done
for a in 198.18.0.2 198.18.0.3; do
	grep -qw "$a" <<<"$seen" || tp_fail "no relay through $a in 16 runs (saw:$seen)"
done

tp_log "PASS"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Bad input through the real worker path: bad_frames.py writes a pcap of
# malformed frames (truncated L2/L3/L4 headers, wrong lengths and
# checksums, IPv4 options and fragments, IPv6 extension headers, broken
# STUN and ChannelData, bad ARP and ND, frames too big for one mbuf) and a
# few valid ones (ARP, ICMP and ICMPv6 echo, ND, STUN Binding). The
# dataplane reads them through a net_pcap vdev and writes what it sends
# to another pcap. The test waits until every frame was received, then
# requires each drop counter to equal the expectation exactly (every
# other reason zero) and every frame to be accounted for once, the process to be alive and answering telemetry,
# the tx pcap to hold exactly the expected replies, and a clean exit on
# SIGTERM.
#
# No namespace or TAP device: lib.sh is used for its conventions (root
# check, temporary directory, unique --file-prefix, cleanup by PID,
# telemetry through DPDK's own client).
. "$(dirname "$0")/lib.sh" "$@"

GEN="$TP_SRC/tests/integration/bad_frames.py"
RX="$TP_TMP/frames.pcap"
TX="$TP_TMP/sent.pcap"
EXPECT="$TP_TMP/expect.json"
CONF="$TP_TMP/pcap.conf"
LOG="$TP_TMP/dataplane.log"

# The whole /turnpike/stats answer, as dpdk-telemetry.py prints it.
stats_dump() {
	echo /turnpike/stats | timeout 10 dpdk-telemetry.py -f "$TP_PREFIX" 2>/dev/null
}

tp_log "generating the corpus"
python3 "$GEN" generate "$RX" "$EXPECT" || tp_fail "bad_frames.py generate"
frames=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["frames"])' "$EXPECT")

sed -e "s|@RX@|$RX|g" -e "s|@TX@|$TX|g" "$TP_SRC/tests/integration/pcap.conf.in" >"$CONF"

tp_log "starting the dataplane on net_pcap"
"$TP_BIN" -f "$CONF" -- --file-prefix="$TP_PREFIX" >"$LOG" 2>&1 &
TP_PID=$!

# Bounded wait for telemetry, then for the worker to have received every
# frame of the file (net_pcap stops at its end).
rx=-1
deadline=$((SECONDS + 30))
while [ "$SECONDS" -lt "$deadline" ]; do
	kill -0 "$TP_PID" 2>/dev/null || tp_fail "dataplane exited (after $rx of $frames frames)"
	rx=$(tp_stat rx_pkts 2>/dev/null) || rx=-1
	[ "$rx" = "$frames" ] && break
	sleep 0.1
done
[ "$rx" = "$frames" ] || tp_fail "rx_pkts is $rx after 30 s, expected $frames"
tp_log "all $frames frames received"

# The frames were built for net_pcap's usual MAC; say so plainly if the
# port got another one (eth_input drops unicast frames to any other MAC as
# not_for_us, and the replies' source MAC is checked below).
mac=$(sed -n 's/^port 0 (net_pcap0): .*, mac \([0-9A-Fa-f:]*\),.*/\1/p' "$LOG")
[ -n "$mac" ] || tp_fail "no port MAC in the log"
want_mac=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["port_mac"])' "$EXPECT")
[ "${mac,,}" = "${want_mac,,}" ] || tp_fail "port MAC is $mac, the frames were built for $want_mac"

# rx_pkts counts a burst before its frames are handled, and tx is drained
# every 100 us: wait until two reads 200 ms apart agree.
prev=''
cur=''
stable=0
deadline=$((SECONDS + 20))
while [ "$SECONDS" -lt "$deadline" ]; do
	cur=$(stats_dump) || tp_fail "telemetry stopped answering"
	if [ -n "$prev" ] && [ "$cur" = "$prev" ]; then
		stable=1
		break
	fi
	prev=$cur
	sleep 0.2
done
[ "$stable" -eq 1 ] || tp_fail "counters still moving after 20 s"
printf '%s\n' "$cur" >"$TP_TMP/stats.json"

kill -0 "$TP_PID" 2>/dev/null || tp_fail "dataplane died after the corpus"
python3 "$GEN" check-stats "$EXPECT" "$TP_TMP/stats.json" ||
	tp_fail "counters differ from the expectation (above; 'bad_frames.py list' shows each case)"
tp_log "every drop counted under its reason, nothing else dropped"

# Still alive and answering: one more telemetry round trip.
[ "$(tp_stat workers)" = 1 ] || tp_fail "telemetry does not answer after the corpus"

tp_log "stopping with SIGTERM"
kill -TERM "$TP_PID"
for _ in $(seq 1 100); do
	kill -0 "$TP_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$TP_PID" 2>/dev/null && tp_fail "still running 10 s after SIGTERM"
status=0
wait "$TP_PID" || status=$?
TP_PID=
[ "$status" -eq 0 ] || tp_fail "dataplane exited with status $status"
grep -q "^turnpike-dataplane: stopped" "$LOG" || tp_fail "no clean-stop message"

# The port is closed, so net_pcap has closed the tx file: it must hold
# exactly the replies the valid frames call for.
python3 "$GEN" check-tx "$EXPECT" "$TX" --mac "$mac" ||
	tp_fail "the tx pcap does not hold exactly the expected replies (above)"
tp_log "tx pcap holds exactly the expected replies"

tp_log "PASS"

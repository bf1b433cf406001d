#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The kernel exception port (network.exception_device): the dataplane runs
# configs/local.conf plus a second net_tap port, tpx0, in namespace A
# (lib.sh's, whose tp0 is the client 198.18.0.1). tpx0 is moved to a
# namespace B and given our own addresses there, the way an operator's
# host would; a TCP echo service listens in B. From A: TCP to
# 198.18.0.2:8080 and [2001:db8:1::2]:8080 goes through the dataplane to
# B and back, byte for byte; STUN to 198.18.0.2:3478 is still answered
# by the dataplane; B's own ping to A goes out through the dataplane
# (ARP and ND for B answered by the dataplane). The exception counters
# move and nothing is refused by the exception queue; the dataplane stops
# cleanly and tpx0 goes with it.
. "$(dirname "$0")/lib.sh" "$@"

NSB=tp-itx-$$
CONF=$TP_TMP/exception.conf
SERVER_PID=

# B goes after its server and before lib.sh's cleanup (which keeps the
# exit status it is handed).
exception_cleanup() {
	local rc=$?
	[ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null
	ip netns del "$NSB" 2>/dev/null
	(exit $rc)
	tp_cleanup
}
trap exception_cleanup EXIT

nsb() { ip netns exec "$NSB" "$@"; }

sed -e 's|^\( *\)listen_port = 3478;|&\n\1exception_device = "net_tap1,iface=tpx0";|' \
	"$TP_SRC/configs/local.conf" >"$CONF"
grep -q 'exception_device = "net_tap1,iface=tpx0";' "$CONF" ||
	tp_fail "could not derive $CONF from configs/local.conf"

tp_start "$CONF"
grep -q "^port [0-9]* (net_tap1): " "$TP_TMP/dataplane.log" || tp_fail "no exception port in the log"

tp_log "tpx0 to namespace $NSB, with our addresses"
ip netns add "$NSB"
nsb ip link set lo up
tp_ns ip link set tpx0 netns "$NSB" || tp_fail "cannot move tpx0 to $NSB"
nsb ip addr add 198.18.0.2/24 dev tpx0
nsb ip -6 addr add 2001:db8:1::2/64 dev tpx0 nodad
# The kernel's ephemeral ports below the relay range (49152-65535), so
# replies to its own outgoing UDP are not taken for relayed traffic.
nsb sysctl -qw net.ipv4.ip_local_port_range="32768 49151"
nsb ip link set tpx0 up

# A TCP echo service on both of our addresses.
ip netns exec "$NSB" python3 -c '
import socket, threading
def serve(family, addr):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind((addr, 8080))
    s.listen(8)
    while True:
        c, _ = s.accept()
        with c:
            while True:
                b = c.recv(65536)
                if not b:
                    break
                c.sendall(b)
t = threading.Thread(target=serve, args=(socket.AF_INET6, "2001:db8:1::2"), daemon=True)
t.start()
serve(socket.AF_INET, "198.18.0.2")
' >"$TP_TMP/echo.log" 2>&1 &
SERVER_PID=$!

# Send N bytes, read them back, compare. Retries the connection for a few
# seconds while the server starts.
tcp_echo() {
	tp_ns timeout 30 python3 -c '
import os, socket, sys, time
addr, n = sys.argv[1], int(sys.argv[2])
data = os.urandom(n)
for attempt in range(50):
    try:
        s = socket.create_connection((addr, 8080), timeout=5)
        break
    except OSError as e:
        err = e
        time.sleep(0.2)
else:
    sys.exit("connect %s: %s" % (addr, err))
s.settimeout(10)
s.sendall(data)
s.shutdown(socket.SHUT_WR)
got = bytearray()
while True:
    b = s.recv(65536)
    if not b:
        break
    got += b
if bytes(got) != data:
    sys.exit("%s: sent %d bytes, got %d back, %s" % (addr, n, len(got),
             "equal prefix" if data.startswith(bytes(got)) else "different"))
print("%s: %d bytes echoed" % (addr, n))
' "$1" "$2"
}

tx0=$(tp_stat exception_tx_pkts)
rx0=$(tp_stat exception_rx_pkts)
fwd0=$(tp_stat exception_fwd_pkts)
prx0=$(tp_stat exception_proxy_replies)

tp_log "TCP over IPv4 through the exception port"
out=$(tcp_echo 198.18.0.2 200000 2>&1) || tp_fail "TCP echo over IPv4: $out"
tp_log "$out"
tp_log "TCP over IPv6 through the exception port"
out=$(tcp_echo 2001:db8:1::2 200000 2>&1) || tp_fail "TCP echo over IPv6: $out"
tp_log "$out"

tp_stat_grew exception_tx_pkts "$tx0" 20
tp_stat_grew exception_rx_pkts "$rx0" 20
tp_stat_grew exception_fwd_pkts "$fwd0" 20
# The kernel in B resolved 198.18.0.1 and 2001:db8:1::1 through us.
tp_stat_grew exception_proxy_replies "$prx0" 2
mac=$(nsb ip neigh show 198.18.0.1 dev tpx0 | awk '{print $3}')
dpmac=$(sed -n 's/^port 0 (net_tap0): .*, mac \([0-9A-Fa-f:]*\),.*/\1/p' "$TP_TMP/dataplane.log")
[ "${mac,,}" = "${dpmac,,}" ] || tp_fail "B resolved 198.18.0.1 to '$mac', not the port's $dpmac"

tp_log "the host's own ping goes out through the dataplane"
nsb ping -c 3 -i 0.2 -W 2 198.18.0.1 >/dev/null || tp_fail "ping 198.18.0.1 from $NSB"
nsb ping -6 -c 3 -i 0.2 -W 2 2001:db8:1::1 >/dev/null || tp_fail "ping 2001:db8:1::1 from $NSB"

tp_log "STUN is still the dataplane's"
tx0=$(tp_stat exception_tx_pkts)
rep0=$(tp_stat tx_reply_pkts)
out=$(tp_ns timeout 20 turnutils_stunclient 198.18.0.2 2>&1) || tp_fail "stunclient: $out"
grep -q "UDP reflexive addr: 198.18.0.1:" <<<"$out" || tp_fail "no reflexive address: $out"
tp_stat_grew tx_reply_pkts "$rep0" 1
[ "$(tp_stat exception_tx_pkts)" -eq "$tx0" ] || tp_fail "STUN reached the exception port"

tp_log "ARP and ICMP echo for our addresses are still the dataplane's"
echo0=$(tp_stat icmp_echo_replies)
tp_ns ping -c 2 -i 0.2 -W 2 198.18.0.2 >/dev/null || tp_fail "ping 198.18.0.2"
tp_stat_grew icmp_echo_replies "$echo0" 2

[ "$(tp_stat drop_exception_full)" -eq 0 ] || tp_fail "exception port refused packets"
[ "$(tp_stat drop_l4_unsupported)" -eq 0 ] || tp_fail "packets dropped as l4_unsupported"

tp_log "a clean stop removes tpx0, though it now lives in $NSB"
kill -TERM "$TP_PID"
for _ in $(seq 1 100); do
	kill -0 "$TP_PID" 2>/dev/null || break
	sleep 0.1
done
kill -0 "$TP_PID" 2>/dev/null && tp_fail "still running 10 s after SIGTERM"
wait "$TP_PID" || tp_fail "dataplane exited with status $?"
TP_PID=
nsb ip link show tpx0 >/dev/null 2>&1 && tp_fail "tpx0 still exists after exit"

tp_log "PASS"

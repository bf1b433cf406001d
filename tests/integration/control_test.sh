#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The whole appliance with Redis, in one network namespace: a real
# redis-server, turnpike-control and turnpike-dataplane (net_tap), driven
# by coturn's turnadmin and turnutils_uclient, curl and turn-probe:
#
#   - a user written by turnadmin while everything runs authenticates at
#     once through turnutils_uclient
#   - credentials from GET /v1/ice (and the TURN REST draft shape) work
#   - REST secret rotation in Redis: new credentials work, old ones fail
#   - a denied-peer-ip set in Redis refuses a CreatePermission (403)
#   - a user-quota in Redis gives 486
#   - statsdb status keys appear with a TTL and go away on delete
#   - Redis killed and restarted, then the control plane killed and
#     restarted, in the middle of a turnutils_uclient run: no packet and
#     no allocation lost; the restarted control plane lists the allocation
#   - SIGHUP reloads the control plane during traffic without loss
#   - wrong, missing and malformed HTTP requests get 4xx, and the server
#     keeps serving
#
# Args: DATAPLANE SOURCE_ROOT TURN_PROBE TURNPIKE_CONTROL TURNPIKECTL.
# Needs root (namespace, TAP). Redis and the control plane run inside the
# namespace, so 127.0.0.1:6379 and :8080 are the namespace's own.
. "$(dirname "$0")/lib.sh" "$@"

PROBE=${3:?turn-probe}
CONTROL=${4:?turnpike-control}
CTL=${5:?turnpikectl}
REALM=turnpike.test
RUN=$TP_TMP/run
CONF=$TP_TMP/control.conf
mkdir -p "$RUN"

command -v redis-server >/dev/null || tp_fail "redis-server is not installed (scripts/install-deps.sh)"
command -v turnadmin >/dev/null || tp_fail "turnadmin (coturn) is not installed"

# The local appliance, but no credentials in the file except the demo
# user, no REST secret in the file (Redis's are the only ones, so rotation
# is visible), peers allowed unless Redis denies them (so a Redis deny
# set is what refuses), and a short Redis refresh.
cat >"$CONF" <<EOF
eal = { args = [ "--no-huge", "-m", "1024", "--no-pci", "-l", "0-1" ]; };
ports = ( { device = "net_tap0,iface=tp0"; } );
network = { addresses = [ "198.18.0.2/24", "2001:db8:1::2/64" ]; listen_port = 3478; };
relay = { addresses = [ "198.18.0.2", "2001:db8:1::2" ]; };
turn = {
    realm = "$REALM";
    users = ( { name = "demo"; password = "demo-pass"; } );
    channel_max = 0x7FFF;
};
peers = { default_deny = false; };
control = {
    socket = "$RUN/control.sock";
    admin_socket = "$RUN/admin.sock";
    http = { listen = "127.0.0.1:8080"; cors_origins = [ "https://app.example" ]; rate = 50; burst = 50; };
    api_keys = [ "test-key" ];
    redis = { host = "127.0.0.1"; port = 6379; refresh = 1; key_ttl = 5; };
};
EOF

rcli() { tp_ns redis-cli -p 6379 "$@"; }

# Redis with an append-only file, fsync'ed on every write, so a SIGKILL
# loses nothing (as a production Redis with persistence would).
start_redis() {
	tp_bg redis-server --bind 127.0.0.1 --port 6379 --dir "$TP_TMP" --save '' \
		--appendonly yes --appendfsync always --daemonize no
	REDIS_PID=${TP_BG_PIDS[-1]}
	for _ in $(seq 1 50); do
		[ "$(rcli ping 2>/dev/null)" = PONG ] && return 0
		sleep 0.1
	done
	tp_fail "redis-server did not answer PING within 5 s"
}

start_control() {
	CONTROL_LOG=$TP_TMP/bg-${#TP_BG_PIDS[@]}.log # tp_bg's name for it
	tp_bg "$CONTROL" -f "$CONF"
	CONTROL_PID=${TP_BG_PIDS[-1]}
	for _ in $(seq 1 100); do
		kill -0 "$CONTROL_PID" 2>/dev/null || tp_fail "turnpike-control exited: $(cat "$TP_TMP"/bg-*.log)"
		[ "$(http_code /readyz)" = 200 ] && return 0
		sleep 0.1
	done
	tp_fail "turnpike-control not ready (dataplane connected) within 10 s"
}

# curl inside the namespace; prints the status code only.
http_code() {
	local path=$1
	shift
	tp_ns curl -s -o /dev/null -w '%{http_code}' --max-time 5 "$@" "http://127.0.0.1:8080$path" || true
}

# Fetch /v1/ice for user $1 and print "USERNAME CREDENTIAL".
ice_creds() {
	tp_ns curl -fsS --max-time 5 -H "Authorization: Bearer test-key" \
		"http://127.0.0.1:8080/v1/ice?username=$1&ttl=600" |
		python3 -c '
import json, sys
d = json.load(sys.stdin)
turn = [s for s in d["iceServers"] if any(u.startswith("turn:") for u in s["urls"])]
assert turn, "no TURN entry"
stun = [s for s in d["iceServers"] if any(u.startswith("stun:") for u in s["urls"])]
assert stun, "no STUN entry"
assert "turn:198.18.0.2:3478?transport=udp" in turn[0]["urls"], turn[0]["urls"]
assert "turn:[2001:db8:1::2]:3478?transport=udp" in turn[0]["urls"], turn[0]["urls"]
assert d["iceTransportPolicy"] == "all" and d["ttl"] == 600 and d["expiresAt"]
print(turn[0]["username"], turn[0]["credential"])
'
}

# Run turnutils_uclient (args) and require a lossless run.
uclient_ok() {
	local what=$1 out
	shift
	out=$(tp_ns timeout 60 turnutils_uclient "$@" -e 198.18.0.1 -m 2 -n 20 198.18.0.2 2>&1) ||
		tp_fail "$what: uclient failed: $out"
	tp_check_lossless "$what" "$out"
}

# Require turnutils_uclient (args) to be refused by the server: no
# lossless run and the dataplane's auth_fail counter grew.
uclient_refused() {
	local what=$1 fail0 out
	shift
	fail0=$(tp_stat auth_fail) || tp_fail "telemetry unreadable"
	if out=$(tp_ns timeout 30 turnutils_uclient "$@" -e 198.18.0.1 -m 1 -n 5 198.18.0.2 2>&1) &&
		grep -Eq "Total lost packets 0 \(" <<<"$out"; then
		tp_fail "$what relayed: $out"
	fi
	tp_stat_grew auth_fail "$fail0" 1
}

# Retry a command for up to 10 s (Redis changes reach the dataplane within
# the 1 s refresh, or at once through keyspace notifications).
eventually() {
	local what=$1
	shift
	for _ in $(seq 1 20); do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.5
	done
	tp_fail "$what: still failing after 10 s: $("$@" 2>&1 | tail -n 5)"
}

tp_start "$CONF"
start_redis
rcli SADD "turn/realm/$REALM/secret" rest-secret-1 >/dev/null
start_control
tp_bg turnutils_peer -L 198.18.0.1 -L 2001:db8:1::1
sleep 1

tp_log "a user written by coturn's turnadmin while everything runs authenticates at once"
# turnadmin always writes /var/log/turn_<pid>_<date>.log (or under
# /var/tmp, /tmp): run it in the background to learn its pid (ip netns
# exec execs it), then remove that log.
ip netns exec "$TP_NS" turnadmin -a -N "ip=127.0.0.1 port=6379 dbname=0" -u alice -r "$REALM" \
	-p alice-pass >/dev/null 2>&1 &
ta=$!
ta_rc=0
wait "$ta" || ta_rc=$?
rm -f /var/log/turn_"$ta"_*.log /var/tmp/turn_"$ta"_*.log /tmp/turn_"$ta"_*.log
[ "$ta_rc" -eq 0 ] || tp_fail "turnadmin could not add alice"
uclient_ok "turnadmin user" -u alice -w alice-pass
uclient_refused "wrong password for the Redis user" -u alice -w not-her-pass
uclient_ok "config-file user alongside Redis" -u demo -w demo-pass

tp_log "turnpikectl user add is the same key, usable at once"
tp_ns "$CTL" -c "$CONF" user add bob bob-pass || tp_fail "turnpikectl user add"
[ "$(rcli GET "turn/realm/$REALM/user/bob/key")" = \
	"$(printf '%s' "bob:$REALM:bob-pass" | md5sum | cut -d' ' -f1)" ] ||
	tp_fail "turnpikectl wrote another key than MD5(user:realm:pass)"
uclient_ok "turnpikectl user" -u bob -w bob-pass

tp_log "credentials from /v1/ice work"
read -r u1 c1 < <(ice_creds carol) || tp_fail "GET /v1/ice failed"
uclient_ok "/v1/ice credentials" -u "$u1" -w "$c1"
draft=$(tp_ns curl -fsS --max-time 5 "http://127.0.0.1:8080/?service=turn&username=dave&key=test-key") ||
	tp_fail "TURN REST draft request failed"
read -r u2 c2 < <(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
assert d["ttl"] > 0 and any(u.startswith("turn:") for u in d["uris"]), d
print(d["username"], d["password"])' "$draft") || tp_fail "draft body: $draft"
uclient_ok "REST draft credentials" -u "$u2" -w "$c2"

tp_log "REST secret rotation in Redis"
rcli SADD "turn/realm/$REALM/secret" rest-secret-2 >/dev/null
rcli SREM "turn/realm/$REALM/secret" rest-secret-1 >/dev/null
rotated() { read -r u c < <(ice_creds erin) && [ "$c" != "$(old_cred)" ]; }
# The same user and expiry minted with the old secret, to compare.
old_cred() { python3 -c '
import base64, hashlib, hmac, sys
print(base64.b64encode(hmac.new(b"rest-secret-1", sys.argv[1].encode(), hashlib.sha1).digest()).decode())' "$u"; }
eventually "the ICE API minting with rest-secret-2" rotated
read -r u3 c3 < <(ice_creds erin)
[ "$c3" = "$(python3 -c '
import base64, hashlib, hmac, sys
print(base64.b64encode(hmac.new(b"rest-secret-2", sys.argv[1].encode(), hashlib.sha1).digest()).decode())' "$u3")" ] ||
	tp_fail "/v1/ice credential is not HMAC-SHA1(rest-secret-2, username)"
uclient_ok "credentials from the new secret" -u "$u3" -w "$c3"
uclient_refused "credentials from the removed secret" -u "$u1" -w "$c1"

tp_log "a denied-peer-ip set in Redis refuses CreatePermission"
out=$(tp_ns "$PROBE" --server 198.18.0.2 --alg md5 --user alice --password alice-pass peer-denied 198.18.0.9 2>&1) &&
	tp_fail "198.18.0.9 was refused before Redis denied it: $out"
rcli SADD "turn/realm/$REALM/denied-peer-ip" 198.18.0.8-198.18.0.9 >/dev/null
eventually "403 for a peer in Redis's denied-peer-ip" \
	tp_ns "$PROBE" --server 198.18.0.2 --alg md5 --user alice --password alice-pass peer-denied 198.18.0.9
rcli DEL "turn/realm/$REALM/denied-peer-ip" >/dev/null

tp_log "a user-quota in Redis gives 486"
# A fresh user: turnutils_uclient leaves its allocations to expire, so
# alice may still hold some.
tp_ns "$CTL" -c "$CONF" user add quinn quinn-pass || tp_fail "turnpikectl user add quinn"
rcli SET "turn/realm/$REALM/user-quota" 2 >/dev/null
eventually "2 allocations then 486" \
	tp_ns "$PROBE" --server 198.18.0.2 --alg md5 --user quinn --password quinn-pass quota 2
rcli DEL "turn/realm/$REALM/user-quota" >/dev/null
# Lifted again (back to the file's: unlimited) once a 4th allocation is
# granted where `quota 3` expects 486.
quota_lifted() {
	local out
	out=$(tp_ns "$PROBE" --server 198.18.0.2 --alg md5 --user quinn --password quinn-pass \
		quota 3 2>&1) || true
	grep -q "allocation 4 of 4, got success" <<<"$out"
}
eventually "the quota lifted" quota_lifted
# turn-probe released its allocations (Refresh 0): their status keys went.
left=""
for _ in $(seq 1 20); do
	left=$(rcli --scan --pattern "turn/realm/$REALM/user/quinn/allocation/*/status")
	[ -z "$left" ] && break
	sleep 0.5
done
[ -z "$left" ] || tp_fail "status keys left after the allocations were deleted: $left"

tp_log "Redis and the control plane restart in the middle of traffic"
tp_ns turnutils_uclient -u alice -w alice-pass -e 198.18.0.1 -m 2 -n 600 -z 20 198.18.0.2 \
	>"$TP_TMP/long.log" 2>&1 &
LONG_PID=$!
TP_BG_PIDS+=("$LONG_PID")
sleep 3
keys=$(rcli --scan --pattern "turn/realm/$REALM/user/alice/allocation/*/status")
[ -n "$keys" ] || tp_fail "no statsdb status key for alice's live allocation"
for k in $keys; do
	ttl=$(rcli TTL "$k")
	[ "$ttl" -gt 0 ] || tp_fail "status key $k has no TTL ($ttl)"
	val=$(rcli GET "$k")
	grep -Eq '^(new|refreshed) lifetime=[0-9]+, type=UDP, ' <<<"$val" || tp_fail "status $k = '$val'"
	grep -Eq '/allocation/[0-9a-f]{16}-[0-9]{18}/status$' <<<"$k" || tp_fail "allocation id in $k"
done
alloc0=$(tp_stat allocations_total)
kill -KILL "$REDIS_PID"
sleep 2
start_redis
sleep 1
kill -KILL "$CONTROL_PID"
sleep 2
start_control
tp_ns "$CTL" -c "$CONF" allocations >"$TP_TMP/allocs.txt" || tp_fail "turnpikectl allocations"
grep -q "user=alice" "$TP_TMP/allocs.txt" ||
	tp_fail "the restarted control plane does not list alice's allocation: $(cat "$TP_TMP/allocs.txt")"
wait "$LONG_PID" || tp_fail "long uclient run failed: $(tail -n 5 "$TP_TMP/long.log")"
tp_check_lossless "traffic across Redis and control-plane restarts" "$(cat "$TP_TMP/long.log")"
[ "$(tp_stat allocations_total)" -eq "$alloc0" ] ||
	tp_fail "allocations were re-created during the restarts"
uclient_ok "Redis user after the restarts" -u alice -w alice-pass

tp_log "SIGHUP reloads the control plane without touching allocations"
tp_ns turnutils_uclient -u alice -w alice-pass -e 198.18.0.1 -m 1 -n 200 198.18.0.2 \
	>"$TP_TMP/hup.log" 2>&1 &
HUP_PID=$!
TP_BG_PIDS+=("$HUP_PID")
sleep 2
kill -HUP "$CONTROL_PID"
eventually "reload: ok in the control plane's log" \
	grep -q "reload: ok" "$CONTROL_LOG"
[ "$(http_code /readyz)" = 200 ] || tp_fail "not ready after SIGHUP"
wait "$HUP_PID" || tp_fail "uclient across SIGHUP failed: $(tail -n 5 "$TP_TMP/hup.log")"
tp_check_lossless "traffic across SIGHUP" "$(cat "$TP_TMP/hup.log")"

tp_log "HTTP: keys, CORS, malformed and oversized requests"
[ "$(http_code /v1/ice)" = 400 ] || tp_fail "missing API key is not 400"
[ "$(http_code /v1/ice -H 'Authorization: Bearer nope')" = 401 ] || tp_fail "wrong API key is not 401"
[ "$(http_code '/?service=turn&key=nope')" = 401 ] || tp_fail "wrong draft key is not 401"
hdrs=$(tp_ns curl -s -D - -o /dev/null --max-time 5 -H 'Origin: https://app.example' \
	-H 'Authorization: Bearer test-key' http://127.0.0.1:8080/v1/ice)
grep -qi '^access-control-allow-origin: https://app.example' <<<"$hdrs" || tp_fail "no CORS header: $hdrs"
hdrs=$(tp_ns curl -s -D - -o /dev/null --max-time 5 -H 'Origin: https://evil.example' \
	-H 'Authorization: Bearer test-key' http://127.0.0.1:8080/v1/ice)
grep -qi '^access-control-allow-origin' <<<"$hdrs" && tp_fail "CORS header for an unlisted origin"
tp_ns python3 - <<'EOF' || tp_fail "malformed HTTP requests"
import socket, sys
def ask(raw):
    s = socket.create_connection(("127.0.0.1", 8080), timeout=5)
    try:
        s.sendall(raw)
        data = b""
        while b"\r\n" not in data:
            chunk = s.recv(4096)
            if not chunk:
                break
            data += chunk
        return data.split(b"\r\n", 1)[0].decode(errors="replace")
    finally:
        s.close()
cases = {
    "garbage": b"\x16\x03\x01\x02\x00garbage\r\n\r\n",
    "huge header": b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 20000 + b"\r\n\r\n",
    "huge uri": b"GET /v1/ice?" + b"a=b&" * 2000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    "bad escape": b"GET /v1/ice?username=%zz HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer test-key\r\n\r\n",
}
for name, raw in cases.items():
    line = ask(raw)
    if line and not line.split()[1].startswith("4"):
        sys.exit("%s: %r" % (name, line))
    print(name, "->", line or "(closed)")
line = ask(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
if " 200 " not in line:
    sys.exit("healthz after bad requests: %r" % line)
EOF
metrics=$(tp_ns curl -fsS --max-time 5 http://127.0.0.1:8080/metrics) || tp_fail "/metrics"
grep -q '^turnpike_dataplane_connected 1' <<<"$metrics" || tp_fail "metrics: dataplane not connected"
grep -q '^turnpike_redis_up 1' <<<"$metrics" || tp_fail "metrics: redis not up"
grep -q '^turnpike_allocations{' <<<"$metrics" || tp_fail "metrics: no allocations gauge"
grep -q 'alice\|bob\|carol' <<<"$metrics" && tp_fail "metrics carry user names"

tp_log "PASS"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# The control channel, dataplane side (issue #5): turnpike-dataplane with
# control.socket set, against a fake control plane (ctl_fake.py) on a unix
# socket in the test's temporary directory. Checks, with real clients:
#   - HELLO both ways; the link in telemetry (/turnpike/control);
#   - a user who is not in the config file authenticates through a
#     CRED_LOOKUP that the fake answers with the user's MD5 key;
#   - allocation events: created then deleted, with the user name, and
#     traffic counters after relaying;
#   - pushed REST secrets make REST credentials work; a pushed deny rule
#     turns CreatePermission into 403, a push with a bad rule is refused
#     (ERROR naming the rule) and changes nothing; a pushed user quota of 1
#     gives 486 on the second allocation;
#   - COUNTERS_SNAPSHOT values; RELOAD and SIGHUP;
#   - the fake killed in the middle of a relay run: no packet lost, the
#     dataplane reconnects to a restarted fake and announces the live
#     allocations as REFRESHED;
#   - DRAIN is acknowledged and new Allocates get 403.
#
# Args: DATAPLANE SOURCE_ROOT TURN_PROBE. Needs root.
. "$(dirname "$0")/lib.sh" "$@"
PROBE=${3:?turn-probe binary}
FAKE="$TP_SRC/tests/integration/ctl_fake.py"
SOCK=$TP_TMP/control.sock
CMD=$TP_TMP/fake-cmd.sock
FAKE_PID=

fake_start() {
	local log=$1
	python3 "$FAKE" serve --socket "$SOCK" --cmd "$CMD" --log "$log" \
		--realm turnpike.test --user alice:alice-pass --user bob:bob-pass \
		>>"$TP_TMP/fake.out" 2>&1 &
	FAKE_PID=$!
	TP_BG_PIDS+=("$FAKE_PID")
	for _ in $(seq 1 50); do
		[ -S "$CMD" ] && [ -S "$SOCK" ] && return 0
		sleep 0.1
	done
	tp_fail "the fake control plane did not start: $(cat "$TP_TMP/fake.out")"
}

# ctl JSON: one command through the fake; prints its JSON answer.
ctl() { python3 "$FAKE" cmd --cmd "$CMD" "$1"; }

# Wait up to SECONDS for a JSON line in LOG for which PYEXPR (over `e`)
# holds; print the matching count.
wait_log() {
	local log=$1 expr=$2 secs=${3:-10} n=0
	for _ in $(seq 1 $((secs * 10))); do
		n=$(python3 - "$log" "$expr" <<'EOF'
import json, sys
n = 0
try:
    for line in open(sys.argv[1]):
        e = json.loads(line)
        if eval(sys.argv[2]):
            n += 1
except FileNotFoundError:
    pass
print(n)
EOF
)
		[ "$n" -gt 0 ] && { echo "$n"; return 0; }
		sleep 0.1
	done
	echo 0
	return 1
}

wait_dp_log() {
	local pattern=$1 count=${2:-1}
	for _ in $(seq 1 100); do
		[ "$(grep -c -- "$pattern" "$TP_TMP/dataplane.log")" -ge "$count" ] && return 0
		sleep 0.1
	done
	return 1
}

# local.conf with our own control group instead of its own. The HTTP and
# Redis endpoints are only there to be denied as peers (nothing listens).
sed '/^control = {/,/^};/d' "$TP_SRC/configs/local.conf" >"$TP_TMP/ctl.conf"
grep -q "^control" "$TP_TMP/ctl.conf" && tp_fail "could not remove local.conf's control group"
cat >>"$TP_TMP/ctl.conf" <<EOF
control = {
    socket = "$SOCK";
    http = { listen = "198.18.0.9:8080"; };
    redis = { host = "2001:db8:1::8"; port = 6379; };
};
EOF

fake_start "$TP_TMP/fake1.log"
tp_start "$TP_TMP/ctl.conf"
probe() { tp_ns "$PROBE" --server 198.18.0.2 "$@"; }

tp_log "HELLO both ways"
wait_log "$TP_TMP/fake1.log" 'e["type"] == "hello" and e["role"] == 1 and e["version"] == 1 and e["reserved"] == 0 and e["instance"] != "0"*16' >/dev/null ||
	tp_fail "no HELLO from the dataplane"
wait_dp_log "control: connected to $SOCK" || tp_fail "the dataplane did not log the connection"
[ "$(tp_stat connected /turnpike/control)" -eq 1 ] || tp_fail "telemetry: not connected"

tp_log "the control plane's endpoints are never relayable, though peers.allow covers them"
probe --user demo --password demo-pass peer-denied 198.18.0.9:8080 ||
	tp_fail "control.http.listen's address was relayable"
probe --user demo --password demo-pass peer-denied "[2001:db8:1::8]:6379" ||
	tp_fail "control.redis.host was relayable"

tp_bg turnutils_peer -L 198.18.0.1
sleep 1

tp_log "a user known only to the control plane authenticates (CRED_LOOKUP, MD5 key)"
out=$(tp_ns timeout 60 turnutils_uclient -u alice -w alice-pass -e 198.18.0.1 -m 2 -n 20 \
	198.18.0.2 2>&1) || tp_fail "uclient alice: $out"
tp_check_lossless "control-plane user" "$out"
wait_log "$TP_TMP/fake1.log" 'e["type"] == "lookup" and e["user"] == "alice" and e["found"] and e["alg"] == 1 and e["realm"] == "turnpike.test"' >/dev/null ||
	tp_fail "no MD5 CRED_LOOKUP for alice"
tp_log "  a wrong password for her and an unknown user are refused"
probe --user alice --password alice-pass wrong-password ||
	tp_fail "a wrong password for a control-plane user was not refused"
probe --user nobody --password x wrong-password || tp_fail "an unknown user was not refused"
wait_log "$TP_TMP/fake1.log" 'e["type"] == "lookup" and e["user"] == "nobody" and not e["found"]' >/dev/null ||
	tp_fail "no CRED_LOOKUP for nobody"

tp_log "allocation events: created, then deleted with the user and traffic counters"
probe --user bob --password bob-pass relay 198.18.0.1:40000 || tp_fail "turn-probe relay as bob"
wait_log "$TP_TMP/fake1.log" 'e["type"] == "alloc_event" and e["user"] == "bob" and e["kind"] == "deleted"' >/dev/null ||
	tp_fail "no DELETED event for bob"
python3 - "$TP_TMP/fake1.log" <<'PY' || tp_fail "allocation events for bob are wrong"
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
ids = {}
for e in ev:
    if e["type"] == "alloc_event" and e["kind"] == "created":
        ids[e["id"]] = ids.get(e["id"], 0) + 1
assert ids and max(ids.values()) == 1, "an allocation id was created twice: %s" % ids
ev = [e for e in ev if e["type"] == "alloc_event" and e["user"] == "bob"]
created = [e for e in ev if e["kind"] == "created"]
deleted = [e for e in ev if e["kind"] == "deleted"]
assert len(created) == 1 and len(deleted) == 1, ev
c, d = created[0], deleted[0]
assert c["id"] == d["id"], (c, d)
assert c["lifetime"] > 0 and d["lifetime"] == 0, (c, d)
assert c["transport"] == 17 and c["relay"].startswith("198.18.0.2:"), c
assert c["client"].startswith("198.18.0.1:") and c["server"] == "198.18.0.2:3478", c
assert d["c2p_packets"] >= 100 and d["p2c_packets"] >= 100, d
assert d["c2p_bytes"] > 0 and d["p2c_bytes"] > 0, d
print("  id %s: %d/%d packets out/in" % (d["id"], d["c2p_packets"], d["p2c_packets"]))
PY

tp_log "pushed REST secret"
probe --rest-secret pushed-secret --rest-user r1 --retries 1 allocate >/dev/null 2>&1 &&
	tp_fail "REST credentials of an unknown secret worked"
ctl '{"cmd": "rest", "secrets": ["pushed-secret", "demo-secret"]}' >/dev/null ||
	tp_fail "REST_SECRETS not acknowledged"
sleep 0.2
probe --rest-secret pushed-secret --rest-user r1 allocate || tp_fail "a pushed REST secret does not work"
probe --rest-secret demo-secret --rest-user r2 allocate || tp_fail "the config's REST secret stopped working"
out=$(tp_ns timeout 60 turnutils_uclient -u restuser -W pushed-secret -e 198.18.0.1 -m 2 -n 20 \
	198.18.0.2 2>&1) || tp_fail "uclient with the pushed REST secret: $out"
tp_check_lossless "pushed REST secret" "$out"

tp_log "pushed peer rules"
# Allow rules win over deny rules (peer_policy.h, as coturn's
# allowed-peer-ip), so a pushed deny is shown on a public address outside
# the file's allow list: CreatePermission sends nothing to it.
probe --user demo --password demo-pass --retries 1 peer-denied 9.9.9.9:9 >/dev/null 2>&1 &&
	tp_fail "9.9.9.9 denied before any push"
probe --user demo --password demo-pass peer-denied 203.0.113.7:9 ||
	tp_fail "203.0.113.7 (TEST-NET-3) allowed before any push"
ctl '{"cmd": "rules", "allow": ["203.0.113.0/24"], "deny": ["9.9.9.9"], "default_deny": false}' >/dev/null ||
	tp_fail "PEER_RULES not acknowledged"
sleep 0.2
probe --user demo --password demo-pass peer-denied 9.9.9.9:9 ||
	tp_fail "a pushed deny rule did not give 403"
probe --user demo --password demo-pass --retries 1 peer-denied 203.0.113.7:9 >/dev/null 2>&1 &&
	tp_fail "a pushed allow rule was not applied"
probe --user demo --password demo-pass peer-denied 10.1.2.3:9 ||
	tp_fail "the pushed default_deny=false opened the built-in list"
probe --user demo --password demo-pass peer-denied 198.18.0.9:9 ||
	tp_fail "a push opened the control plane's address"
tp_log "  a push with a bad rule is refused and changes nothing"
out=$(ctl '{"cmd": "rules", "deny": ["9.9.9.10", "300.1.2.3"]}') &&
	tp_fail "a bad rule was accepted: $out"
grep -q '"code": 3' <<<"$out" || tp_fail "not ERROR FAILED: $out"
grep -qF 'deny[1] \"300.1.2.3\"' <<<"$out" || tp_fail "the error does not name the rule: $out"
probe --user demo --password demo-pass peer-denied 9.9.9.9:9 ||
	tp_fail "the refused push changed the policy"
ctl '{"cmd": "rules"}' >/dev/null || tp_fail "empty PEER_RULES not acknowledged"
sleep 0.2
probe --user demo --password demo-pass --retries 1 peer-denied 9.9.9.9:9 >/dev/null 2>&1 &&
	tp_fail "the deny rule outlived an empty push"

tp_log "pushed user quota of 1"
ctl '{"cmd": "quotas", "user": 1, "total": 0, "max_bps": 1000000}' >/dev/null ||
	tp_fail "QUOTAS not acknowledged"
sleep 0.2
probe --user demo --password demo-pass quota 1 ||
	tp_fail "a pushed user quota of 1 did not give 486 on the second allocation"
wait_dp_log "max_bps 1000000 accepted but not enforced" || tp_fail "max_bps not logged"
ctl '{"cmd": "quotas", "user": 0, "total": 0, "max_bps": 1000000}' >/dev/null ||
	tp_fail "QUOTAS not acknowledged"

tp_log "COUNTERS_SNAPSHOT"
snap=$(ctl '{"cmd": "counters"}') || tp_fail "no COUNTERS_SNAPSHOT: $snap"
python3 - "$snap" <<'PY' || tp_fail "COUNTERS_SNAPSHOT: $snap"
import json, re, sys
c = json.loads(sys.argv[1])["counters"]
assert 60 <= len(c) <= 128, len(c)
for k in c:
    assert re.fullmatch(r"[a-z0-9_.]{1,63}", k), k
for k in ("rx_pkts", "tx_pkts", "tx_peer_bytes", "auth_ok", "allocations_total"):
    assert c[k] > 0, (k, c[k])
assert c["auth_fail"] >= 2, c["auth_fail"]
assert c["allocations_active"] == c["allocations_active.udp4"] + c["allocations_active.udp6"], c
assert "drop.not_stun" in c and "drop.auth_pending" in c
assert c["draining"] == 0 and c["workers"] == 1
assert c["ctl.lookups_sent"] >= 3, c["ctl.lookups_sent"]
assert c["ctl.lookup_timeouts"] == 0 and c["ctl.events_dropped"] == 0
assert c["ctl.events_sent"] >= 4, c["ctl.events_sent"]
assert c["quota.max_bps"] == 1000000
print("  %d counters; rx_pkts %d, auth_ok %d, lookups %d, events %d" % (
    len(c), c["rx_pkts"], c["auth_ok"], c["ctl.lookups_sent"], c["ctl.events_sent"]))
PY

tp_log "unknown type: ERROR UNKNOWN_TYPE; malformed body: ERROR BAD_MESSAGE; the channel stays up"
ctl '{"cmd": "raw", "hex": "5450434301630000000000000000002a"}' >/dev/null
ctl '{"cmd": "raw", "hex": "545043430106000000000001000000070a"}' >/dev/null
wait_log "$TP_TMP/fake1.log" 'e["type"] == "error" and e["req_type"] == 0x63 and e["code"] == 1 and e["req_id"] == 42' >/dev/null ||
	tp_fail "no ERROR UNKNOWN_TYPE"
wait_log "$TP_TMP/fake1.log" 'e["type"] == "error" and e["req_type"] == 6 and e["code"] == 2 and e["req_id"] == 7' >/dev/null ||
	tp_fail "no ERROR BAD_MESSAGE"
[ "$(tp_stat connected /turnpike/control)" -eq 1 ] || tp_fail "the channel went down"

tp_log "RELOAD and SIGHUP"
ctl '{"cmd": "reload"}' >/dev/null || tp_fail "RELOAD not acknowledged"
kill -HUP "$TP_PID"
wait_dp_log "reload: .*1 user(s)" 2 || tp_fail "SIGHUP did not reload"

tp_log "the fake dies in the middle of a relay run: nothing lost, reconnect, announcements"
t0=$(date +%s.%N)
tp_bg timeout 90 turnutils_uclient -u alice -w alice-pass -e 198.18.0.1 -m 3 -n 400 198.18.0.2
UC_LOG=$TP_TMP/bg-$((${#TP_BG_PIDS[@]} - 1)).log
UC_PID=${TP_BG_PIDS[-1]}
wait_log "$TP_TMP/fake1.log" "e['type'] == 'alloc_event' and e['user'] == 'alice' and e['kind'] == 'created' and e['t'] >= $t0" 15 >/dev/null ||
	tp_fail "the long run made no allocation"
sleep 1
kill -KILL "$FAKE_PID"
wait "$FAKE_PID" 2>/dev/null || true
wait_dp_log "control: lost $SOCK" || tp_fail "the dataplane did not notice the lost channel"
sleep 1
fake_start "$TP_TMP/fake2.log"
wait_dp_log "control: connected to $SOCK" 2 || tp_fail "no reconnection"
kill -0 "$UC_PID" 2>/dev/null || tp_fail "the relay run ended before the reconnection; make it longer"
# Every allocation the long run made before the restart is announced.
announced() {
	python3 - "$TP_TMP/fake1.log" "$TP_TMP/fake2.log" "$t0" <<'PY'
import json, sys
def ev(path):
    return [json.loads(l) for l in open(path) if '"alloc_event"' in l]
made = {e["id"] for e in ev(sys.argv[1])
        if e["kind"] == "created" and e["user"] == "alice" and e["t"] >= float(sys.argv[3])}
ann = [e for e in ev(sys.argv[2]) if e["kind"] == "refreshed" and e["id"] in made]
seen = {e["id"] for e in ann}
if len(made) < 3 or made != seen:
    print("made %s, announced %s" % (sorted(made), sorted(seen)))
    sys.exit(1)
assert all(e["user"] == "alice" and e["lifetime"] > 0 for e in ann), ann
print("  %d allocations announced" % len(made))
PY
}
for _ in $(seq 1 50); do announced >/dev/null && break; sleep 0.2; done
announced || tp_fail "live allocations not announced after the reconnection"
[ "$(grep -c "control: lost" "$TP_TMP/dataplane.log")" -eq 1 ] || tp_fail "more than one 'lost' line"
for _ in $(seq 1 900); do kill -0 "$UC_PID" 2>/dev/null || break; sleep 0.1; done
tp_check_lossless "relay across a control plane restart" "$(cat "$UC_LOG")"

tp_log "DRAIN: acknowledged, new Allocates get 403"
tp_bg timeout 60 turnutils_uclient -u demo -w demo-pass -e 198.18.0.1 -m 1 -n 600 198.18.0.2
sleep 2
ctl '{"cmd": "drain"}' >/dev/null || tp_fail "DRAIN not acknowledged"
wait_dp_log "draining:" || tp_fail "the dataplane is not draining"
out=$(probe --user demo --password demo-pass --retries 1 allocate 2>&1) &&
	tp_fail "an Allocate succeeded while draining: $out"
grep -q "403" <<<"$out" || tp_fail "not a 403 while draining: $out"
snap=$(ctl '{"cmd": "counters"}') || tp_fail "no COUNTERS_SNAPSHOT while draining"
grep -q '"draining": 1' <<<"$snap" || tp_fail "snapshot does not say draining: $snap"

tp_log "PASS"

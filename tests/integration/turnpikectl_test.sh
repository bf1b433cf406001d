#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# turnpikectl against a real redis-server (and coturn's turnadmin as the
# reference for the key schema), and against a fake admin socket.
#
#   tests/integration/turnpikectl_test.sh TURNPIKECTL_EXE SOURCE_ROOT [TURNPIKE_CONTROL_EXE]
#
# Needs redis-server and redis-cli (apt-get install -y redis-server),
# turnadmin (coturn), python3 and openssl. Starts redis-server on
# 127.0.0.1 at a free port (and a TLS one if the server has TLS) in a
# temporary directory; everything started is stopped by PID and the
# directory removed on exit. With a third argument, also runs the real
# turnpike-control and asks it `status` over its admin socket.
#
# Exit status: 0 all checks passed, 1 a check failed or a required tool
# is missing (never a skip).

# "cond && pass ... || fail ...": pass always succeeds, so this is if-else.
# shellcheck disable=SC2015
set -u

if [ $# -lt 2 ]; then
	echo "usage: $0 TURNPIKECTL_EXE SOURCE_ROOT [TURNPIKE_CONTROL_EXE]" >&2
	exit 2
fi
EXE=$(realpath "$1")
SRC=$(realpath "$2")
CONTROL_EXE=${3:+$(realpath "$3")}
for exe in "$EXE" ${CONTROL_EXE:+"$CONTROL_EXE"}; do
	if [ ! -x "$exe" ]; then
		echo "FAIL $exe: not an executable" >&2
		exit 1
	fi
done

for tool in redis-server redis-cli turnadmin python3 openssl; do
	if ! command -v "$tool" >/dev/null 2>&1; then
		# A missing tool is a failure, never a skip: scripts/install-deps.sh
		# installs all of them.
		echo "FAIL: $tool not found (scripts/install-deps.sh installs it)" >&2
		exit 1
	fi
done

TMP=$(mktemp -d /tmp/turnpikectl-test.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do
		kill "$p" 2>/dev/null
	done
	for p in "${PIDS[@]}"; do
		wait "$p" 2>/dev/null
	done
	rm -rf "$TMP"
}
trap cleanup EXIT

FAILS=0
CHECKS=0
pass() { CHECKS=$((CHECKS + 1)); echo "ok   $*"; }
fail() { CHECKS=$((CHECKS + 1)); FAILS=$((FAILS + 1)); echo "FAIL $*"; }
# expect_eq WHAT GOT WANT
expect_eq() {
	if [ "$2" == "$3" ]; then pass "$1"; else fail "$1: got [$2], want [$3]"; fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()'
}

# Wait (bounded: 50 x 0.1 s) until "$@" succeeds.
wait_for() {
	local _
	for _ in $(seq 1 50); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}

# turnadmin logs to /var/log/turn_<pid>_<date>.log (or /var/tmp, /tmp):
# run it in the background to learn its pid, then remove that log.
turnadmin_run() {
	local p rc
	turnadmin "$@" >"$TMP/turnadmin.out" 2>&1 &
	p=$!
	wait "$p"
	rc=$?
	rm -f /var/log/turn_"$p"_*.log /var/tmp/turn_"$p"_*.log /tmp/turn_"$p"_*.log
	grep -v '^0: : ' "$TMP/turnadmin.out"
	return $rc
}

# ---- Redis ----

PORT=$(free_port)
redis-server --port "$PORT" --bind 127.0.0.1 --save '' --appendonly no \
	--dir "$TMP" --logfile "$TMP/redis.log" &
PIDS+=($!)
RCLI=(redis-cli -h 127.0.0.1 -p "$PORT")
if ! wait_for "${RCLI[@]}" PING; then
	echo "FAIL redis-server did not start on 127.0.0.1:$PORT" >&2
	cat "$TMP/redis.log" >&2
	exit 1
fi
NSTR="ip=127.0.0.1 port=$PORT dbname=0"

# The example config with its control group (if any) replaced by one
# pointing at this Redis and at sockets in $TMP.
REALM=turnpike.test
CONF="$TMP/turnpike.conf"
awk '/^control = \{/ { skip = 1 } !skip { print } skip && /^\};/ { skip = 0 }' \
	"$SRC/configs/local.conf" >"$CONF"
cat >>"$CONF" <<EOF

control = {
    socket = "$TMP/control.sock";
    admin_socket = "$TMP/admin.sock";
    redis = { host = "127.0.0.1"; port = $PORT; };
};
EOF

# The realm comes from turn.realm, read by the dataplane's loader: that
# loader must accept the control group.
REALM_ARG=()
if out=$("$EXE" -c "$CONF" user list 2>&1); then
	pass "realm read from $SRC/configs/local.conf + control group"
else
	fail "realm from the config: turnpikectl -c CONF user list said: $out"
	echo "     (continuing with --realm $REALM)"
	REALM_ARG=(--realm "$REALM")
fi
ctl() { "$EXE" -c "$CONF" "${REALM_ARG[@]}" "$@"; }

# ---- users ----

ctl user add alice 'p@ss w0rd:x' || fail "user add alice"
want=$(turnadmin_run -k -u alice -r "$REALM" -p 'p@ss w0rd:x' | tr -d '\n')
got=$("${RCLI[@]}" GET "turn/realm/$REALM/user/alice/key")
expect_eq "user add writes turnadmin -k's key" "0x$got" "$want"
want_md5=$(printf '%s' "alice:$REALM:p@ss w0rd:x" | md5sum | cut -d' ' -f1)
expect_eq "user key is hex MD5(user:realm:password)" "$got" "$want_md5"

# The same value turnadmin -a writes into Redis.
turnadmin_run -a -N "$NSTR" -u bob -r "$REALM" -p hunter2 >/dev/null ||
	fail "turnadmin -a bob"
by_turnadmin=$("${RCLI[@]}" GET "turn/realm/$REALM/user/bob/key")
ctl user add bob hunter2 || fail "user add bob"
by_ctl=$("${RCLI[@]}" GET "turn/realm/$REALM/user/bob/key")
if [ -n "$by_turnadmin" ]; then
	expect_eq "user add == turnadmin -a" "$by_ctl" "$by_turnadmin"
else
	fail "turnadmin -a wrote no key"
fi

echo 'from-stdin' | ctl user add carol - || fail "user add carol -"
expect_eq "password from stdin" "$("${RCLI[@]}" GET "turn/realm/$REALM/user/carol/key")" \
	"$(printf '%s' "carol:$REALM:from-stdin" | md5sum | cut -d' ' -f1)"

# Keys that are not users of this realm are not listed.
"${RCLI[@]}" SET "turn/realm/$REALM/user/x/y/key" 0 >/dev/null
"${RCLI[@]}" SET "turn/realm/${REALM}x/user/other/key" 0 >/dev/null
expect_eq "user list" "$(ctl user list | tr '\n' ' ')" "alice bob carol "
expect_eq "turnadmin -l sees turnpikectl's users" \
	"$(turnadmin_run -l -N "$NSTR" -r "$REALM" | grep -c -E '^(alice|carol)\[')" "2"

ctl user del carol || fail "user del carol"
expect_eq "user del removes the key" "$("${RCLI[@]}" EXISTS "turn/realm/$REALM/user/carol/key")" "0"
ctl user del carol 2>"$TMP/err"
expect_eq "user del of a missing user: exit 1" "$?" "1"

for bad in 'a/b' '' "$(printf 'a\tb')" "$(head -c 509 /dev/zero | tr '\0' u)"; do
	ctl user add "$bad" pw 2>/dev/null
	expect_eq "user name [${bad:0:12}] refused with exit 2" "$?" "2"
done
ctl user add dave '' 2>/dev/null
expect_eq "empty password refused with exit 2" "$?" "2"
expect_eq "refused names wrote nothing" "$("${RCLI[@]}" EXISTS "turn/realm/$REALM/user/a/b/key")" "0"

# ---- secrets ----

ctl secret add logen && ctl secret add bloody9 || fail "secret add"
expect_eq "secret list" "$(ctl secret list | tr '\n' ' ')" "bloody9 logen "
expect_eq "secrets are coturn's set" \
	"$("${RCLI[@]}" SMEMBERS "turn/realm/$REALM/secret" | sort | tr '\n' ' ')" "bloody9 logen "
expect_eq "turnadmin -S sees them" \
	"$(turnadmin_run -S -N "$NSTR" -r "$REALM" | sort | tr '\n' ' ')" \
	"bloody9[$REALM] logen[$REALM] "
ctl secret del logen || fail "secret del"
expect_eq "secret del" "$(ctl secret list | tr '\n' ' ')" "bloody9 "
ctl secret del logen 2>/dev/null
expect_eq "secret del of a missing secret: exit 1" "$?" "1"

# ---- API keys ----

ctl apikey add demo-key || fail "apikey add"
h=$(printf '%s' demo-key | sha256sum | cut -d' ' -f1)
expect_eq "apikey add stores hex SHA-256" "$("${RCLI[@]}" SISMEMBER turnpike/api-keys "$h")" "1"
newkey=$(ctl apikey new)
if [[ "$newkey" =~ ^[A-Za-z0-9_-]{43}$ ]]; then
	pass "apikey new prints a 43-char base64url key"
else
	fail "apikey new printed [$newkey]"
fi
h2=$(printf '%s' "$newkey" | sha256sum | cut -d' ' -f1)
expect_eq "apikey new stores its hash" "$("${RCLI[@]}" SISMEMBER turnpike/api-keys "$h2")" "1"
expect_eq "apikey list" "$(ctl apikey list | sort | tr '\n' ' ')" \
	"$(printf 'sha256:%s\n' "$h" "$h2" | sort | tr '\n' ' ')"
ctl apikey del "sha256:$h2" || fail "apikey del sha256:HEX"
ctl apikey del demo-key || fail "apikey del KEY"
expect_eq "apikey del empties the set" "$("${RCLI[@]}" SCARD turnpike/api-keys)" "0"
ctl apikey add 'has space' 2>/dev/null
expect_eq "API key with a space refused with exit 2" "$?" "2"

# ---- peers ----

ctl peer allow add 10.1.0.10-10.1.0.20 && ctl peer allow add 2001:db8::7 &&
	ctl peer deny add 203.0.113.0/24 || fail "peer add"
expect_eq "allowed-peer-ip set" \
	"$("${RCLI[@]}" SMEMBERS "turn/realm/$REALM/allowed-peer-ip" | sort | tr '\n' ' ')" \
	"10.1.0.10-10.1.0.20 2001:db8::7 "
expect_eq "denied-peer-ip set" \
	"$("${RCLI[@]}" SMEMBERS "turn/realm/$REALM/denied-peer-ip" | tr '\n' ' ')" \
	"203.0.113.0/24 "
expect_eq "peer list" "$(ctl peer list | tr '\n' '|')" \
	"allow 10.1.0.10-10.1.0.20|allow 2001:db8::7|deny 203.0.113.0/24|"
ctl peer allow del 2001:db8::7 || fail "peer allow del"
expect_eq "peer del" "$("${RCLI[@]}" SISMEMBER "turn/realm/$REALM/allowed-peer-ip" 2001:db8::7)" "0"
for bad in 10.0.0.256 10.0.0.1:80 10.0.0.1/8 'fe80::1%eth0' 10.0.0.1-2001:db8::1 ''; do
	ctl peer deny add "$bad" 2>/dev/null
	expect_eq "peer rule [$bad] refused with exit 2" "$?" "2"
done

# ---- quotas: coturn's names, read back by turnadmin -G ----

ctl quota set user-quota 10 && ctl quota set total-quota 500 &&
	ctl quota set max-bps 1250000 || fail "quota set"
for k in user-quota:10 total-quota:500 max-bps:1250000; do
	expect_eq "key turn/realm/$REALM/${k%%:*}" \
		"$("${RCLI[@]}" GET "turn/realm/$REALM/${k%%:*}")" "${k#*:}"
done
expect_eq "turnadmin -G reads them" \
	"$(turnadmin_run -G -N "$NSTR" -r "$REALM" | grep -c -E "^$REALM/(user-quota = 10|total-quota = 500|max-bps = 1250000)$")" "3"
turnadmin_run -g -N "$NSTR" -r "$REALM" --user-quota 7 >/dev/null
expect_eq "quota show (after turnadmin -g)" "$(ctl quota show | tr '\n' '|')" \
	"user-quota 7|total-quota 500|max-bps 1250000|"
ctl quota unset max-bps || fail "quota unset"
expect_eq "quota unset" "$(ctl quota show | grep max-bps)" "max-bps unset"
ctl quota set total-quota 4294967296 2>/dev/null
expect_eq "total-quota over 2^32-1 refused with exit 2" "$?" "2"
ctl quota set user-quota -1 2>/dev/null
expect_eq "negative quota refused with exit 2" "$?" "2"

# ---- usage and connection errors ----

"$EXE" -c "$CONF" 2>"$TMP/err"
expect_eq "no command: exit 2" "$?" "2"
grep -q '^usage: turnpikectl' "$TMP/err" && pass "no command prints usage" ||
	fail "no usage text: $(cat "$TMP/err")"
ctl user frob 2>/dev/null
expect_eq "bad subcommand: exit 2" "$?" "2"

DEAD=$(free_port)
sed "s/port = $PORT;/port = $DEAD;/" "$CONF" >"$TMP/dead.conf"
"$EXE" -c "$TMP/dead.conf" --realm "$REALM" user list 2>"$TMP/err"
expect_eq "Redis down: exit 1" "$?" "1"
grep -q "redis 127.0.0.1:$DEAD: Connection refused" "$TMP/err" &&
	pass "Redis down: message names host:port" || fail "Redis down said: $(cat "$TMP/err")"

grep -v 'redis = ' "$CONF" >"$TMP/noredis.conf"
"$EXE" -c "$TMP/noredis.conf" --realm "$REALM" user list 2>"$TMP/err"
expect_eq "no control.redis: exit 1" "$?" "1"

TURNPIKE_CONFIG="$TMP/dead.conf" "$EXE" --realm "$REALM" user list 2>"$TMP/err"
grep -q ":$DEAD:" "$TMP/err" && pass "TURNPIKE_CONFIG is honoured" ||
	fail "TURNPIKE_CONFIG: $(cat "$TMP/err")"

# ---- Redis with TLS and AUTH (if this redis-server has TLS) ----

if (cd "$TMP" &&
	openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 1 \
		-subj /CN=turnpikectl-test-ca &&
	openssl req -newkey rsa:2048 -nodes -keyout srv.key -out srv.csr -subj /CN=localhost &&
	printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >ext.cnf &&
	openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out srv.crt \
		-days 1 -extfile ext.cnf) >/dev/null 2>&1; then
	TPORT=$(free_port)
	redis-server --port 0 --tls-port "$TPORT" --bind 127.0.0.1 --save '' --appendonly no \
		--tls-cert-file "$TMP/srv.crt" --tls-key-file "$TMP/srv.key" \
		--tls-ca-cert-file "$TMP/ca.crt" --tls-auth-clients no --requirepass tls-pass \
		--dir "$TMP" --logfile "$TMP/redis-tls.log" &
	PIDS+=($!)
	TCLI=(redis-cli --tls --cacert "$TMP/ca.crt" -h 127.0.0.1 -p "$TPORT" -a tls-pass
		--no-auth-warning -n 2)
	if wait_for "${TCLI[@]}" PING; then
		mk_tls_conf() { # FILE EXTRA-REDIS-SETTINGS
			grep -v 'redis = ' "$CONF" | sed '$d' >"$1"
			printf '    redis = { host = "127.0.0.1"; port = %s; tls = true; db = 2; %s };\n};\n' \
				"$TPORT" "$2" >>"$1"
		}
		mk_tls_conf "$TMP/tls.conf" "tls_ca = \"$TMP/ca.crt\"; password = \"tls-pass\";"
		"$EXE" -c "$TMP/tls.conf" --realm "$REALM" user add erin pw ||
			fail "user add over TLS"
		expect_eq "TLS: key written to db 2" \
			"$("${TCLI[@]}" GET "turn/realm/$REALM/user/erin/key")" \
			"$(printf '%s' "erin:$REALM:pw" | md5sum | cut -d' ' -f1)"
		mk_tls_conf "$TMP/tls-badpw.conf" "tls_ca = \"$TMP/ca.crt\"; password = \"nope\";"
		"$EXE" -c "$TMP/tls-badpw.conf" --realm "$REALM" user list 2>"$TMP/err"
		rc=$?
		grep -q WRONGPASS "$TMP/err" && [ $rc == 1 ] && pass "TLS: wrong password: exit 1" ||
			fail "TLS: wrong password: rc=$rc $(cat "$TMP/err")"
		mk_tls_conf "$TMP/tls-noca.conf" "password = \"tls-pass\";"
		"$EXE" -c "$TMP/tls-noca.conf" --realm "$REALM" user list 2>"$TMP/err"
		rc=$?
		grep -q 'certificate verify failed' "$TMP/err" && [ $rc == 1 ] &&
			pass "TLS: unknown CA refused" || fail "TLS: unknown CA: rc=$rc $(cat "$TMP/err")"
		mk_tls_conf "$TMP/tls-sni.conf" \
			"tls_ca = \"$TMP/ca.crt\"; tls_sni = \"wrong.example\"; password = \"tls-pass\";"
		"$EXE" -c "$TMP/tls-sni.conf" --realm "$REALM" user list 2>"$TMP/err"
		expect_eq "TLS: certificate name mismatch: exit 1" "$?" "1"
	else
		echo "skip TLS checks: redis-server has no TLS ($(tail -1 "$TMP/redis-tls.log"))"
	fi
else
	echo "skip TLS checks: could not make a test certificate"
fi

# ---- admin socket: a fake turnpike-control speaking admin.h ----

cat >"$TMP/fake_admin.py" <<'EOF'
import os, socket, sys
path, log = sys.argv[1], sys.argv[2]
ID = "0123456789abcdef-000000000000000042"
ANSWERS = {
    "status": "ok\ndataplane connected\ndraining no\nredis up\n"
              "dataplane_instance 0123456789abcdef\nallocations 1\n\n",
    "allocations": "ok\n" + ID + " user=alice client=198.18.0.1:5000 relay=198.18.0.2:49152"
                   " lifetime=600 c2p_packets=1 c2p_bytes=100 p2c_packets=2 p2c_bytes=200\n\n",
    "allocation " + ID: "ok\nuser alice\nstate active\ncreated 1700000000\n\n",
    "counters": "ok\ndataplane.rx_packets 12\ncontrol.auth_requests 3\n\n",
    "drain": "ok\n\n",
    "reload": "ok\n\n",
}
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(8)
with open(log, "a") as lf:
    for _ in range(200):          # bounded: the test makes far fewer
        c, _ = s.accept()
        c.settimeout(5)
        data = b""
        try:
            while b"\n" not in data and len(data) <= 1024:
                chunk = c.recv(1024)
                if not chunk:
                    break
                data += chunk
            line = data.split(b"\n")[0].decode()
            lf.write(line + "\n"); lf.flush()
            if line.startswith("allocation ") and line not in ANSWERS:
                ans = "error no allocation " + line[11:] + "\n\n"
            else:
                ans = ANSWERS.get(line, "error unknown command " + line + "\n\n")
            c.sendall(ans.encode())
        except OSError:
            pass
        c.close()
EOF

"$EXE" -c "$CONF" status 2>"$TMP/err"
expect_eq "admin socket missing: exit 1" "$?" "1"
grep -q "admin socket $TMP/admin.sock: No such file or directory (is turnpike-control running?)" \
	"$TMP/err" && pass "admin socket missing: message" || fail "admin missing said: $(cat "$TMP/err")"

python3 "$TMP/fake_admin.py" "$TMP/admin.sock" "$TMP/admin.log" &
PIDS+=($!)
if wait_for test -S "$TMP/admin.sock"; then
	out=$("$EXE" -c "$CONF" status)
	expect_eq "status: exit 0" "$?" "0"
	expect_eq "status body" "$(echo "$out" | head -1)|$(echo "$out" | wc -l)" \
		"dataplane connected|5"
	expect_eq "allocations" "$("$EXE" -c "$CONF" allocations | cut -d' ' -f1-2)" \
		"0123456789abcdef-000000000000000042 user=alice"
	expect_eq "allocation ID" \
		"$("$EXE" -c "$CONF" allocation 0123456789abcdef-000000000000000042 | tr '\n' '|')" \
		"user alice|state active|created 1700000000|"
	"$EXE" -c "$CONF" allocation 0123456789abcdef-000000000000000001 2>"$TMP/err" >/dev/null
	rc=$?
	expect_eq "unknown allocation: exit 1, error on stderr" "$rc|$(cat "$TMP/err")" \
		"1|turnpikectl: no allocation 0123456789abcdef-000000000000000001"
	expect_eq "counters" "$("$EXE" -c "$CONF" counters | grep -c '^\(dataplane\|control\)\.')" "2"
	"$EXE" -c "$CONF" drain && "$EXE" -c "$CONF" reload || fail "drain / reload"
	expect_eq "requests as sent on the wire" "$(tr '\n' '|' <"$TMP/admin.log")" \
		"status|allocations|allocation 0123456789abcdef-000000000000000042|allocation 0123456789abcdef-000000000000000001|counters|drain|reload|"
	"$EXE" -c "$CONF" allocation 'x y' 2>/dev/null
	expect_eq "allocation with a bad id: exit 2" "$?" "2"
	"$EXE" -c "$CONF" status extra 2>/dev/null
	expect_eq "status with an argument: exit 2" "$?" "2"
else
	fail "fake admin server did not start"
fi

# ---- the real turnpike-control, if given ----

if [ -n "$CONTROL_EXE" ]; then
	REAL="$TMP/real.conf"
	sed "s|$TMP/admin.sock|$TMP/real-admin.sock|; s|$TMP/control.sock|$TMP/real-control.sock|" \
		"$CONF" >"$REAL"
	"$CONTROL_EXE" -f "$REAL" >"$TMP/control.log" 2>&1 &
	CPID=$!
	PIDS+=("$CPID")
	if wait_for test -S "$TMP/real-admin.sock"; then
		out=$("$EXE" -c "$REAL" status 2>&1)
		rc=$?
		if [ $rc == 0 ] && echo "$out" | grep -q '^dataplane disconnected$' &&
			echo "$out" | grep -q '^redis '; then
			pass "real turnpike-control: status"
		else
			fail "real turnpike-control: status rc=$rc: $out"
		fi
		redis_up() { "$EXE" -c "$REAL" status | grep -q '^redis up$'; }
		wait_for redis_up && pass "real turnpike-control: status says redis up" ||
			fail "real turnpike-control: status: $("$EXE" -c "$REAL" status 2>&1 | tr '\n' '|')"
		"$EXE" -c "$REAL" counters >/dev/null
		expect_eq "real turnpike-control: counters exit 0" "$?" "0"
		"$EXE" -c "$REAL" allocation 0000000000000000-000000000000000001 >/dev/null 2>&1
		expect_eq "real turnpike-control: unknown allocation exit 1" "$?" "1"
	else
		fail "real turnpike-control did not create $TMP/real-admin.sock: $(tail -5 "$TMP/control.log")"
	fi
fi

echo "$CHECKS checks, $FAILS failed"
[ "$FAILS" == 0 ]

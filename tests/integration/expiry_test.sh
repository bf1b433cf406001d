#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Permission and channel expiry in the real dataplane, end to end, with
# lifetimes shortened through turn.permission_lifetime (3 s) and
# turn.channel_lifetime (4 s) so the test waits seconds, not minutes.
# turn-probe (tests/integration/turn_probe.c) checks that a lapsed
# permission drops Send indications and the peer's data until a new
# CreatePermission, and that a lapsed channel drops ChannelData while its
# number and peer stay quarantined (400 for either elsewhere, success for
# the same pair). The channel scenario renews the permission with
# CreatePermission after the wait, so the permission lapsing first (3 s <
# 4 s) cannot be mistaken for the channel's expiry. Allocation expiry is
# error_paths_test.sh's.
#
# Arguments: DATAPLANE_BINARY SOURCE_ROOT TURN_PROBE
. "$(dirname "$0")/lib.sh" "$1" "$2"
PROBE=${3:?usage: expiry_test.sh DATAPLANE SOURCE_ROOT TURN_PROBE}

conf=$TP_TMP/expiry.conf
sed -e 's/^    realm = "turnpike.test";/&\n    permission_lifetime = 3;\n    channel_lifetime = 4;/' \
	"$TP_SRC/configs/local.conf" >"$conf"
grep -q "permission_lifetime = 3;" "$conf" && grep -q "channel_lifetime = 4;" "$conf" ||
	tp_fail "could not derive the test config"
tp_start "$conf"

probe() {
	local out
	out=$(tp_ns timeout 120 "$PROBE" "$@" 2>&1) || tp_fail "turn-probe $*: $out"
	printf '%s\n' "$out" | sed 's/^/    /'
}

tp_log "IPv4: permission and channel expiry"
probe --server 198.18.0.2 --user demo --password demo-pass \
	permission-expiry 3 198.18.0.1:40010 channel-expiry 4 198.18.0.1:40011

tp_log "IPv6: permission expiry (REST credentials)"
probe --server "[2001:db8:1::2]:3478" --rest-secret demo-secret --rest-user probe \
	permission-expiry 3 "[2001:db8:1::1]:40012"

tp_log "PASS"

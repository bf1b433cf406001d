# shellcheck shell=bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Sourced by perf/bench-dpdk and perf/smoke_dpdk.sh: turnpike-dataplane as
# the server end of a net_memif link (perf/dpdk-memif.conf.in), a fresh
# one per turnpike-perf run. DPDK 22.11's memif PMD can crash the server's
# worker when its client disconnects (it unmaps the shared rings under the
# polling worker), so a server never outlives its one client.
#
#   MEMIF_DP=build/turnpike-dataplane MEMIF_SOCK=$tmp/memif.sock MEMIF_PREFIX=tp-x-$$
#   memif_conf OUT MEM_MB MAX_ALLOCATIONS || exit 1   # the config from the template
#   memif_start CONF LOG || exit 1                    # MEMIF_PID; up and serving
#   memif_stop                                        # MEMIF_STATUS: its exit status
#
# The caller's EXIT trap stops $MEMIF_PID if set. Messages go to stderr.

MEMIF_TEMPLATE=$(dirname "${BASH_SOURCE[0]}")/dpdk-memif.conf.in
MEMIF_PID=
# shellcheck disable=SC2034 # read by the scripts that source this
MEMIF_STATUS=0

# Fill the template into OUT; fails if a placeholder is left.
memif_conf() {
	sed -e "s|@SOCK@|$MEMIF_SOCK|" -e "s|@MEM@|$2|" -e "s|@PREFIX@|$MEMIF_PREFIX|" \
		-e "s|@MAXALLOC@|$3|" "$MEMIF_TEMPLATE" >"$1"
	if grep -q '@[A-Z]*@' "$1"; then
		echo "$MEMIF_TEMPLATE has a placeholder left unfilled:" >&2
		grep '@[A-Z]*@' "$1" >&2
		return 1
	fi
}

# Start a dataplane on a fresh socket; return once it prints that it
# serves and its memif socket exists (60 s at most: a large table takes a
# while to allocate).
memif_start() {
	rm -f "$MEMIF_SOCK"
	rm -rf "/var/run/dpdk/$MEMIF_PREFIX"
	"$MEMIF_DP" -f "$1" >"$2" 2>&1 &
	MEMIF_PID=$!
	for _ in $(seq 1 600); do
		if grep -qs '^turnpike-dataplane: serving' "$2" && [ -S "$MEMIF_SOCK" ]; then
			return 0
		fi
		kill -0 "$MEMIF_PID" 2>/dev/null || break
		sleep 0.1
	done
	echo "the dataplane did not come up ($2):" >&2
	tail -n 20 "$2" >&2
	return 1
}

# Stop it by PID and remove its socket and runtime files (ours and the
# generator's, $MEMIF_PREFIX-lg). A non-zero MEMIF_STATUS after the client
# has gone is the PMD crash above, for the caller to note.
# shellcheck disable=SC2034 # MEMIF_STATUS is read by the caller
memif_stop() {
	MEMIF_STATUS=0
	kill -TERM "$MEMIF_PID" 2>/dev/null || true
	for _ in $(seq 1 100); do kill -0 "$MEMIF_PID" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$MEMIF_PID" 2>/dev/null || true
	wait "$MEMIF_PID" 2>/dev/null || MEMIF_STATUS=$?
	MEMIF_PID=
	rm -f "$MEMIF_SOCK"
	rm -rf "/var/run/dpdk/$MEMIF_PREFIX" "/var/run/dpdk/$MEMIF_PREFIX-lg"
}

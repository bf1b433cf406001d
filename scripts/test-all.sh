#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Quick start, step two (and all that CI runs): install what is missing,
# build, and run every test suite.
#
#   1. release build with -Werror: unit, fuzz-replay and smoke suites, then
#      the integration suite (root: namespaces, net_tap, coturn's clients)
#   2. the e2e suite on the release build (root): the ICE test page in
#      Debian's headless Chromium through the appliance on net_tap
#   3. debug build with ASan+UBSan and -Werror: unit and fuzz-replay suites,
#      then the control plane's integration tests
#   4. clang build of the libFuzzer targets, each run over its corpus and
#      then for a fixed number of fresh inputs with a fixed seed
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh

step() { printf '\n=== %s\n' "$*"; }

step "release build (-Werror)"
scripts/build.sh build -Dwerror=true
meson test -C build --print-errorlogs --suite unit --suite fuzz --suite smoke

step "integration: the dataplane on net_tap in network namespaces, real clients (root)"
meson test -C build --print-errorlogs --suite integration

step "e2e: the ICE test page in headless Chromium through turnpike (root)"
# playwright-core exactly as package-lock.json pins it; Debian's chromium
# (install-deps) is the browser, so never download one.
(cd tests/e2e && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund)
meson test -C build --print-errorlogs --suite e2e

step "ASan+UBSan build (-Werror)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
export UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
scripts/build.sh build-asan -Dwerror=true -Dbuildtype=debug -Db_sanitize=address,undefined \
	-Db_lundef=false
meson test -C build-asan --print-errorlogs --suite unit --suite fuzz

step "ASan+UBSan: the control plane and the control channel end to end (root)"
# Both processes and turnpikectl instrumented, against real Redis and
# clients. Leak checks off here: DPDK keeps its memory to the end (the
# control plane's leak check runs in ctl_server_test and http_api_test).
ASAN_OPTIONS=detect_leaks=0:abort_on_error=1 \
	meson test -C build-asan --print-errorlogs control_test ctl_channel_test turnpikectl_test

step "libFuzzer targets (clang, ASan+UBSan)"
CC=clang scripts/build.sh build-fuzz -Dwerror=true -Dfuzzing=true -Dbuildtype=debug \
	-Db_sanitize=address,undefined -Db_lundef=false -Dtests=disabled
for target in $(ls tests/fuzz/corpus); do
	work=$(mktemp -d)
	# Fresh inputs go to a scratch dir so the committed corpus stays as is.
	echo "$target:"
	build-fuzz/"$target" -seed=1 -runs=20000 -max_len=1500 "$work" "tests/fuzz/corpus/$target" \
		2>&1 | tail -n 1
	rm -rf "$work"
done

step "all suites passed"

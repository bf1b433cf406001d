#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Quick start, step one: install what is missing, build, and run the
# appliance locally.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
scripts/build.sh build -Dwerror=true

if [ -x build/dataplane/turnpike-dataplane ]; then
	exec build/dataplane/turnpike-dataplane -f configs/local.conf
fi

cat <<MSG

turnpike: the protocol core is built, but turnpike-dataplane is not there yet
(issue #3 adds it, and the control plane comes with issue #5).

What this build gives you today:
  build/perf/turnpike-bench --json   micro-benchmarks of the STUN/TURN core
  meson test -C build                the unit and fuzz-replay suites
  scripts/test-all.sh                every test suite, also under ASan+UBSan
MSG

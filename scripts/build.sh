#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Configure (or reconfigure) and build one build directory.
#   scripts/build.sh DIR [meson options...]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=$1
shift
if [ -f "$dir/build.ninja" ]; then
	meson setup --reconfigure "$dir" "$@" >/dev/null
else
	meson setup "$dir" "$@"
fi
meson compile -C "$dir"

#!/usr/bin/env bash
# SPDX-License-Identifier: BSD-3-Clause
#
# Installs what turnpike needs to build and test, from Debian 12's own
# packages only. Idempotent: asks apt only for packages that are missing,
# and runs `apt-get update` only when something is missing.
set -euo pipefail

packages=(
	build-essential
	clang
	libclang-rt-14-dev
	meson
	ninja-build
	pkg-config
	python3
	libdpdk-dev
	libssl-dev
	libconfig-dev
	libcmocka-dev
	libhiredis-dev
	libsrtp2-dev
	libevent-dev
	coturn
	redis-server
	redis-tools
	curl
	gnuplot-nox
	iproute2
	iputils-ping
	openssl
	# The e2e suite (tests/e2e): Debian's browser, driven by playwright-core
	# from npm, which never downloads one of its own.
	chromium
)

# Node.js and npm for playwright-core: any Node.js 20 or later already on
# the machine (e.g. NodeSource's, which bundles npm and conflicts with
# Debian's npm package) is used as is; otherwise Debian's.
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
	packages+=(nodejs npm)
fi

if [ "$(id -u)" -ne 0 ]; then
	echo "install-deps: run as root (it installs Debian packages)" >&2
	exit 1
fi

missing=()
for p in "${packages[@]}"; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
		missing+=("$p")
	fi
done

if [ ${#missing[@]} -eq 0 ]; then
	echo "install-deps: all ${#packages[@]} packages present"
	exit 0
fi

echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -q
apt-get install -y -q --no-install-recommends "${missing[@]}"

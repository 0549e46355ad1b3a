#!/usr/bin/env bash
# Installs what carenet needs to build (Debian 12 packages, only those missing),
# then configures and builds it into build/.
#   bash scripts/setup.sh          build dependencies, build
#   bash scripts/setup.sh --test   also what scripts/test.sh uses (clang, libFuzzer, lmdb-utils,
#                                  lintian for the package test, chromium + chromium-driver +
#                                  python3-selenium for the web test, and a Chinese font for
#                                  its screenshots)
set -euo pipefail
cd "$(dirname "$0")/.."

pkgs=(build-essential cmake pkg-config libzmq3-dev libprotobuf-c-dev protobuf-c-compiler
      liblmdb-dev libconfig-dev libssl-dev libmicrohttpd-dev libsodium-dev python3)
case "${1:-}" in
--test) pkgs+=(clang libclang-rt-14-dev lmdb-utils lintian chromium chromium-driver python3-selenium
               fonts-wqy-microhei) ;;
"") ;;
*) echo "usage: bash scripts/setup.sh [--test]" >&2; exit 2 ;;
esac

missing=()
for p in "${pkgs[@]}"; do
	if ! dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q '^install ok installed$'; then
		missing+=("$p")
	fi
done
if ((${#missing[@]})); then
	echo "setup: installing ${missing[*]}"
	sudo=()
	if [ "$(id -u)" -ne 0 ]; then
		command -v sudo >/dev/null || { echo "setup: run as root (or install sudo) to install: ${missing[*]}" >&2; exit 1; }
		sudo=(sudo)
	fi
	export DEBIAN_FRONTEND=noninteractive
	"${sudo[@]}" apt-get update -q
	"${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo
cmake --build build -j"$(nproc)"

#!/usr/bin/env bash
# Installs the system packages zhsearch needs to build, and nothing else.
#
# opencc-rust binds the C++ OpenCC library and finds it through pkg-config,
# so a fresh Debian machine with only Rust on it needs `libopencc-dev` and
# `pkg-config`. This script is idempotent: when pkg-config already finds
# OpenCC it does nothing, so it is cheap to run before every build.
set -euo pipefail

if command -v pkg-config >/dev/null 2>&1 && pkg-config --exists opencc; then
  exit 0
fi

packages=(libopencc-dev pkg-config)
if [ "$(id -u)" -eq 0 ]; then
  sudo=()
elif command -v sudo >/dev/null 2>&1; then
  sudo=(sudo)
else
  echo "setup: need root or sudo to install ${packages[*]} with apt-get" >&2
  exit 1
fi

echo "setup: installing ${packages[*]} (apt-get)" >&2
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -qq
"${sudo[@]}" apt-get install -y -qq --no-install-recommends "${packages[@]}" >/dev/null
pkg-config --exists opencc || { echo "setup: OpenCC still not found by pkg-config" >&2; exit 1; }

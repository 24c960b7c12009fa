#!/usr/bin/env bash
# Installs the benchmark peers from Debian's packages (run as root). Benchmarks call this first;
# it is idempotent and quick when everything is present. Tests never need it.
set -euo pipefail
pkgs=(dataset-fashion-mnist python3-torch python3-sklearn python3-flask python3-numpy python3-cryptography wrk nginx-light haproxy)
missing=()
for p in "${pkgs[@]}"; do dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  echo "installing: ${missing[*]}" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >&2
fi
echo "peers ready" >&2

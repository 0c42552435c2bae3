#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine with .NET 10: installs the Redis tools the
# tests compare against (and node/npm for the ioredis tests, iproute2 for the network labs), builds everything in Release,
# then runs unit and integration tests. The network labs (SeedLabTests) need root: they create network namespaces.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")"

need=()
for tool in redis-server redis-cli redis-benchmark redis-check-rdb redis-sentinel; do
  command -v "$tool" >/dev/null 2>&1 || need+=("$tool")
done
command -v npm >/dev/null 2>&1 || need+=(npm)
has_iproute2() { command -v ip && command -v tc; } >/dev/null 2>&1  # the seed labs: network namespaces, veth, tc
has_iproute2 || need+=(iproute2)
if [ ${#need[@]} -gt 0 ]; then
  echo "Installing Redis tools (missing: ${need[*]})"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  $SUDO apt-get update -qq
  pkgs=(redis-server redis-tools redis-sentinel)
  command -v npm >/dev/null 2>&1 || pkgs+=(nodejs npm)   # the ioredis client tests run on node
  has_iproute2 || pkgs+=(iproute2)
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${pkgs[@]}" >/dev/null
  # The package starts a redis-server on 6379 where systemd runs; our tests never use that port.
fi

dotnet build Mirra.slnx -c Release -nologo -v q
dotnet test tests/Mirra.Tests -c Release --no-build --nologo -v q --logger "console;verbosity=minimal"
npm install --prefix tests/Mirra.IntegrationTests/node --no-audit --no-fund --silent
dotnet test tests/Mirra.IntegrationTests -c Release --no-build --nologo -v q --logger "console;verbosity=minimal"

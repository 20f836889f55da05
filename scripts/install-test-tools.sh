#!/usr/bin/env bash
# Installs the programs the tests start for real, from Debian's packages, when they are missing:
# prometheus and promtool, docker-compose (to validate the compose file), redis-server, strace (to see a checkpoint's system calls).
set -euo pipefail

declare -A PACKAGE_OF=([prometheus]=prometheus [promtool]=prometheus [docker-compose]=docker-compose [redis-server]=redis-server [strace]=strace)
missing=()
for command in "${!PACKAGE_OF[@]}"; do
  command -v "$command" >/dev/null 2>&1 || missing+=("${PACKAGE_OF[$command]}")
done
[ ${#missing[@]} -eq 0 ] && exit 0

packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
echo "installing from apt: $packages"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
# shellcheck disable=SC2086
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $packages >/dev/null

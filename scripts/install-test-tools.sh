#!/usr/bin/env bash
# Installs the programs the tests start for real, from Debian's packages, when they are missing:
# prometheus and promtool, docker-compose, redis-server, strace (to see a checkpoint's system calls),
# curl, and a container engine for the image's end-to-end test: podman with runc, its network
# helpers (netavark, aardvark-dns, iptables), catatonit (the pods' pause process of `podman kube play`)
# and debootstrap (the stand-in base images); iproute2, for
# the fault tests' network namespaces; wrk, the load generator of `pnpm bench`.
set -euo pipefail

# package → a command it provides, or a file (for helpers outside PATH)
declare -A PROBE_OF=(
  [prometheus]=promtool [docker-compose]=docker-compose [redis-server]=redis-server [strace]=strace [curl]=curl [wrk]=wrk
  [podman]=podman [runc]=runc [debootstrap]=debootstrap [iptables]=iptables
  [netavark]=/usr/lib/podman/netavark [aardvark-dns]=/usr/lib/podman/aardvark-dns
  [containernetworking-plugins]=/usr/lib/cni/bridge [iproute2]=ip [catatonit]=catatonit
)
missing=()
for package in "${!PROBE_OF[@]}"; do
  probe=${PROBE_OF[$package]}
  if [[ $probe == /* ]]; then [ -e "$probe" ] && continue; else command -v "$probe" >/dev/null 2>&1 && continue; fi
  missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "installing from apt: ${missing[*]}"
sudo=""
[ "$(id -u)" -eq 0 ] || sudo="sudo"
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null

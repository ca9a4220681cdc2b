#!/usr/bin/env bash
# Debian packages Ferry's tests and demo use: OpenLDAP's slapd and its tools, a Samba
# AD DC for the Active Directory tests (devkit/samba-ad.ts; `ip` for its network
# namespace), 389 Directory Server for the 389-DS tests (devkit/dirsrv.ts; FERRY_WITH_389DS=0
# leaves it out), and Chromium for the console's browser tests. Installs only what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapsearch >/dev/null 2>&1 || need+=(ldap-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
if [ "${FERRY_WITH_SAMBA:-1}" = "1" ]; then
  command -v ip >/dev/null 2>&1 || [ -x /usr/sbin/ip ] || need+=(iproute2)
  command -v samba >/dev/null 2>&1 || [ -x /usr/sbin/samba ] || need+=(samba samba-ad-dc)
  # samba-tool domain provision reads its schema files from here (not a dependency of samba-ad-dc)
  [ -d /usr/share/samba/setup/ad-schema ] || need+=(samba-ad-provision)
fi
if [ "${FERRY_WITH_389DS:-1}" = "1" ]; then
  command -v ns-slapd >/dev/null 2>&1 || [ -x /usr/sbin/ns-slapd ] || need+=(389-ds-base)
fi
if [ "${FERRY_WITH_BROWSER:-1}" = "1" ]; then
  command -v chromium >/dev/null 2>&1 || need+=(chromium)
fi
if ((${#need[@]})); then
  if [ "$(id -u)" != "0" ]; then
    echo "missing Debian packages: ${need[*]} (run: sudo bash scripts/install-system-deps.sh)" >&2
    exit 1
  fi
  echo "installing: ${need[*]}"
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

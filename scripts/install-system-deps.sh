#!/usr/bin/env bash
# Debian packages Ferry's tests and demo use: OpenLDAP's slapd and its tools, and
# Chromium for the console's browser tests. Installs only what is missing.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive
need=()
command -v slapd >/dev/null 2>&1 || [ -x /usr/sbin/slapd ] || need+=(slapd)
command -v ldapsearch >/dev/null 2>&1 || need+=(ldap-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
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

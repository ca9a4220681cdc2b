#!/usr/bin/env bash
# provmgr, as the original provmgr.sh: run from <install>/bin or from anywhere through a
# symlink. Arguments and exit code pass through unchanged.
set -euo pipefail
here="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")" && pwd)"
exec node "$here/provmgr.js" "$@"

#!/usr/bin/env bash
# Builds carenet (installing what is missing) and runs the demo network:
#   bash scripts/demo.sh [carenet demo options, e.g. --townships 3 --villages 4]
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
bash "$root/scripts/setup.sh"
exec "$root/build/carenet" demo "$@"

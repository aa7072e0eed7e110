#!/usr/bin/env bash
# Writes docs/fidelity.md: how close every nais device family is to measured hardware (or to the
# published model it follows), computed by nais-fidelity from ../shared/data/measured/.
#   bash scripts/fidelity.sh            regenerate the page (the fidelity_golden test compares it)
# Environment: NAIS_BUILD_DIR (default build), NAIS_SHARED_DATA (default ../shared/data).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
source scripts/configure.sh
build=${NAIS_BUILD_DIR:-build}
shared=${NAIS_SHARED_DATA:-../shared/data}
[ -d "$shared/measured" ] || { echo "fidelity.sh: $shared/measured not found (set NAIS_SHARED_DATA)" >&2; exit 2; }
nais_configure "$build"
cmake --build "$build" -j "$(nproc)" --target nais-fidelity
"$build/tools/nais-fidelity" --shared "$shared" --source . > docs/fidelity.md
echo "wrote docs/fidelity.md"

#!/usr/bin/env bash
# Compares fengqiao's statistics with PySAL's (pointpats for Knox, esda for Gi*):
# identical Knox counts (global and local), Gi* z-scores within 1e-9, and the time of
# each. Creates a virtualenv beside this script (bench/pysal/.venv, ignored by git),
# installs the PySAL packages from PyPI, builds the release CLI and runs compare.py.
#
#   bench/pysal/compare.sh               # default sizes (see compare.py --help)
#   bench/pysal/compare.sh --headline    # adds Knox on 50,000 events (~4 min, ~14 GiB)
#   bench/pysal/compare.sh --knox-events 5000 --local-events 2000
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
# The versions the comparison was written against; numba makes esda's permutations
# compiled and parallel, which is the fair opponent.
"$venv/bin/pip" install --quiet --disable-pip-version-check \
    "esda==2.9.0" "pointpats==2.5.5" "libpysal==4.14.1" "numba>=0.60" "numpy>=2"

(cd "$root" && cargo build --release --quiet -p fengqiao)

# numpy is benchmarked without the OpenBLAS overrides this workplace may set.
exec env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE "$venv/bin/python" "$here/compare.py" --fengqiao "$root/target/release/fengqiao" \
    --workdir "$here/out" "$@"

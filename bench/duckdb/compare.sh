#!/usr/bin/env bash
# Compares fengqiao's repeat reports (一人多次, 一地多起, 一类多发) with DuckDB running the
# equivalent SQL on the same 1,000,000 generated incidents: the flagged incidents of
# each rule and the report tables (by area and month, repeat callers, places, surges)
# must be identical. Prints fengqiao's time, DuckDB's and the ratio, each the best of 3
# runs of the compute only (data already loaded), in the same run on the same machine.
# The goal is fengqiao ≤ 0.2 × DuckDB's query time.
#
# Creates a virtualenv beside this script (bench/duckdb/.venv, ignored by git), installs
# DuckDB from PyPI, builds the benchmark binary of the analytics crate (release), which
# generates the incidents deterministically and runs fengqiao's side, then compare.py.
#
#   bench/duckdb/compare.sh                      # 1,000,000 incidents, best of 3
#   bench/duckdb/compare.sh --incidents 100000 --runs 1
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
venv="$here/.venv"

if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
# The version the comparison was written against.
"$venv/bin/pip" install --quiet --disable-pip-version-check "duckdb==1.4.4"

# `cargo bench --no-run` prints the path of the binary it built.
bench="$(cd "$root" && cargo bench -p fengqiao-analytics --bench repeats --no-run 2>&1 \
    | sed -n 's/.*(\(.*repeats-[0-9a-f]*\)).*/\1/p' | tail -n 1)"
if [[ ! -x "$bench" ]]; then
    echo "could not find the repeats benchmark binary" >&2
    exit 1
fi

exec "$venv/bin/python" "$here/compare.py" --bench "$bench" --workdir "$here/out" "$@"

#!/usr/bin/env bash
# The intake benchmark: the real server and HTTP intake against the raw insert rate of the
# same database at the same durability. Release build; prints figures.
#
#   bench/intake/run.sh                       # SQLite (WAL, synchronous=FULL)
#   bench/intake/run.sh --postgres URL        # PostgreSQL
#   bench/intake/run.sh --clients 64 --seconds 10 --rate 1000
set -euo pipefail
cd "$(dirname "$0")/../.."
exec cargo bench -p fengqiao-web --bench intake -- "$@"

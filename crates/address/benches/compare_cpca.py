#!/usr/bin/env python3
"""Compares our parse rate with cpca's on the same synthetic queries, on one core.

cpca (PyPI) recognises province, city and county only; we parse every component, so
the ratio flatters cpca. Run from the repository root, in a virtual environment:

    python3 -m venv /tmp/venv-cpca     # outside the work tree
    /tmp/venv-cpca/bin/pip install cpca
    /tmp/venv-cpca/bin/python crates/address/benches/compare_cpca.py

It runs `cargo bench -p fengqiao-address --bench speed` pinned to CPU 0 (when
`taskset` exists), which writes its queries to a temporary file and prints its own
parse rate, then times `cpca.transform` over the same queries in one batch, also on
CPU 0, and prints both rates, the ratio, and how often cpca found a county.
"""

import os
import re
import shutil
import subprocess
import sys
import tempfile
import time


def main() -> None:
    try:
        import cpca  # noqa: PLC0415 - optional dependency, imported where it is needed
    except ImportError:
        sys.exit("cpca is not installed here: see the instructions at the top of this file")

    with tempfile.TemporaryDirectory() as scratch:
        queries_path = os.path.join(scratch, "queries.txt")
        pin = ["taskset", "-c", "0"] if shutil.which("taskset") else []
        env = dict(os.environ, SPEED_WRITE_QUERIES=queries_path)
        bench = subprocess.run(
            pin + ["cargo", "bench", "-q", "-p", "fengqiao-address", "--bench", "speed"],
            env=env, capture_output=True, text=True, check=True,
        )
        print(bench.stdout.strip())
        found = re.search(r"^parse: ([0-9.]+) addresses/s", bench.stdout, re.MULTILINE)
        if not found:
            sys.exit("the benchmark printed no parse rate")
        ours = float(found.group(1))
        with open(queries_path, encoding="utf-8") as handle:
            queries = [line.rstrip("\n") for line in handle]

    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    cpca.transform(queries[:1000])  # loads its tables before timing
    started = time.perf_counter()
    table = cpca.transform(queries)
    elapsed = time.perf_counter() - started
    theirs = len(queries) / elapsed
    county_share = table["区"].notna().mean() * 100

    print(f"cpca parse: {theirs:,.0f} addresses/s ({len(queries):,} queries in {elapsed:.2f}s), "
          f"county found in {county_share:.1f}%")
    print(f"fengqiao-address parse: {ours:,.0f} addresses/s")
    print(f"ratio: {ours / theirs:.1f}x")


if __name__ == "__main__":
    main()

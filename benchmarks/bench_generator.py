"""Wall time and peak RSS of the sample-bank generator, one fresh subprocess per size.

    python benchmarks/bench_generator.py 100000 1000000 --months 12 --fmt csv --out /tmp/bench_generator

Each size runs in its own child process, which reports its own wall time and peak resident set size
(resource.getrusage(RUSAGE_SELF).ru_maxrss), so one size's memory never shows up in another's figure.
Outputs go under --out (default: a folder in /tmp) and are deleted afterwards unless --keep is given.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_child(n: int, months: int, fmt: str, out: Path, seed: int) -> None:
    sys.path.insert(0, str(ROOT))
    from orchestration.lib.generator import generate_bank

    start = time.perf_counter()
    info = generate_bank(out, n_customers=n, n_months=months, seed=seed, fmt=fmt)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux reports KiB
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    print(json.dumps({"n_customers": n, "months": months, "fmt": fmt, "wall_s": round(wall, 1),
                      "peak_rss_gib": round(peak / 2**30, 2), "transactions": info["tables"]["transactions"],
                      "output_gib": round(size / 2**30, 2)}))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("sizes", nargs="*", type=int, default=[100_000])
    parser.add_argument("--months", type=int, default=12)
    parser.add_argument("--fmt", choices=["csv", "parquet"], default="csv")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--out", type=Path, default=None, help="parent folder for outputs (default: a temp folder)")
    parser.add_argument("--keep", action="store_true", help="keep the generated files")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.child:
        run_child(args.sizes[0], args.months, args.fmt, args.out, args.seed)
        return
    parent = args.out or Path(tempfile.mkdtemp(prefix="bench_generator_", dir="/tmp"))
    print(f"{'customers':>10} {'months':>6} {'fmt':>7} {'wall s':>8} {'peak RSS GiB':>13} {'transactions':>13} "
          f"{'output GiB':>10}", flush=True)
    for n in args.sizes:
        out = parent / f"n{n}_{args.fmt}"
        shutil.rmtree(out, ignore_errors=True)
        proc = subprocess.run([sys.executable, __file__, str(n), "--months", str(args.months), "--fmt", args.fmt,
                               "--seed", str(args.seed), "--out", str(out), "--child"],
                              capture_output=True, text=True)
        if proc.returncode != 0:
            print(proc.stderr, file=sys.stderr)
            raise SystemExit(f"generation of {n} customers failed")
        r = json.loads(proc.stdout.strip().splitlines()[-1])
        print(f"{r['n_customers']:>10} {r['months']:>6} {r['fmt']:>7} {r['wall_s']:>8} {r['peak_rss_gib']:>13} "
              f"{r['transactions']:>13} {r['output_gib']:>10}", flush=True)
        if not args.keep:
            shutil.rmtree(out, ignore_errors=True)
    if not args.keep and args.out is None:
        shutil.rmtree(parent, ignore_errors=True)


if __name__ == "__main__":
    main()

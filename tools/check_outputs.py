"""Do the stored notebook outputs survive another machine? Re-run nbval under emulated machines.

    python tools/check_outputs.py [notebooks/03_momentum.ipynb ...] [--jobs 2]

CI runs nbval with one and with two BLAS threads. This developer check goes further and also
changes what a different CPU would change, without one:

- ``OPENBLAS_CORETYPE=Haswell`` / ``Sandybridge``: OpenBLAS's matrix kernels of an older CPU
  (a different summation order in every matrix product);
- ``NPY_DISABLE_CPU_FEATURES``: numpy without its AVX-512 (and AVX2) loops, whose exp, log and
  tanh differ from the generic ones in the last bit (Apple and older Intel/AMD laptops).

A printed digit that changes under any variant is a noise digit: round it away or print a
verdict instead. These variables are set only here, never in the tests or CI.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VARIANTS = {
    "2 BLAS threads": {"OPENBLAS_NUM_THREADS": "2", "OMP_NUM_THREADS": "2"},
    "OpenBLAS Haswell kernels": {"OPENBLAS_CORETYPE": "Haswell"},
    "OpenBLAS Sandybridge kernels": {"OPENBLAS_CORETYPE": "Sandybridge"},
    "numpy without AVX-512": {"NPY_DISABLE_CPU_FEATURES": "X86_V4 AVX512_ICL AVX512_SPR"},
    "numpy without AVX2/AVX-512": {
        "NPY_DISABLE_CPU_FEATURES": "X86_V3 X86_V4 AVX512_ICL AVX512_SPR"
    },
}


def check(name: str, extra: dict[str, str], notebooks: list[str]) -> tuple[str, int, str]:
    env = {**os.environ, "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1", **extra}
    cmd = [sys.executable, "-m", "pytest", *notebooks, "-q"]
    result = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    failed = [line for line in result.stdout.splitlines() if line.startswith("FAILED")]
    return name, result.returncode, "\n".join(failed) or result.stdout.strip().splitlines()[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", default=["notebooks"])
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        results = list(pool.map(lambda item: check(*item, args.notebooks), VARIANTS.items()))
    status = 0
    for name, code, text in results:
        print(f"== {name}: {'ok' if code == 0 else 'DIFFERS'}")
        if code:
            print(text)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main())

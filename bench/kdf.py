"""Time one PIN guess with the configured key-wrapping KDF (argon2id), as an attacker holding both the key
file and the server secret would pay it.

    .venv/bin/python -m bench.kdf [--memory-kib 65536] [--time-cost 3] [--parallelism 1] [--runs 5]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import time

from docflow.signing.keywrap import KdfParams, derive_password


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    defaults = KdfParams()
    parser.add_argument("--memory-kib", type=int, default=defaults.memory_kib)
    parser.add_argument("--time-cost", type=int, default=defaults.time_cost)
    parser.add_argument("--parallelism", type=int, default=defaults.parallelism)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    params = KdfParams(memory_kib=args.memory_kib, time_cost=args.time_cost, parallelism=args.parallelism)
    secret, salt = b"s" * 32, b"0123456789abcdef"
    timings = []
    for i in range(args.runs):
        start = time.perf_counter()
        derive_password(f"{i:06d}", server_secret=secret, salt=salt, params=params)
        timings.append(time.perf_counter() - start)
    peak_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"argon2id m={params.memory_kib} KiB t={params.time_cost} p={params.parallelism}: "
          f"median {statistics.median(timings):.3f} s, min {min(timings):.3f} s, max {max(timings):.3f} s "
          f"per guess over {args.runs} runs; peak RSS {peak_mib:.0f} MiB")


if __name__ == "__main__":
    main()

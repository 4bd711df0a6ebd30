"""Every signing and verification benchmark in one go: `make bench-signing` (results: bench/SIGNING.md).

    python -m bench.signing_suite [--quick] [--json FILE] [--skip-warm-signing]

Runs bench.verification (verify_pdf, the stored-report path, the cold `docflow verify` command, peak memory
on a 50 MB PDF; each against bare pyHanko on the same files, interleaved) and then bench.signing (warm
signing sessions against plain pyHanko signing), and prints every figure with a pass/fail per target.
About 4 minutes on 2 cores (--quick: about 2); nothing is written to the repository unless --json names a
file there.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any

from bench import verification
from bench.verification import QUICK, Config, Ratio, Stats

# (name, target) from the product issue; each figure is docflow ÷ bare pyHanko in the same run.
TARGET_RATIO = 1.0
TARGET_MEMORY_X_FILE = 3.0


def _stats(values: dict[str, Any]) -> str:
    return Stats(**values).ms()


def summary(results: dict[str, Any]) -> tuple[list[str], list[tuple[str, bool, str]]]:
    """Readable lines and (target, passed, figure) rows."""
    lines: list[str] = []
    verdicts: list[tuple[str, bool, str]] = []
    m = results["machine"]
    lines.append(f"{m['date']}  Python {m['python']}  {m['cpu']} × {m['cores']}  {m['memory']}  "
                 f"load at start {tuple(round(x, 2) for x in m['load_average_at_start'])}")
    lines.append("versions: " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()))
    f = results["files"]
    lines.append(f"files: 5-signature 100-page {f['5sig-100p_bytes']:,} B; 1-signature 1-page {f['1sig-1p_bytes']:,} B;"
                 f" scanned {f['big_bytes']:,} B (signed {f['big_signed_bytes']:,} B)")

    for key, title in (("verify", "verify_pdf, 5 signatures × 100 pages"),
                       ("verify_small", "verify_pdf, 1 signature × 1 page")):
        v = results[key]
        lines.append(f"\n{title}: checks {v['check']}")
        for side in ("docflow", "bare", "bare_shared"):
            lines.append(f"  {side:12} wall {_stats(v['stats'][side])}")
            lines.append(f"  {side:12} CPU  {_stats(v['cpu_stats'][side])}")
        ratio, shared = Ratio(**v["ratio"]), Ratio(**v["ratio_vs_shared"])
        cpu, cpu_shared = Ratio(**v["cpu_ratio"]), Ratio(**v["cpu_ratio_vs_shared"])
        lines.append(f"  docflow ÷ bare (context per signature): wall {ratio.text()}")
        lines.append(f"                                          CPU  {cpu.text()}")
        lines.append(f"  docflow ÷ bare (one shared context):    wall {shared.text()}")
        lines.append(f"                                          CPU  {cpu_shared.text()}")
        own = v["docflow_own_code"]
        lines.append(f"  docflow's own functions (cProfile tottime): {own['docflow_s'] * 1000:.1f} ms of "
                     f"{own['total_s'] * 1000:.1f} ms profiled; top: " + ", ".join(
                         f"{k} {t * 1000:.2f} ms" for k, t in own.items() if k not in ("total_s", "docflow_s")))
        if key == "verify":
            verdicts.append(("1. verify_pdf ≤ 1.0× plain pyHanko (5 sig, 100 p)", ratio.median <= TARGET_RATIO,
                             f"wall {ratio.median:.3f}×, CPU {cpu.median:.3f}× (vs one shared pyHanko context: "
                             f"wall {shared.median:.3f}×, CPU {cpu_shared.median:.3f}×)"))
    lines.append(f"  pyHanko calls per verification: {results['validation_calls']}")

    c = results["cached"]
    lines.append(f"\nverify_bytes on the stored version (report from the database): first call "
                 f"{c['first_call_seconds'] * 1000:.0f} ms (valid={c['first_valid']})")
    for side in ("cached", "cached_no_sha", "bare"):
        lines.append(f"  {side:14} {_stats(c['stats'][side])}")
    cached = Ratio(**c["ratio"])
    lines.append(f"  cached ÷ bare: {cached.text()}; without a known sha256: {Ratio(**c['ratio_no_sha']).text()}")
    verdicts.append(("1b. verify_bytes (stored) ≤ 1.0× plain pyHanko", cached.median <= TARGET_RATIO,
                     f"{cached.median:.4f}×"))

    lines.append("\ncold `docflow verify FILE --trust-root ROOT` ÷ bare pyHanko script (fresh process per run):")
    for label, values in results["cold"].items():
        if label == "import_time":
            continue
        ratio = Ratio(**values["ratio"])
        lines.append(f"  {label}: exit codes {values['exit_codes']}")
        for side in ("docflow", "bare"):
            lines.append(f"    {side:8} wall {_stats(values['stats'][side])}")
            lines.append(f"    {side:8} CPU  {_stats(values['cpu_stats'][side])}")
        lines.append(f"    wall ratio {ratio.text()}")
        lines.append(f"    CPU ratio  {Ratio(**values['cpu_ratio']).text()}")
        if "cached_bytecode" in label:
            verdicts.append((f"2. cold docflow verify ≤ 1.0× bare script ({label.split()[0]})",
                             ratio.median <= TARGET_RATIO, f"wall {ratio.median:.3f}×, CPU "
                             f"{Ratio(**values['cpu_ratio']).median:.3f}×"))
    for env_name, imports in results["cold"]["import_time"].items():
        lines.append(f"  -X importtime ({env_name}): docflow {imports['docflow']['total_import_us'] / 1000:.0f} ms "
                     f"in {imports['docflow']['modules']} modules, bare {imports['bare']['total_import_us'] / 1000:.0f}"
                     f" ms in {imports['bare']['modules']} modules; imported only by docflow: "
                     f"{imports['only_in_docflow_total_us'] / 1000:.1f} ms")
        lines.append("    only in docflow (self µs): " + ", ".join(
            f"{k} {v:.0f}" for k, v in list(imports["only_in_docflow_self_us"].items())[:12]))
        lines.append("    docflow cumulative (µs): " + ", ".join(
            f"{k} {v:.0f}" for k, v in imports["docflow"]["chosen_us"].items()))

    lines.append("\npeak RSS − RSS after imports (child process; /usr/bin/time %M and VmHWM agree):")
    for label, values in results["memory"].items():
        lines.append(f"  {label:22} {values['delta_mib_median']:7.1f} MiB = {values['delta_x_file_median']:8.2f}× "
                     f"the file (runs {values['delta_mib_all']}); peak {values['peak_mib_median']:.1f} MiB, after "
                     f"imports {values['after_imports_mib_median']:.1f} MiB; {values['seconds_median']:.2f} s")
    for mode in ("docflow-sign", "docflow-verify"):
        values = results["memory"][f"{mode} 50MB"]
        verdicts.append((f"3. {mode} peak < 3× the 50 MB file", values["delta_x_file_median"] < TARGET_MEMORY_X_FILE,
                         f"{values['delta_x_file_median']:.2f}× ({values['delta_mib_median']:.0f} MiB over "
                         f"{values['input_bytes'] / 2**20:.0f} MiB; absolute peak "
                         f"{values['peak_mib_median'] * 2**20 / values['input_bytes']:.2f}×)"))
    for text in results.get("memory_profile", {}).values():
        lines.append("  " + text)
    return lines, verdicts


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds (about half the time)")
    parser.add_argument("--json", type=Path, help="also write every figure (raw samples included) here")
    parser.add_argument("--skip-warm-signing", action="store_true", help="do not run bench.signing")
    parser.add_argument("--profiles", action="store_true", help="print the cProfile of verify_pdf and pyHanko")
    args = parser.parse_args(argv)
    config = QUICK if args.quick else Config()
    started = time.perf_counter()
    results = verification.run_all(config)
    lines, verdicts = summary(results)
    print("\n".join(["", "== Verification and memory (bench.verification) =="] + lines))
    if args.profiles and "profile_docflow" in results:
        print("\n-- cProfile, verify_pdf (5 sig × 100 p) --\n" + results["profile_docflow"])
        print("\n-- cProfile, bare pyHanko (5 sig × 100 p) --\n" + results["profile_bare"])
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, default=str), encoding="utf-8")
    print("\n== Targets ==")
    for name, passed, figure in verdicts:
        print(f"  {'PASS' if passed else 'FAIL'}  {name}: {figure}")

    if not args.skip_warm_signing:
        # bench.signing belongs to another engineer; it is called through its own command-line API.
        from bench import signing as warm_signing

        print("\n== Warm signing sessions (bench.signing) ==", flush=True)
        warm_signing.main(["--repeat", "3" if args.quick else "5"])
    print(f"\n(total {time.perf_counter() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

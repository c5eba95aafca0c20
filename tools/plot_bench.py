#!/usr/bin/python3
"""Plot samd's speed-up over oneDNN int8 against bit width, from `samd bench --json FILE`.

Usage: /usr/bin/python3 tools/plot_bench.py bench.json [out.png]
Needs Debian's python3-matplotlib (apt-get install python3-matplotlib).
"""
import json
import sys

try:
    import matplotlib
except ImportError:
    sys.exit(
        "plot_bench.py: matplotlib is missing: apt-get install python3-matplotlib, and run this "
        "script with /usr/bin/python3 (Debian's interpreter, which that package serves)"
    )

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def main() -> int:
    if len(sys.argv) < 2:
        print(__doc__)
        return 2
    records = json.load(open(sys.argv[1]))
    out = sys.argv[2] if len(sys.argv) > 2 else "bench.png"

    def shape(r):
        return (r["m"], r["n"], r["k"])

    def baseline(op, isa, layer, dims):
        for r in records:
            if (r["op"] == op and r["impl"] == "onednn-int8" and r["isa"] == isa
                    and r["layer"] == layer and shape(r) == dims):
                return r["gmacs"]
        return None

    # One series per op, layer, shape and ISA (samd bench --gemm may measure several shapes).
    shapes = {(r["op"], shape(r)) for r in records if r["impl"] == "samd"}
    several = {op for op, _ in shapes if sum(1 for o, _ in shapes if o == op) > 1}
    series = {}
    for r in records:
        if r["impl"] != "samd" or r["threads"] != 1:
            continue
        base = baseline(r["op"], r["isa"], r["layer"], shape(r))
        if not base:
            continue
        dims = f' {r["m"]}x{r["n"]}x{r["k"]}' if r["op"] in several and not r["layer"] else ""
        label = f'{r["op"]}{"/" + r["layer"] if r["layer"] else ""}{dims} ({r["isa"]})'
        if r["wbits"] == r["abits"]:
            series.setdefault(label, []).append((r["wbits"], r["gmacs"] / base))
    fig, ax = plt.subplots(figsize=(8, 5))
    for label, pts in sorted(series.items()):
        pts.sort()
        ax.plot([p[0] for p in pts], [p[1] for p in pts], marker="o", label=label)
    ax.axhline(1.0, color="gray", linestyle="--", linewidth=1)
    # Log scale: the memory-bound GEMV rows reach tens of x, the compute-bound ones 0.7-6x.
    ax.set_yscale("log")
    ax.set_xlabel("bits (weights = activations)")
    ax.set_ylabel("speed-up vs oneDNN u8s8s32 (same run)")
    # The CPU in the title: the ratios differ between microarchitectures (README, "Speed").
    cpus = sorted({r.get("cpu", "") for r in records} - {""})
    ax.set_title("samd: effective MAC/s relative to oneDNN int8"
                 + (f"\n{', '.join(cpus)}" if cpus else ""), fontsize=10)
    ax.set_xticks(range(1, 9))
    ax.legend(fontsize=8)
    ax.grid(True, alpha=0.3)
    fig.tight_layout()
    fig.savefig(out, dpi=120)
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

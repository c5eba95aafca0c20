#!/usr/bin/env python3
"""Writes carry_scalar.inc for carry_scalar_harness.cpp: does the carry-save W1A1 mix with scalar
work beside it keep its ceiling when its operands stream from the sizes of a 256 x 256 x 4096
GEMM?

Three group loops (7 words of K a group), each on fixed registers:
- "and":    the current kernel's mix, 6 rows x 4 column vectors (32 columns), 21 ops a pair;
- "carry":  the carry-save mix (STAGE 2), 6 x 4 vectors, 18 ops a pair and group;
- "carry+s": the carry mix plus scalar work spread among the vector ops (andn + popcnt + add per
            row, column and word): SCOLS more columns of the same 6 rows (6 SCOLS triples a
            word), or with SROWS > 0, SROWS more rows x one panel of 8 columns (8 SROWS triples).

  python3 gen_carry_scalar.py SCOLS [SROWS] && g++ -O2 -std=c++20 -mavx512f -mavx512vpopcntdq \
      -mbmi carry_scalar_harness.cpp -o harness && ./harness ORDER [GROUPS]
Operands: per row block and group, the activations' 10 combined words a row (carry), the raw
words inverted (scalar part) or plain (and); per column block and group the weights' 10 combined
vectors (carry) or the raw vectors (and), and the raw scalar columns.
"""
import sys

ROWS, VECS, WORDS, SIDE = 6, 4, 7, 10
SCOLS = int(sys.argv[1]) if len(sys.argv) > 1 else 4
SROWS = int(sys.argv[2]) if len(sys.argv) > 2 else 0  # rows-mode: SROWS rows x 8 columns


def alpha(j, r):
    return f"{8 * (SIDE * r + j)}(%[a])%{{1to8%}}"


def beta(j, c):
    return f"{64 * (SIDE * c + j)}(%[w])"


def carry_group():
    lines, t = [], 0
    for c in range(VECS):  # acc += pop(alpha_S & beta_S)
        lines.append(f"vmovdqu64 {beta(0, c)}, %%zmm24")
        for r in range(ROWS):
            tmp = 27 + t % 5
            t += 1
            lines += [f"vpandq {alpha(0, r)}, %%zmm24, %%zmm{tmp}", f"vpopcntq %%zmm{tmp}, %%zmm{tmp}",
                      f"vpaddq %%zmm{tmp}, %%zmm{VECS * r + c}, %%zmm{VECS * r + c}"]
    for m in range(3):  # acc -= pop(carry m)
        j = 1 + 3 * m
        for c in range(VECS):
            lines += [f"vmovdqu64 {beta(j + q, c)}, %%zmm{24 + q}" for q in range(3)]
            for r0 in range(0, ROWS, 2):
                rs = range(r0, r0 + 2)
                tm = {r: 27 + (t + r - r0) % 5 for r in rs}
                t += 2
                lines += [f"vpxorq {alpha(j + 2, r)}, %%zmm26, %%zmm{tm[r]}" for r in rs]
                lines += [f"vpternlogq $0x60, {alpha(j + 1, r)}, %%zmm25, %%zmm{tm[r]}" for r in rs]
                lines += [f"vpternlogq $0x96, {alpha(j, r)}, %%zmm24, %%zmm{tm[r]}" for r in rs]
                lines += [f"vpopcntq %%zmm{tm[r]}, %%zmm{tm[r]}" for r in rs]
                lines += [f"vpsubq %%zmm{tm[r]}, %%zmm{VECS * r + c}, %%zmm{VECS * r + c}"
                          for r in rs]
    return lines


def and_group():
    lines, t = [], 0
    for x in range(WORDS):
        lines += [f"vmovdqu64 {64 * (VECS * x + c)}(%[w]), %%zmm{24 + c}" for c in range(VECS)]
        for r in range(ROWS):
            for c in range(VECS):
                tmp = 28 + t % 4
                t += 1
                lines += [f"vpandq {8 * (WORDS * r + x)}(%[a])%{{1to8%}}, %%zmm{24 + c}, %%zmm{tmp}",
                          f"vpopcntq %%zmm{tmp}, %%zmm{tmp}",
                          f"vpaddq %%zmm{tmp}, %%zmm{VECS * r + c}, %%zmm{VECS * r + c}"]
    return lines


ACC = ["%%r8", "%%r9", "%%r10", "%%r11"]


def scalar_units():
    """Units of scalar work for one group: per row, per word a load of ~a and SCOLS triples,
    then the row's SCOLS sums added to memory."""
    units, k = [], 0
    for r in range(ROWS):
        for i in range(WORDS):
            areg = ("%%rax", "%%rbx")[(r * WORDS + i) % 2]
            units.append([f"mov {8 * (WORDS * r + i)}(%[x]), {areg}"])
            for c in range(SCOLS):
                t = ("%%rcx", "%%rdx")[k % 2]
                k += 1
                units.append([f"andn {8 * (WORDS * c + i)}(%[y]), {areg}, {t}",
                              f"popcnt {t}, {t}", f"add {t}, {ACC[c]}"])
        for c in range(SCOLS):
            units.append([f"add {ACC[c]}, {8 * (SCOLS * r + c)}(%[s])",
                          f"xor {ACC[c]}, {ACC[c]}"])
    return units


def scalar_rows_units():
    """SROWS extra rows x one panel of 8 columns (iplanes layout: word i, lane c at 8 * (8 i + c))."""
    units, k = [], 0
    for r in range(SROWS):
        for h in range(2):
            for i in range(WORDS):
                areg = ("%%rax", "%%rbx")[(r * WORDS + i) % 2]
                units.append([f"mov {8 * (WORDS * r + i)}(%[x]), {areg}"])
                for c in range(4):
                    t = ("%%rcx", "%%rdx")[k % 2]
                    k += 1
                    units.append([f"andn {8 * (8 * i + 4 * h + c)}(%[y]), {areg}, {t}",
                                  f"popcnt {t}, {t}", f"add {t}, {ACC[c]}"])
            for c in range(4):
                units.append([f"add {ACC[c]}, {8 * (8 * r + 4 * h + c)}(%[s])",
                              f"xor {ACC[c]}, {ACC[c]}"])
    return units


def spread(vector, units):
    lines, done, n = [], 0, len(units)
    for i, v in enumerate(vector):
        lines.append(v)
        while done < n and (done + 1) * len(vector) <= (i + 1) * n:
            lines += units[done]
            done += 1
    for u in units[done:]:
        lines += u
    return lines


def function(name, body, a_step, w_step, x_step, y_step):
    lines = [f"vmovdqu64 {64 * i}(%[z]), %%zmm{i}" for i in range(24)]
    lines += [f"xor {r}, {r}" for r in ACC]
    lines.append("1:")
    lines += body
    lines += [f"add ${a_step}, %[a]", f"add ${w_step}, %[w]"]
    if x_step:
        lines += [f"add ${x_step}, %[x]", f"add ${y_step}, %[y]"]
    lines += ["dec %[n]", "jnz 1b"]
    lines += [f"vmovdqu64 %%zmm{i}, {64 * i}(%[z])" for i in range(24)]
    asm = "\\n\\t".join(lines)
    clobbers = ", ".join(f'"xmm{i}"' for i in range(32))
    return f"""
[[gnu::noinline]] void loop_{name}(const unsigned long *a, const unsigned long *w,
    const unsigned long *x, const unsigned long *y, long n, unsigned long *s, void *z) {{
  asm volatile("{asm}"
               : [n] "+r"(n), [a] "+r"(a), [w] "+r"(w), [x] "+r"(x), [y] "+r"(y)
               : [s] "r"(s), [z] "r"(z)
               : "rax", "rbx", "rcx", "rdx", "r8", "r9", "r10", "r11", "memory", "cc", {clobbers});
}}
"""


def main():
    src = ["// Generated by gen_carry_scalar.py; not part of the CMake build.", "#include <cstdio>"]
    src.append(function("and", and_group(), 8 * ROWS * WORDS, 64 * VECS * WORDS, 0, 0))
    src.append(function("carry", carry_group(), 8 * ROWS * SIDE, 64 * VECS * SIDE, 0, 0))
    src.append(function("carry_s", spread(carry_group(), scalar_units()), 8 * ROWS * SIDE,
                        64 * VECS * SIDE, 8 * ROWS * WORDS, 8 * SCOLS * WORDS))
    if SROWS:
        src[-1] = function("carry_s", spread(carry_group(), scalar_rows_units()), 8 * ROWS * SIDE,
                           64 * VECS * SIDE, 8 * SROWS * WORDS, 8 * 8 * WORDS)
    src.append(f"constexpr int kScalarCols = {SCOLS};")
    src.append(f"constexpr int kScalarRows = {SROWS};")
    with open("carry_scalar.inc", "w") as f:
        f.write("\n".join(src) + "\n")


if __name__ == "__main__":
    main()

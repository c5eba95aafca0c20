// Build-time generator (run by kernels/CMakeLists.txt, never installed) of lut64_asm.inc: the hot
// loop of the AVX-512 VBMI LUT64 kernel (gemm_lut64_avx512.cpp) as one GCC inline-asm block per
// tile of R rows x C panels (R 1..5, C 1..4), with fixed zmm registers.
//
// Why generated asm: with intrinsics GCC 12 moves the R x C u8 accumulators to memory or adds a
// register move per lookup (bench/prototypes/lut_avx512/README.md: 200-250 against 920-966 GMAC/s);
// GNU assembler macros would need .altmacro arithmetic on register numbers, which clang's
// integrated assembler does not fully take. A C++ generator needs no tool beyond the compiler.
//
// One call runs n >= 1 chunks. A chunk is 2 blocks of 3 weight vectors (6 vectors of 64 bytes per
// panel) = 8 groups (lut64.hpp): per block, lookups of the 3 vectors as they are (vpermb ignores
// index bits 6-7), then of the gathered bits 6-7 (3 vpsrlw + 2 vpternlogd per panel, shared by
// the R rows). u8 lane q = i * C + j (row i, panel j) is widened right after lookup q % 8 of every
// chunk (even bytes: and 0x00FF, odd bytes: srl 8, each added to its u16 vector) and set, not
// added, by the next lookup: so it adds exactly 8 <= lut64_u8_steps() = 9 entries between two
// widenings, and a call widens each lane exactly n times. State in buf (64-byte aligned): lane q's
// u16 vectors (even columns, odd columns) at 128 q, 128 q + 64; its u8 lane at 128 NL + 64 q
// (NL = R * C). Row i's table offset of group g of the call's first chunk is the u16 at op + i *
// g2 (bytes) + 2 g; panel j's vector t at wp + j * ps + 64 t.
#include <cstdio>
#include <string>
#include <vector>

namespace {

std::string zmm(int r) { return "%%zmm" + std::to_string(r); }

void gen(std::FILE *out, int R, int C) {
  constexpr int kGroups = 8; // lookups per chunk = per u8 stage
  const int nl = R * C;
  std::vector<std::string> L;
  auto a = [&](const std::string &s) { L.push_back(s); };
  auto acc = [&](int i, int j) { return zmm(i * C + j); };
  auto x = [&](int j) { return zmm(nl + j); };
  auto y = [&](int j) { return zmm(nl + C + j); };
  const std::string tb = zmm(nl + 2 * C), e = zmm(nl + 2 * C + 1), wt = zmm(nl + 2 * C + 2);
  auto row_addr = [&](int i, int disp) {
    const std::string base = i < 3 ? "%[op]" : "%[op3]";
    const int k = i < 3 ? i : i - 3;
    return std::to_string(disp) + "(" + base + (k == 0 ? "" : ",%[g2]," + std::to_string(k)) + ")";
  };
  auto w_addr = [&](int j, int disp) {
    static const char *const off[4] = {"", ",%[ps],1", ",%[ps],2", ",%[ps3],1"};
    return std::to_string(disp) + "(%[wp]" + off[j] + ")";
  };
  for (int q = 0; q < nl; ++q)
    a("vmovdqa64 " + std::to_string(nl * 128 + 64 * q) + "(%[buf]), " + zmm(q));
  a("1:");
  auto lookups = [&](int pos, bool gathered) {
    const int prev = (pos + kGroups - 1) % kGroups;
    for (int i = 0; i < R; ++i) {
      const std::string reg = i % 2 ? "%%ecx" : "%%eax", reg64 = i % 2 ? "%%rcx" : "%%rax";
      a("movzwl " + row_addr(i, 2 * pos) + ", " + reg);
      a("vmovdqa64 (%[tab]," + reg64 + "), " + tb);
      for (int j = 0; j < C; ++j) {
        const std::string src = gathered ? y(j) : x(j);
        if ((i * C + j) % kGroups == prev) {
          a("vpermb " + tb + ", " + src + ", " + acc(i, j));
        } else {
          a("vpermb " + tb + ", " + src + ", " + e);
          a("vpaddb " + e + ", " + acc(i, j) + ", " + acc(i, j));
        }
      }
    }
    for (int q = 0; q < nl; ++q)
      if (q % kGroups == pos) {
        const std::string ev = std::to_string(128 * q) + "(%[buf])",
                          od = std::to_string(128 * q + 64) + "(%[buf])";
        a("vpandd %[lo8], " + zmm(q) + ", " + wt);
        a("vpaddw " + ev + ", " + wt + ", " + wt);
        a("vmovdqa64 " + wt + ", " + ev);
        a("vpsrlw $8, " + zmm(q) + ", " + wt);
        a("vpaddw " + od + ", " + wt + ", " + wt);
        a("vmovdqa64 " + wt + ", " + od);
      }
  };
  for (int b = 0; b < 2; ++b) {
    for (int t = 0; t < 3; ++t) {
      for (int j = 0; j < C; ++j)
        a("vmovdqu64 " + w_addr(j, 64 * (3 * b + t)) + ", " + x(j)); // the weights: any alignment
      lookups(4 * b + t, false);
      // y gathers bits 6-7 of the block's vectors t = 0, 1, 2 into bits 2t, 2t + 1 of each byte
      // (bits 6-7 of y are left over, and vpermb ignores them): t = 0 shifts them down, t = 1, 2
      // shift by 6 - 2t and keep y's bits below 2t (vpternlogd 0xE4: mask ? y : x).
      for (int j = 0; j < C; ++j) {
        if (t == 0) {
          a("vpsrlw $6, " + x(j) + ", " + y(j));
        } else {
          a("vpsrlw $" + std::to_string(6 - 2 * t) + ", " + x(j) + ", " + x(j));
          a("vpternlogd $0xE4, %[m" + std::to_string(t) + "]%{1to16%}, " + x(j) + ", " + y(j));
        }
      }
    }
    lookups(4 * b + 3, true);
  }
  a("add $384, %[wp]");
  a("add $16, %[op]");
  a("add $16, %[op3]");
  a("dec %[n]");
  a("jnz 1b");
  for (int q = 0; q < nl; ++q)
    a("vmovdqa64 " + zmm(q) + ", " + std::to_string(nl * 128 + 64 * q) + "(%[buf])");

  std::fprintf(
      out,
      "template <> inline void lut64_chunks<%d, %d>(const std::uint8_t *wp, std::int64_t ps,"
      " const std::uint16_t *op, std::int64_t g2, const std::uint8_t *tab,"
      " std::uint8_t *buf, long n) {\n",
      R, C);
  std::fprintf(out, "  const std::int64_t ps3 = 3 * ps;\n");
  std::fprintf(
      out, "  const std::uint16_t *op3 = reinterpret_cast<const std::uint16_t *>(\n"
           "      reinterpret_cast<std::uintptr_t>(op) + static_cast<std::uintptr_t>(3 * g2));\n");
  std::fprintf(out, "  asm volatile(\n");
  for (const std::string &s : L)
    std::fprintf(out, "      \"%s\\n\\t\"\n", s.c_str());
  std::fprintf(out, "      : [wp] \"+r\"(wp), [op] \"+r\"(op), [op3] \"+r\"(op3), [n] \"+r\"(n)\n"
                    "      : [ps] \"r\"(ps), [ps3] \"r\"(ps3), [g2] \"r\"(g2), [tab] \"r\"(tab),"
                    " [buf] \"r\"(buf),\n"
                    "        [lo8] \"m\"(kLo8), [m1] \"m\"(kSel03), [m2] \"m\"(kSel0F)\n"
                    "      : \"rax\", \"rcx\", \"memory\", \"cc\"");
  for (int r = 0; r < nl + 2 * C + 3; ++r)
    std::fprintf(out, ", \"zmm%d\"", r);
  std::fprintf(out, ");\n}\n\n");
}

} // namespace

// usage: gen_lut64_asm OUTPUT_FILE
int main(int argc, char **argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUTPUT_FILE\n", argv[0]);
    return 2;
  }
  std::FILE *out = std::fopen(argv[1], "w");
  if (!out) {
    std::perror(argv[1]);
    return 1;
  }
  std::fprintf(out, "// Generated by gen_lut64_asm.cpp at build time - do not edit.\n\n");
  for (int R = 1; R <= 5; ++R)
    for (int C = 1; C <= 4; ++C)
      gen(out, R, C);
  return std::fclose(out) == 0 ? 0 : 1;
}

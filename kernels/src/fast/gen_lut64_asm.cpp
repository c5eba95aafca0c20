// Build-time generator (run by kernels/CMakeLists.txt, never installed) of lut64_asm.inc: the hot
// loops of the AVX-512 VBMI LUT64 kernels (gemm_lut64_avx512.cpp) as one GCC inline-asm block per
// tile shape, with fixed zmm registers: the GEMM's tiles of R rows x C panels (gen,
// lut64_tile_shape.hpp: C 1..4, R up to 16 for one panel) and the conv kernel with 3 kernel rows
// (gen_conv3, below).
//
// Why generated asm: with intrinsics GCC 12 moves the R x C u8 accumulators to memory or adds a
// register move per lookup (bench/prototypes/lut_avx512/README.md: 200-250 against 920-966 GMAC/s);
// GNU assembler macros would need .altmacro arithmetic on register numbers, which clang's
// integrated assembler does not fully take. A C++ generator needs no tool beyond the compiler.
//
// The GEMM tiles (gen): one call runs n >= 1 chunks. A chunk is 2 blocks of 3 weight vectors (6
// vectors of 64 bytes per panel) = 8 groups (lut64.hpp): per block, lookups of the 3 vectors as
// they are (vpermb ignores index bits 6-7), then of the gathered bits 6-7 (3 vpsrlw + 2 vpternlogd
// per panel, shared by the R rows). u8 lane q = i * C + j (row i, panel j) is widened right after
// lookup q % 8 of every chunk (even bytes: and 0x00FF, odd bytes: srl 8, each added to its u16
// vector) and set, not added, by the next lookup: so it adds exactly kLut64StageEntries = 8
// entries between two widenings, and a call widens each lane exactly n times (fast_bounds.hpp, the
// GEMM tiles' schedule). State in buf (64-byte
// aligned): lane q's u16 vectors (even columns, odd columns) at 128 q, 128 q + 64; its u8 lane at
// 128 NL + 64 q (NL = R * C). Row i's table offset of group g of the call's first chunk is the u16
// at op + i * g2 (bytes) + 2 g; panel j's vector t at wp + j * ps + 64 t. A one-panel tile takes
// each table as vpermb's memory operand (no register to load it into, one lookup per table); wider
// tiles load it once into a register for their C lookups.
#include <cstdio>
#include <stdexcept>
#include <string>
#include <vector>

#include <samd/kernels/fast_bounds.hpp>

#include "lut64_tile_shape.hpp"

namespace {

std::string zmm(int r) { return "%%zmm" + std::to_string(r); }

// u8 lane q (zmm q) added to its u16 vectors at buf + 128 q (even bytes) and + 64 (odd bytes).
template <class Emit> void widen(Emit &a, int q, const std::string &wt) {
  const std::string ev = std::to_string(128 * q) + "(%[buf])",
                    od = std::to_string(128 * q + 64) + "(%[buf])";
  a("vpandd %[lo8], " + zmm(q) + ", " + wt);
  a("vpaddw " + ev + ", " + wt + ", " + wt);
  a("vmovdqa64 " + wt + ", " + ev);
  a("vpsrlw $8, " + zmm(q) + ", " + wt);
  a("vpaddw " + od + ", " + wt + ", " + wt);
  a("vmovdqa64 " + wt + ", " + od);
}

void gen(std::FILE *out, int R, int C) {
  // Lookups per chunk = entries per u8 stage (fast_bounds.hpp, the GEMM tiles' schedule).
  constexpr int kGroups = static_cast<int>(samd::kernels::kLut64StageEntries);
  static_assert(kGroups == 8, "a chunk is 2 blocks of 4 groups");
  const int nl = R * C;
  std::vector<std::string> L;
  auto a = [&](const std::string &s) { L.push_back(s); };
  auto acc = [&](int i, int j) { return zmm(i * C + j); };
  auto x = [&](int j) { return zmm(nl + j); };
  auto y = [&](int j) { return zmm(nl + C + j); };
  // One panel: the block's 3 vectors x0..x2 and y, no table register (tables are read from memory).
  const int t0 = nl + 2 * C, nregs = C == 1 ? nl + 6 : t0 + 3;
  const std::string tb = zmm(t0), e = zmm(nregs - 2), wt = zmm(nregs - 1);
  // Rows by 4 from bases op, op4 = op + 4 g2, op8, op12 (x86 scales 1 and 2 of g2, 1 of g3 = 3 g2).
  const int bases = (R + 3) / 4;
  auto base_name = [](int b) { return b == 0 ? std::string("op") : "op" + std::to_string(4 * b); };
  auto row_addr = [&](int i, int disp) {
    static const char *const off[4] = {"", ",%[g2],1", ",%[g2],2", ",%[g3],1"};
    return std::to_string(disp) + "(%[" + base_name(i / 4) + "]" + off[i % 4] + ")";
  };
  auto w_addr = [&](int j, int disp) {
    static const char *const off[4] = {"", ",%[ps],1", ",%[ps],2", ",%[ps3],1"};
    return std::to_string(disp) + "(%[wp]" + off[j] + ")";
  };
  for (int q = 0; q < nl; ++q)
    a("vmovdqa64 " + std::to_string(nl * 128 + 64 * q) + "(%[buf]), " + zmm(q));
  a("1:");
  // Lane q's widening into its u16 vectors (right after its lookup q % 8 of the chunk).
  auto widen_lane = [&](int q) { widen(a, q, wt); };
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
      if (q % kGroups == pos)
        widen_lane(q);
  };
  // One panel, row by row: a row's 4 offsets of a block in one 8-byte load (rdx, shifted down by
  // 16 a lookup; a load per lookup held the kernel to ~0.78 lookups a cycle), looked up with the
  // block's 3 vectors and y, all 4 in registers.
  for (int b = 0; C == 1 && b < 2; ++b) {
    for (int t = 0; t < 3; ++t)
      a("vmovdqu64 " + std::to_string(64 * (3 * b + t)) + "(%[wp]), " + zmm(R + t));
    const std::string yb = zmm(R + 3);
    a("vpsrlw $6, " + zmm(R) + ", " + yb);
    for (int t = 1; t < 3; ++t) {
      a("vpsrlw $" + std::to_string(6 - 2 * t) + ", " + zmm(R + t) + ", " + wt);
      a("vpternlogd $0xE4, %[m" + std::to_string(t) + "]%{1to16%}, " + wt + ", " + yb);
    }
    auto q64 = [](int i) { return i % 2 ? std::string("%%rsi") : std::string("%%rdx"); };
    auto q16 = [](int i) { return i % 2 ? std::string("%%si") : std::string("%%dx"); };
    a("movq " + row_addr(0, 8 * b) + ", " + q64(0));
    for (int i = 0; i < R; ++i) {
      if (i + 1 < R) // a row ahead: the lookups wait on no load issued just before them
        a("movq " + row_addr(i + 1, 8 * b) + ", " + q64(i + 1));
      for (int t = 0; t < 4; ++t) {
        const int pos = 4 * b + t, prev = (pos + kGroups - 1) % kGroups;
        std::string idx = q64(i);
        if (t < 3) {
          a("movzwl " + q16(i) + ", %%eax");
          idx = "%%rax";
        }
        const std::string table = "(%[tab]," + idx + ")";
        if (i % kGroups == prev) {
          a("vpermb " + table + ", " + zmm(R + t) + ", " + acc(i, 0));
        } else {
          a("vpermb " + table + ", " + zmm(R + t) + ", " + e);
          a("vpaddb " + e + ", " + acc(i, 0) + ", " + acc(i, 0));
        }
        if (t < 3)
          a("shr $16, " + q64(i));
        if (i % kGroups == pos)
          widen_lane(i);
      }
    }
  }
  for (int b = 0; C > 1 && b < 2; ++b) {
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
  for (int b = 0; b < bases; ++b)
    a("add $16, %[" + base_name(b) + "]");
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
  // Only the operands this tile's asm names (each holds a register).
  const bool use_ps = C > 1, use_ps3 = C > 3, use_g2 = R > 1, use_g3 = R > 3;
  if (use_ps3)
    std::fprintf(out, "  const std::int64_t ps3 = 3 * ps;\n");
  if (!use_ps)
    std::fprintf(out, "  (void)ps;\n");
  if (!use_g2)
    std::fprintf(out, "  (void)g2;\n");
  if (use_g3)
    std::fprintf(out, "  const std::int64_t g3 = 3 * g2;\n");
  for (int b = 1; b < bases; ++b)
    std::fprintf(
        out,
        "  const std::uint16_t *op%d = reinterpret_cast<const std::uint16_t *>(\n"
        "      reinterpret_cast<std::uintptr_t>(op) + static_cast<std::uintptr_t>(%d * g2));\n",
        4 * b, 4 * b);
  std::fprintf(out, "  asm volatile(\n");
  for (const std::string &s : L)
    std::fprintf(out, "      \"%s\\n\\t\"\n", s.c_str());
  std::string outs = "[wp] \"+r\"(wp), [n] \"+r\"(n)";
  for (int b = 0; b < bases; ++b)
    outs += ", [" + base_name(b) + "] \"+r\"(" + base_name(b) + ")";
  std::string ins = "[tab] \"r\"(tab), [buf] \"r\"(buf)";
  if (use_ps)
    ins += ", [ps] \"r\"(ps)";
  if (use_ps3)
    ins += ", [ps3] \"r\"(ps3)";
  if (use_g2)
    ins += ", [g2] \"r\"(g2)";
  if (use_g3)
    ins += ", [g3] \"r\"(g3)";
  std::fprintf(out,
               "      : %s\n      : %s,\n"
               "        [lo8] \"m\"(kLo8), [m1] \"m\"(kSel03), [m2] \"m\"(kSel0F)\n"
               "      : \"rax\", %s, \"memory\", \"cc\"",
               outs.c_str(), ins.c_str(), C == 1 ? "\"rdx\", \"rsi\"" : "\"rcx\"");
  for (int r = 0; r < nregs; ++r)
    std::fprintf(out, ", \"zmm%d\"", r);
  std::fprintf(out, ");\n}\n\n");
}

// The conv kernel with 3 kernel rows (lut64_conv3_chunks<R, C>, lut64.hpp Lut64Conv3Rows): R
// output rows of one output column read R + 2 input rows, and input row yy's table for channel c
// serves kernel rows ky = 0..2 (output rows yy - ky) and the C panels: up to 3 C lookups a table
// load, where the GEMM tile of one panel has 1.
//
// One call runs n >= 1 chunks of 8 channels (2 blocks of 4: per kernel row ky and panel j, vectors
// 3 b .. 3 b + 2 at wp + j * ps + ky * ks + 192 b, b = 0, 1), channel by channel: its weight
// vector (channel 3 of a block: the gathered bits 6-7, built as the 3 vectors are loaded) for each
// ky and panel, then input rows yy = 0 .. R + 1 (row yy's offset of channel c at op + yy * g2 +
// 2 c bytes): one table load, then each ky with 0 <= yy - ky < R. A lane (output row, panel) takes
// 3 lookups a channel, 24 a chunk: the generator counts them, widens the lane after every 8th
// (into its u16 vectors at buf + 128 q, + 64) and sets it, not adds, with the next. So every lane
// adds exactly kLut64StageEntries = 8 entries a widening, is widened kLut64Conv3ChunkWidenings = 3
// times a chunk (the schedule lut64_schedule proves), and holds no u8 state between chunks.
void gen_conv3(std::FILE *out, int R, int C) {
  // The conv3 schedule (fast_bounds.hpp): kStage entries a widening, kWidenings widenings a chunk.
  constexpr int kStage = static_cast<int>(samd::kernels::lut64_conv3_schedule().stage_entries),
                kWidenings = static_cast<int>(samd::kernels::kLut64Conv3ChunkWidenings);
  static_assert(kStage * kWidenings == 3 * 8, "a chunk is 3 lookups of each of 8 channels");
  const int nl = R * C;
  std::vector<std::string> L;
  auto a = [&](const std::string &s) { L.push_back(s); };
  auto raw = [&](int ky, int j) { return zmm(nl + 2 * (ky * C + j)); };
  auto gat = [&](int ky, int j) { return zmm(nl + 2 * (ky * C + j) + 1); };
  const int nregs = nl + 6 * C + 3;
  const std::string tb = zmm(nregs - 3), e = zmm(nregs - 2), wt = zmm(nregs - 1);
  std::vector<int> count(static_cast<std::size_t>(nl), 0);
  a("1:");
  for (int b = 0; b < 2; ++b)
    for (int i = 0; i < 4; ++i) {
      const int c = 4 * b + i;
      if (i < 3)
        for (int ky = 0; ky < 3; ++ky)
          for (int j = 0; j < C; ++j) {
            static const char *const kys[3] = {"", ",%[ks],1", ",%[ks],2"};
            a("vmovdqu64 " + std::to_string(192 * b + 64 * i) + "(%[w" + std::to_string(j) + "]" +
              kys[ky] + "), " + raw(ky, j));
            if (i == 0) {
              a("vpsrlw $6, " + raw(ky, j) + ", " + gat(ky, j));
            } else {
              a("vpsrlw $" + std::to_string(6 - 2 * i) + ", " + raw(ky, j) + ", " + wt);
              a("vpternlogd $0xE4, %[m" + std::to_string(i) + "]%{1to16%}, " + wt + ", " +
                gat(ky, j));
            }
          }
      a("mov %[op], %[p]");
      for (int yy = 0; yy < R + 2; ++yy) {
        static const char *const rows[4] = {"", ",%[g2],1", ",%[g2],2", ",%[g3],1"};
        a("movzwl " + std::to_string(2 * c) + "(%[p]" + rows[yy % 4] + "), %%eax");
        a("vmovdqa64 (%[tab],%%rax), " + tb);
        for (int ky = 0; ky < 3; ++ky) {
          const int oy = yy - ky;
          if (oy < 0 || oy >= R)
            continue;
          for (int j = 0; j < C; ++j) {
            const int q = oy * C + j;
            const std::string idx = i < 3 ? raw(ky, j) : gat(ky, j);
            int &k = count[static_cast<std::size_t>(q)];
            if (k % kStage == 0) {
              a("vpermb " + tb + ", " + idx + ", " + zmm(q));
            } else {
              a("vpermb " + tb + ", " + idx + ", " + e);
              a("vpaddb " + e + ", " + zmm(q) + ", " + zmm(q));
            }
            if (++k % kStage == 0)
              widen(a, q, wt);
          }
        }
        if (yy % 4 == 3 && yy + 1 < R + 2)
          a("add %[g4], %[p]");
      }
    }
  for (int k : count)
    if (k != kStage * kWidenings)
      throw std::logic_error("gen_conv3: a lane does not take 24 lookups a chunk");
  for (int j = 0; j < C; ++j)
    a("add $384, %[w" + std::to_string(j) + "]");
  a("add $16, %[op]");
  a("dec %[n]");
  a("jnz 1b");

  std::fprintf(out,
               "template <> inline void lut64_conv3_chunks<%d, %d>(const std::uint8_t *wp,"
               " std::int64_t ps, std::int64_t ks, const std::uint16_t *op, std::int64_t g2,"
               " const std::uint8_t *tab, std::uint8_t *buf, long n) {\n",
               R, C);
  std::fprintf(out, "  const std::uint8_t *w0 = wp;\n");
  if (C > 1)
    std::fprintf(out, "  const std::uint8_t *w1 = wp + ps;\n");
  else
    std::fprintf(out, "  (void)ps;\n");
  std::fprintf(out, "  const std::int64_t g3 = 3 * g2, g4 = 4 * g2;\n"
                    "  const std::uint16_t *p = op;\n"
                    "  asm volatile(\n");
  for (const std::string &s : L)
    std::fprintf(out, "      \"%s\\n\\t\"\n", s.c_str());
  std::string outs = "[w0] \"+r\"(w0), [op] \"+r\"(op), [p] \"+r\"(p), [n] \"+r\"(n)";
  if (C > 1)
    outs += ", [w1] \"+r\"(w1)";
  std::fprintf(out,
               "      : %s\n"
               "      : [ks] \"r\"(ks), [g2] \"r\"(g2), [g3] \"r\"(g3), [g4] \"r\"(g4),"
               " [tab] \"r\"(tab), [buf] \"r\"(buf),\n"
               "        [lo8] \"m\"(kLo8), [m1] \"m\"(kSel03), [m2] \"m\"(kSel0F)\n"
               "      : \"rax\", \"memory\", \"cc\"",
               outs.c_str());
  for (int r = 0; r < nregs; ++r)
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
  for (int C = 1; C <= samd::kernels::detail::fast::kLut64MaxCols; ++C)
    for (int R = 1; R <= samd::kernels::detail::fast::lut64_max_rows(C); ++R)
      gen(out, R, C);
  for (int C = 1; C <= samd::kernels::detail::fast::kLut64Conv3MaxCols; ++C)
    for (int R = 1; R <= samd::kernels::detail::fast::lut64_conv3_max_rows(C); ++R)
      gen_conv3(out, R, C);
  return std::fclose(out) == 0 ? 0 : 1;
}

// Throughput micro-benchmark for the LUT kernel's instruction mix (zmm, register operands):
// vpermb / vpshufb alone, with vpsrlw / vpmaddubsw / vpandd (independent), and the kernel's
// dependent lookup + vpaddb pairs into 16 accumulators. Timed by thread CPU time, best of 200.
// Build: g++ -O2 -std=c++20 -march=native ub_perm_zen5.cpp
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <immintrin.h>
// The asm macro rows below are tables, and clang-format 14 does not converge on them.
// clang-format off
static double tcpu(){timespec t; clock_gettime(CLOCK_THREAD_CPUTIME_ID,&t); return t.tv_sec+1e-9*t.tv_nsec;}
// inline-asm loop: N pairs of (vpermb|vpshufb) + vpaddb into 16 accumulators (zmm16..31), index zmm0..3, tables zmm4..7
#define PERM(i,t,d) "vpermb %%zmm" #t ", %%zmm" #i ", %%zmm" #d "\n\t"
#define SHUF(i,t,d) "vpshufb %%zmm" #i ", %%zmm" #t ", %%zmm" #d "\n\t"
#define ADD(d,a) "vpaddb %%zmm" #d ", %%zmm" #a ", %%zmm" #a "\n\t"
#define BODY(OP) \
 OP(0,4,8) OP(1,4,9) OP(2,4,10) OP(3,4,11) ADD(8,16) ADD(9,17) ADD(10,18) ADD(11,19) \
 OP(0,5,12) OP(1,5,13) OP(2,5,14) OP(3,5,15) ADD(12,20) ADD(13,21) ADD(14,22) ADD(15,23) \
 OP(0,6,8) OP(1,6,9) OP(2,6,10) OP(3,6,11) ADD(8,24) ADD(9,25) ADD(10,26) ADD(11,27) \
 OP(0,7,12) OP(1,7,13) OP(2,7,14) OP(3,7,15) ADD(12,28) ADD(13,29) ADD(14,30) ADD(15,31)
#define CLOB "zmm0","zmm1","zmm2","zmm3","zmm4","zmm5","zmm6","zmm7","zmm8","zmm9","zmm10","zmm11","zmm12","zmm13","zmm14","zmm15","zmm16","zmm17","zmm18","zmm19","zmm20","zmm21","zmm22","zmm23","zmm24","zmm25","zmm26","zmm27","zmm28","zmm29","zmm30","zmm31"
__attribute__((noinline)) void perm_add(long n){ asm volatile("1:\n\t" BODY(PERM) "dec %0\n\tjnz 1b" : "+r"(n) :: CLOB, "cc"); }
__attribute__((noinline)) void shuf_add(long n){ asm volatile("1:\n\t" BODY(SHUF) "dec %0\n\tjnz 1b" : "+r"(n) :: CLOB, "cc"); }
#define P16(OP) OP(0,4,16) OP(1,4,17) OP(2,4,18) OP(3,4,19) OP(0,5,20) OP(1,5,21) OP(2,5,22) OP(3,5,23) OP(0,6,24) OP(1,6,25) OP(2,6,26) OP(3,6,27) OP(0,7,28) OP(1,7,29) OP(2,7,30) OP(3,7,31)
__attribute__((noinline)) void perm_only(long n){ asm volatile("1:\n\t" P16(PERM) P16(PERM) "dec %0\n\tjnz 1b" : "+r"(n) :: CLOB, "cc"); }
__attribute__((noinline)) void shuf_only(long n){ asm volatile("1:\n\t" P16(SHUF) P16(SHUF) "dec %0\n\tjnz 1b" : "+r"(n) :: CLOB, "cc"); }
#define C4 "vpaddb %%zmm1, %%zmm0, %%zmm0\n\t" "vpaddb %%zmm1, %%zmm0, %%zmm0\n\t" "vpaddb %%zmm1, %%zmm0, %%zmm0\n\t" "vpaddb %%zmm1, %%zmm0, %%zmm0\n\t"
__attribute__((noinline)) void chain(long n){ asm volatile("1:\n\t" C4 C4 C4 C4 C4 C4 C4 C4 "dec %0\n\tjnz 1b" : "+r"(n) :: CLOB, "cc"); }
#define SRL(i,t,d) "vpsrlw $4, %%zmm" #i ", %%zmm" #d "\n\t"
#define MADD(i,t,d) "vpmaddubsw %%zmm" #i ", %%zmm" #t ", %%zmm" #d "\n\t"
#define AND(i,t,d) "vpandd %%zmm" #i ", %%zmm" #t ", %%zmm" #d "\n\t"
#define MIX2(A,B) A(0,4,16) B(1,4,17) A(2,4,18) B(3,4,19) A(0,5,20) B(1,5,21) A(2,5,22) B(3,5,23) A(0,6,24) B(1,6,25) A(2,6,26) B(3,6,27) A(0,7,28) B(1,7,29) A(2,7,30) B(3,7,31)
__attribute__((noinline)) void perm_srl(long n){ asm volatile("1:\n\t" MIX2(PERM,SRL) MIX2(PERM,SRL) "dec %0\n\tjnz 1b" : "+r"(n) :: CLOB, "cc"); }
__attribute__((noinline)) void perm_madd(long n){ asm volatile("1:\n\t" MIX2(PERM,MADD) MIX2(PERM,MADD) "dec %0\n\tjnz 1b" : "+r"(n) :: CLOB, "cc"); }
__attribute__((noinline)) void madd_only(long n){ asm volatile("1:\n\t" MIX2(MADD,MADD) MIX2(MADD,MADD) "dec %0\n\tjnz 1b" : "+r"(n) :: CLOB, "cc"); }
__attribute__((noinline)) void perm_and(long n){ asm volatile("1:\n\t" MIX2(PERM,AND) MIX2(PERM,AND) "dec %0\n\tjnz 1b" : "+r"(n) :: CLOB, "cc"); }
// clang-format on
// perm + add with the table as memory operand (no broadcast reuse)
int main() {
  long n = 300000;
  double ghz = 4.1;
  auto tm = [&](void (*f)(long), const char *nm, double ops) {
    double best = 1e9;
    for (int r = 0; r < 200; ++r) {
      double a = tcpu();
      f(n);
      double b = tcpu();
      best = std::min(best, b - a);
    }
    printf("%-18s %.3f G/s (%.2f per cycle @%.2f GHz)\n", nm, ops * n / best / 1e9,
           ops * n / best / (ghz * 1e9), ghz);
    return ops * n / best / 1e9;
  };
  // Zen 5 vpaddb zmm latency is 2 cycles: a dependent chain runs at clock / 2
  ghz = 2 * tm(chain, "dep. vpaddb chain", 32);
  tm(perm_only, "vpermb only", 32);
  tm(shuf_only, "vpshufb only", 32);
  tm(perm_srl, "vpermb+vpsrlw", 32);
  tm(perm_madd, "vpermb+vpmaddubsw", 32);
  tm(madd_only, "vpmaddubsw", 32);
  tm(perm_and, "vpermb+vpandd", 32);
  tm(perm_add, "vpermb+add pairs", 16);
  tm(shuf_add, "vpshufb+add pairs", 16);
}

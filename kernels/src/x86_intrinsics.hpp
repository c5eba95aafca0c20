// <immintrin.h> for the x86 kernels (only when SAMD_HAVE_X86_KERNELS). GCC 12's own
// avx512fintrin.h trips -Wmaybe-uninitialized (GCC bug 105593, _mm512_undefined_*), so those
// warnings are off in the files that include this (as kernels/CMakeLists.txt does for
// gemm_avx512.cpp).
#pragma once

#if defined(SAMD_HAVE_X86_KERNELS)
#include <immintrin.h>
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif
#endif

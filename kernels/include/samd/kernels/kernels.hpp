// samd kernels: packed quantized tensors and bit-exact DNN kernels for any width pair 1–8.
#pragma once

#include <samd/kernels/conv.hpp>
#include <samd/kernels/eltwise.hpp>
#include <samd/kernels/gemm.hpp>
#include <samd/kernels/path.hpp>
#include <samd/kernels/pool.hpp>
#include <samd/kernels/requant.hpp>
#include <samd/kernels/swar_schedule.hpp>
#include <samd/kernels/tensor.hpp>

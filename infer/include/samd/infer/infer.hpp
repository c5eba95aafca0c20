// samd inference: ONNX import, post-training quantization, and integer execution on the kernels.
#pragma once

#include <samd/infer/dataset.hpp>
#include <samd/infer/evaluate.hpp>
#include <samd/infer/float_executor.hpp>
#include <samd/infer/graph.hpp>
#include <samd/infer/integer_model.hpp>
#include <samd/infer/model_files.hpp>
#include <samd/infer/onnx_import.hpp>
#include <samd/infer/ptq.hpp>

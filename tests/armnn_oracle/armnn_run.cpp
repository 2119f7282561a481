// easel_armnn_run: an independent TFLite executor for the tests. Runs a .tflite file
// with Arm NN's TFLite parser on its CpuRef backend (Debian's libarmnntfliteparser-dev,
// libarmnn-cpuref-backend22: plain reference kernels, with TFLite's integer arithmetic
// for quantized models) and writes every output as .npy.
//   easel_armnn_run MODEL.tflite OUT_DIR IN0.npy [IN1.npy ...]
// Inputs are raw tensors in the file's input dtype (uint8 / int8 / float32), in input
// order; outputs are written as OUT_DIR/0.npy, 1.npy, ... in the dtype Arm NN gives.
#include <armnn/ArmNN.hpp>
#include <armnnTfLiteParser/ITfLiteParser.hpp>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "easel/npy.h"
#include "easel/tensor.h"

namespace {

easel::DType to_dtype(armnn::DataType t) {
  switch (t) {
    case armnn::DataType::Float32:
      return easel::DType::f32;
    case armnn::DataType::QAsymmU8:
      return easel::DType::u8;
    case armnn::DataType::QAsymmS8:
    case armnn::DataType::QSymmS8:
      return easel::DType::i8;
    case armnn::DataType::Signed32:
      return easel::DType::i32;
    default:
      throw std::runtime_error("unsupported Arm NN data type " + std::to_string(static_cast<int>(t)));
  }
}

easel::Shape to_shape(const armnn::TensorShape& s) {
  easel::Shape out;
  for (unsigned i = 0; i < s.GetNumDimensions(); ++i) out.push_back(s[i]);
  return out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: easel_armnn_run MODEL.tflite OUT_DIR IN0.npy [IN1.npy ...]\n");
    return 2;
  }
  try {
    auto parser = armnnTfLiteParser::ITfLiteParser::Create();
    armnn::INetworkPtr network = parser->CreateNetworkFromBinaryFile(argv[1]);
    const auto input_names = parser->GetSubgraphInputTensorNames(0);
    const auto output_names = parser->GetSubgraphOutputTensorNames(0);
    if (static_cast<int>(input_names.size()) != argc - 3) {
      std::fprintf(stderr, "%s has %zu inputs, %d given\n", argv[1], input_names.size(), argc - 3);
      return 2;
    }
    armnn::IRuntime::CreationOptions options;
    armnn::IRuntimePtr runtime = armnn::IRuntime::Create(options);
    armnn::IOptimizedNetworkPtr optimized = armnn::Optimize(*network, {armnn::Compute::CpuRef}, runtime->GetDeviceSpec());
    armnn::NetworkId id;
    if (runtime->LoadNetwork(id, std::move(optimized)) != armnn::Status::Success) {
      std::fprintf(stderr, "Arm NN could not load %s on CpuRef\n", argv[1]);
      return 1;
    }
    std::vector<easel::Tensor> in_tensors, out_tensors;
    armnn::InputTensors inputs;
    for (std::size_t i = 0; i < input_names.size(); ++i) {
      const auto binding = parser->GetNetworkInputBindingInfo(0, input_names[i]);
      in_tensors.push_back(easel::read_npy(argv[3 + i]));
      const easel::Tensor& t = in_tensors.back();
      if (t.dtype() != to_dtype(binding.second.GetDataType()) || static_cast<unsigned>(t.size()) != binding.second.GetNumElements()) {
        std::fprintf(stderr, "input %zu ('%s') must be %s with %u elements\n", i, input_names[i].c_str(),
                     easel::to_string(to_dtype(binding.second.GetDataType())), binding.second.GetNumElements());
        return 2;
      }
      inputs.emplace_back(binding.first, armnn::ConstTensor(binding.second, t.raw()));
    }
    armnn::OutputTensors outputs;
    for (const auto& name : output_names) {
      const auto binding = parser->GetNetworkOutputBindingInfo(0, name);
      out_tensors.emplace_back(to_dtype(binding.second.GetDataType()), to_shape(binding.second.GetShape()));
      outputs.emplace_back(binding.first, armnn::Tensor(binding.second, out_tensors.back().raw()));
    }
    if (runtime->EnqueueWorkload(id, inputs, outputs) != armnn::Status::Success) {
      std::fprintf(stderr, "Arm NN failed to run %s\n", argv[1]);
      return 1;
    }
    for (std::size_t k = 0; k < out_tensors.size(); ++k)
      easel::write_npy(std::string(argv[2]) + "/" + std::to_string(k) + ".npy", out_tensors[k]);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: %s\n", argv[1], e.what());
    return 1;
  }
  return 0;
}

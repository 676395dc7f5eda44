// Files for Python users: NumPy .npy arrays and the encoder as a torch.load-able state dict.
#pragma once

#include "models/backbone.h"

#include <torch/torch.h>

#include <cstdint>
#include <string>
#include <vector>

namespace pretext::eval {

/// The .npy header (format 1.0) for a C-order little-endian array: magic, version, header length,
/// the dict, padded with spaces and a newline so the data starts at a multiple of 64 bytes.
std::string npyHeader(const std::string& descr, const std::vector<int64_t>& shape);

/// Writes a float32, float64, int64, int32 or uint8 CPU tensor as .npy (atomically).
void saveNpy(const std::string& path, const torch::Tensor& tensor);

/// The backbone's parameters and buffers under their module names ("conv1.conv.weight",
/// "conv1.bn.running_mean" ...), plus the input statistics and architecture, pickled in the zip
/// format of torch.save: {"state_dict": {name: tensor}, "mean": tensor, "std": tensor,
/// "backbone": str, "width": int, "in_channels": int, "image_size": int, "format": 1}. A ResNet-18's
/// names are torchvision's ("conv1.weight", "bn1.*", "layer2.0.downsample.0.weight" ...), so that
/// torchvision.models.resnet18 with the CIFAR stem loads it (tests/interop/encoder_interop.py).
void exportEncoder(const std::string& path, const models::BackboneImpl& backbone, const torch::Tensor& mean,
                   const torch::Tensor& std);

}  // namespace pretext::eval

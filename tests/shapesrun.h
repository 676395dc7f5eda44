// The short training run on the synthetic shapes that the core and the widget tests share. No torch
// here: widget tests include it too (ARCHITECTURE.md, "Layers").
#pragma once

#include <pretext/methods.h>
#include <pretext/training.h>

#include <string>

namespace testrun {

/// `method` on the synthetic shapes (RGB 32x32, 8 classes, `perClass` training images of each): a
/// ConvNet of width 8 (or the backbone the method cannot do without), 2 epochs of batches of 32 on
/// 2 threads, written to `outDir` (empty: nothing written).
inline pretext::TrainConfig shapesRun(const std::string& method, int perClass, const std::string& outDir = "") {
  pretext::TrainConfig c;
  c.dataset.kind = "shapes";
  c.dataset.shapesPerClass = perClass;
  c.method = method;
  const std::string& required = pretext::methodInfo(method).requiredBackbone;
  c.backbone = required.empty() ? "convnet" : required;
  c.backboneWidth = 8;
  c.epochs = 2;
  c.batchSize = 32;
  c.threads = 2;
  c.outDir = outDir;
  return c;
}

}  // namespace testrun

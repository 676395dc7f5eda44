#include "train/checkpoint.h"

#include "io/fileutil.h"

#include <sstream>

namespace pretext::train {

void saveCheckpoint(const std::string& path, torch::nn::Module& method, torch::optim::Optimizer* optimizer,
                    const TrainingPosition& position) {
  torch::serialize::OutputArchive archive;
  torch::serialize::OutputArchive methodArchive;
  method.save(methodArchive);
  archive.write("method", methodArchive);
  if (optimizer) {
    torch::serialize::OutputArchive optimizerArchive;
    optimizer->save(optimizerArchive);
    archive.write("optimizer", optimizerArchive);
  }
  archive.write("format", torch::tensor(int64_t(1)));
  archive.write("epoch", torch::tensor(position.epoch));
  archive.write("step", torch::tensor(position.step));
  archive.write("global_step", torch::tensor(position.globalStep));
  if (position.permutation.defined()) archive.write("permutation", position.permutation.to(torch::kCPU));
  if (position.cpuRng.defined()) archive.write("cpu_rng", position.cpuRng);
  if (position.deviceRng.defined()) archive.write("device_rng", position.deviceRng.to(torch::kCPU));
  std::ostringstream bytes;
  archive.save_to(bytes);
  const std::string data = bytes.str();
  io::writeFileAtomic(path, data.data(), data.size());
}

TrainingPosition loadCheckpoint(const std::string& path, torch::nn::Module& method, torch::optim::Optimizer* optimizer,
                                const torch::Device& device) {
  if (!io::fileExists(path)) throw std::runtime_error("checkpoint " + path + " not found");
  TrainingPosition position;
  try {
    torch::serialize::InputArchive archive;
    archive.load_from(path, device);
    torch::serialize::InputArchive methodArchive;
    archive.read("method", methodArchive);
    method.load(methodArchive);
    if (optimizer) {
      torch::serialize::InputArchive optimizerArchive;
      if (archive.try_read("optimizer", optimizerArchive)) optimizer->load(optimizerArchive);
    }
    torch::Tensor t;
    archive.read("epoch", t);
    position.epoch = t.item<int64_t>();
    archive.read("step", t);
    position.step = t.item<int64_t>();
    archive.read("global_step", t);
    position.globalStep = t.item<int64_t>();
    if (archive.try_read("permutation", t)) position.permutation = t.to(torch::kCPU);
    torch::Tensor rng;
    if (archive.try_read("cpu_rng", rng)) position.cpuRng = rng.to(torch::kCPU);
    torch::Tensor deviceRng;
    if (archive.try_read("device_rng", deviceRng)) position.deviceRng = deviceRng.to(torch::kCPU);
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    throw std::runtime_error("checkpoint " + path + " cannot be read (truncated, corrupt, or written by another "
                             "configuration): " + what.substr(0, 300));
  }
  return position;
}

}  // namespace pretext::train

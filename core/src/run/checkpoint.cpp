#include "run/checkpoint.h"

#include "io/archive.h"
#include "io/fileutil.h"
#include "run/compat.h"

#include <stdexcept>

namespace pretext::train {

namespace {
struct Corrupt : std::runtime_error {
  using std::runtime_error::runtime_error;
};
}  // namespace

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
  // Only data-parallel runs say how many processes wrote them: a single process's checkpoint is as before.
  if (position.worldSize > 1) archive.write("world_size", torch::tensor(position.worldSize));
  if (position.permutation.defined()) archive.write("permutation", position.permutation.to(torch::kCPU));
  if (position.cpuRng.defined()) archive.write("cpu_rng", position.cpuRng);
  if (position.deviceRng.defined()) archive.write("device_rng", position.deviceRng.to(torch::kCPU));
  io::writeArchiveAtomic(path, archive);
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
    // A corrupt file can hold tensors of any shape and type where the counters should be.
    auto counter = [&](const char* key) {
      torch::Tensor t;
      archive.read(key, t);
      if (t.numel() != 1 || t.scalar_type() != torch::kLong) throw Corrupt(std::string("'") + key + "' is not a count");
      const int64_t v = t.item<int64_t>();
      if (v < 0) throw Corrupt(std::string("'") + key + "' is negative");
      return v;
    };
    position.epoch = counter("epoch");
    position.step = counter("step");
    position.globalStep = counter("global_step");
    torch::Tensor t;
    if (archive.try_read("world_size", t)) {
      if (t.numel() != 1 || t.scalar_type() != torch::kLong || t.item<int64_t>() < 1) throw Corrupt("'world_size' is not a count");
      position.worldSize = t.item<int64_t>();
    }
    if (archive.try_read("permutation", t)) {
      if (t.dim() != 1 || t.scalar_type() != torch::kLong) throw Corrupt("'permutation' is not an int64 vector");
      position.permutation = t.to(torch::kCPU);
    }
    const auto rngState = [](const torch::Tensor& r, const torch::Tensor& like, const char* key) {
      if (r.dim() != 1 || r.scalar_type() != torch::kByte || (like.defined() && r.numel() != like.numel())) {
        throw Corrupt(std::string("'") + key + "' is not a generator state");
      }
      return r.to(torch::kCPU);
    };
    torch::Tensor rng;
    if (archive.try_read("cpu_rng", rng)) {
      position.cpuRng = rngState(rng, compat::defaultGenerator(torch::kCPU).get_state(), "cpu_rng");
    }
    torch::Tensor deviceRng;
    if (archive.try_read("device_rng", deviceRng)) position.deviceRng = rngState(deviceRng, {}, "device_rng");
  } catch (const c10::Error& e) {
    std::string what = e.what_without_backtrace();
    throw std::runtime_error("checkpoint " + path + " cannot be read (truncated, corrupt, or written by another "
                             "configuration): " + what.substr(0, 300));
  } catch (const std::exception& e) {
    // Corrupt, and whatever else LibTorch's reader throws outside c10::Error.
    throw std::runtime_error("checkpoint " + path + " cannot be read (truncated, corrupt, or written by another "
                             "configuration): " + std::string(e.what()).substr(0, 300));
  }
  return position;
}

}  // namespace pretext::train

// What each reader promises for ANY input, written once and used twice: by the libFuzzer targets
// (fuzz_*.cpp, which crash on a broken promise so that libFuzzer keeps the input) and by
// tst_reliability, which replays every input kept in tests/fuzz/regressions/<target>/.
// Each contract returns "" when the promise holds, else what went wrong.
#pragma once

#include "datasets/datasetdata.h"
#include "run/checkpoint.h"

#include <pretext/dataset.h>
#include <pretext/image.h>
#include <pretext/training.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <typeinfo>
#include <unistd.h>

namespace contracts {

/// A scratch folder per process (on /dev/shm when there is one), removed at exit.
inline const std::string& scratch() {
  static const std::string dir = [] {
    namespace fs = std::filesystem;
    const char* base = std::getenv("TMPDIR");
    const fs::path root = fs::path(base && *base ? base : (fs::exists("/dev/shm") ? "/dev/shm" : "/tmp")) /
                          ("pretext-fuzz-" + std::to_string(::getpid()));
    fs::create_directories(root);
    static struct Cleanup {
      std::string path;
      ~Cleanup() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
      }
    } cleanup{root.string()};
    return root.string();
  }();
  return dir;
}

/// The readers take file names: writes `size` bytes to scratch()/name and returns the path.
inline std::string write(const std::string& name, const std::uint8_t* data, std::size_t size) {
  const std::string path = scratch() + "/" + name;
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), std::streamsize(size));
  out.close();
  if (!out) {
    std::fprintf(stderr, "fuzz harness: cannot write %s\n", path.c_str());
    std::abort();
  }
  return path;
}

/// For throwsOnly<Nothing>: no exception is allowed.
struct Nothing {};

/// Runs `read`: "" when it returns or throws the `Allowed` exception, else the unexpected exception.
template <typename Allowed>
std::string throwsOnly(const std::function<std::string()>& read) {
  try {
    return read();
  } catch (const Allowed&) {
    return "";
  } catch (const std::exception& e) {
    return std::string("unexpected ") + typeid(e).name() + ": " + e.what();
  }
}

/// IDX (MNIST, Fashion-MNIST), images and labels, plain or gzip: reads, or throws DatasetError.
inline std::string idx(const std::uint8_t* data, std::size_t size) {
  const bool gz = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  const std::string path = write(gz ? "x-idx-ubyte.gz" : "x-idx-ubyte", data, size);
  std::string failure = throwsOnly<pretext::DatasetError>([&] {
    return pretext::datasets::readIdxImages(path).dim() == 4 ? "" : "images are not [N, 1, H, W]";
  });
  if (failure.empty()) {
    failure = throwsOnly<pretext::DatasetError>([&] {
      return pretext::datasets::readIdxLabels(path).dim() == 1 ? "" : "labels are not [N]";
    });
  }
  return failure;
}

/// CIFAR-10 and CIFAR-100 binary batches: reads, or throws DatasetError.
inline std::string cifar(const std::uint8_t* data, std::size_t size) {
  const std::string path = write("data_batch_1.bin", data, size);
  for (const bool cifar100 : {false, true}) {
    const std::string failure = throwsOnly<pretext::DatasetError>([&] {
      const auto s = pretext::datasets::readCifarFile(path, cifar100);
      return s.images.size(0) == s.labels.size(0) ? "" : "image and label counts differ";
    });
    if (!failure.empty()) return failure;
  }
  return "";
}

/// STL-10: the first byte says how many of the last bytes form the label file (0-3; 0: an
/// unlabelled split), the rest is the image file. Reads, or throws DatasetError.
inline std::string stl10(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return "";
  const std::size_t labels = std::min<std::size_t>(data[0] & 3u, size - 1);
  const std::string x = write("train_X.bin", data + 1, size - 1 - labels);
  const std::string y = labels ? write("train_y.bin", data + size - labels, labels) : "";
  return throwsOnly<pretext::DatasetError>([&] {
    const auto s = pretext::datasets::readStlSplit(x, y, pretext::Split::Train);
    return s.images.size(0) == s.labels.size(0) && s.images.size(2) == 96 ? "" : "bad shapes";
  });
}

/// Image folders: root/cat/img.<ext> decoded by OpenCV and resized (the first byte picks the
/// extension, so the PNG, JPEG and BMP decoders are all reached, and the size). Loads one image
/// of the asked size, or throws DatasetError.
inline std::string imageFolder(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return "";
  static const char* kExt[] = {".png", ".jpg", ".bmp", ".jpeg"};
  const std::string root = scratch() + "/folder";
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
  std::filesystem::create_directories(root + "/cat");
  write(std::string("folder/cat/img") + kExt[data[0] & 3u], data + 1, size - 1);
  pretext::DatasetSpec spec;
  spec.kind = "folder";
  spec.path = root;
  spec.imageSize = 8 + (data[0] >> 2) % 25;  // 8..32
  return throwsOnly<pretext::DatasetError>([&] {
    const pretext::Dataset ds = pretext::Dataset::load(spec);
    return ds.size(pretext::Split::Train) == 1 && ds.width() == spec.imageSize ? "" : "wrong size";
  });
}

/// config.json: configFromJson reads it or throws std::runtime_error (malformed JSON included:
/// nlohmann-json's own exceptions do not escape); a config that reads writes a config.json that
/// reads back to the same config.json.
inline std::string config(const std::uint8_t* data, std::size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  return throwsOnly<std::runtime_error>([&] {
    const std::string written = pretext::configToJson(pretext::configFromJson(text));
    return pretext::configToJson(pretext::configFromJson(written)) == written ? "" : "config round trip differs: " + written;
  });
}

/// The module and optimizer a fuzzed checkpoint is loaded into.
struct TinyImpl : torch::nn::Module {
  TinyImpl() {
    fc = register_module("fc", torch::nn::Linear(3, 2));
    centre = register_buffer("centre", torch::zeros({2}));
  }
  torch::nn::Linear fc{nullptr};
  torch::Tensor centre;
};
TORCH_MODULE(Tiny);

struct CheckpointFixture {
  Tiny model;
  torch::optim::SGD optimizer{model->parameters(), torch::optim::SGDOptions(0.1).momentum(0.9)};
  CheckpointFixture() {
    optimizer.zero_grad();  // one step, so that there are momentum buffers to save
    model->fc(torch::ones({4, 3})).sum().backward();
    optimizer.step();
  }
  static CheckpointFixture& get() {
    static CheckpointFixture f;
    return f;
  }
  /// A valid checkpoint of this module (the seed of the fuzz corpus).
  void save(const std::string& path) {
    pretext::train::TrainingPosition position;
    position.epoch = 1;
    position.step = 2;
    position.globalStep = 7;
    position.permutation = torch::randperm(8, torch::kLong);
    position.cpuRng = at::globalContext().defaultGenerator(torch::kCPU).get_state();
    pretext::train::saveCheckpoint(path, *model, &optimizer, position);
  }
};

/// Checkpoints (LibTorch's archive, then our checks of the position): load, or throw
/// std::runtime_error naming the file.
inline std::string checkpoint(const std::uint8_t* data, std::size_t size) {
  const std::string path = write("last.pt", data, size);
  auto& f = CheckpointFixture::get();
  return throwsOnly<std::runtime_error>([&] {
    const auto p = pretext::train::loadCheckpoint(path, *f.model, &f.optimizer, torch::kCPU);
    return p.epoch >= 0 && p.step >= 0 && p.globalStep >= 0 ? "" : "negative position";
  });
}

/// Prepared datasets (pretext-cli prepare): manifest.json and its .npy arrays, memory-mapped. The
/// input is [u16 m][m bytes: manifest.json][u32 k][k bytes: train_images.npy][the rest:
/// train_labels.npy] (lengths little-endian, cut to what is there). Loads with shapes that agree
/// with the manifest, or throws DatasetError.
inline std::string prepared(const std::uint8_t* data, std::size_t size) {
  auto take = [&](std::size_t& at, std::size_t lengthBytes) {
    std::size_t n = 0;
    for (std::size_t i = 0; i < lengthBytes && at < size; ++i, ++at) n |= std::size_t(data[at]) << (8 * i);
    return std::min(n, size - at);
  };
  std::size_t at = 0;
  const std::size_t m = take(at, 2);
  const std::string root = scratch() + "/prepared";
  std::error_code ec;
  std::filesystem::remove_all(root, ec);
  std::filesystem::create_directories(root);
  write("prepared/manifest.json", data + at, m);
  at += m;
  const std::size_t k = take(at, 4);
  write("prepared/train_images.npy", data + at, k);
  at += k;
  write("prepared/train_labels.npy", data + at, size - at);
  pretext::DatasetSpec spec;
  spec.kind = "prepared";
  spec.path = root;
  return throwsOnly<pretext::DatasetError>([&] {
    const pretext::Dataset ds = pretext::Dataset::load(spec);
    for (const auto& s : ds.data().splits) {
      if (s.images.size(0) != s.labels.size(0) || s.images.size(1) != ds.channels()) return "split shapes disagree";
      if (s.images.numel() > 0) (void)s.images.view(-1)[s.images.numel() - 1].item<std::uint8_t>();  // the last byte is there
    }
    return "";
  });
}

}  // namespace contracts

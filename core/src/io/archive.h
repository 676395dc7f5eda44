// Writing a LibTorch archive (a checkpoint, the monitor's features, the initial filters) to a file
// atomically, as io::writeFileAtomic writes bytes: a crash leaves the old file or the new one.
#pragma once

#include "io/fileutil.h"

#include <torch/torch.h>

#include <sstream>
#include <string>

namespace pretext::io {

/// Serializes `archive` and writes it to `path` with writeFileAtomic (which throws naming the path).
inline void writeArchiveAtomic(const std::string& path, torch::serialize::OutputArchive& archive) {
  std::ostringstream bytes;
  archive.save_to(bytes);
  const std::string data = bytes.str();
  writeFileAtomic(path, data.data(), data.size());
}

}  // namespace pretext::io

// libFuzzer target: contracts::imageFolder (see contracts.h for what it promises).
#include "contracts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string failure = contracts::imageFolder(data, size);
  if (!failure.empty()) {
    std::fprintf(stderr, "fuzz_imagefolder: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}

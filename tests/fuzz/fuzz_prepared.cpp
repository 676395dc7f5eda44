// libFuzzer target: contracts::prepared (see contracts.h for what it promises).
#include "contracts.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string failure = contracts::prepared(data, size);
  if (!failure.empty()) {
    std::fprintf(stderr, "fuzz_prepared: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}

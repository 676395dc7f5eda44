// libFuzzer target: contracts::checkpoint (see contracts.h for what it promises). With
// PRETEXT_FUZZ_SEED set to a folder, a valid checkpoint of the fixture is written there first.
#include "contracts.h"

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  at::set_num_threads(1);
  if (const char* seed = std::getenv("PRETEXT_FUZZ_SEED"); seed && *seed) {
    std::filesystem::create_directories(seed);
    contracts::CheckpointFixture::get().save(std::string(seed) + "/valid.pt");
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string failure = contracts::checkpoint(data, size);
  if (!failure.empty()) {
    std::fprintf(stderr, "fuzz_checkpoint: %s\n", failure.c_str());
    std::abort();
  }
  return 0;
}

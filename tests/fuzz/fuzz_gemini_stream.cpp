// libFuzzer target: the Gemini stream decoder on any body, fed whole and in data-driven pieces
// (see provider_fuzz.h for the invariants). Seeds: tests/fuzz/corpus/fuzz_gemini_stream.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "provider_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  prsm::fuzz::FuzzStream(prsm::fuzz::Vendor::kGemini, prsm::fuzz::AsText(data, size));
  return 0;
}

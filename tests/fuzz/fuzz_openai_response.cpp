// libFuzzer target: the OpenAI codec's ParseResponse and ParseError on any body
// (see provider_fuzz.h for the invariants). Seeds: tests/fuzz/corpus/fuzz_openai_response.
#include <cstddef>
#include <cstdint>

#include "fuzz_check.h"
#include "provider_fuzz.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  prsm::fuzz::FuzzResponse(prsm::fuzz::Vendor::kOpenAI, prsm::fuzz::AsText(data, size));
  return 0;
}

// tests/fuzz/provider_fuzz.h — the bodies of the provider fuzz targets: one vendor's
// ParseResponse and ParseError on a response body, and its StreamDecoder on a streaming body.
//
// Why a module: the four vendors' codecs promise the same things (provider.h), so their targets
// check the same invariants; each fuzz_<vendor>_{response,stream}.cpp only names its vendor.
// Azure OpenAI and OpenAI-compatible servers share the OpenAI codec, so the OpenAI targets cover
// them.
//
// Invariants checked (a broken one aborts, see fuzz_check.h):
// - every error has a code, a message, the provider's id, and never the API key;
// - ParseError keeps the HTTP status it was given;
// - a stream decoder fed the input in data-driven pieces gives the same events and the same
//   outcome (completion, or error code) as when fed it whole; after an error it adds no event
//   and Finish fails.
//
// Thread safety: one fuzzing thread (libFuzzer's). Errors: none returned; see above.
#ifndef PRSM_TESTS_FUZZ_PROVIDER_FUZZ_H_
#define PRSM_TESTS_FUZZ_PROVIDER_FUZZ_H_

#include <string_view>

namespace prsm::fuzz {

enum class Vendor { kOpenAI, kAnthropic, kGemini, kOllama };

/// `body` as a 200 response to ParseResponse, and as an error response (a status chosen from
/// the input's hash) to ParseError.
void FuzzResponse(Vendor vendor, std::string_view body);

/// `body` as a 200 streaming response, fed whole and in pieces (SplitInput), then finished.
void FuzzStream(Vendor vendor, std::string_view body);

}  // namespace prsm::fuzz

#endif  // PRSM_TESTS_FUZZ_PROVIDER_FUZZ_H_

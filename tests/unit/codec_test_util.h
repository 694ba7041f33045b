// tests/unit/codec_test_util.h — what the codec tests (openai, anthropic, gemini and ollama codec
// tests, the OpenAI stream and Azure tests) share: golden files, JSON compared as documents,
// environment variables set for a scope, providers built and requests, responses and streams run
// through them, and the checks that an API key never shows in an error.
//
// Why a module: each codec's tests had copied these helpers from the others'. They are Catch2
// helpers: a failed REQUIRE or FAIL inside them fails the calling test.
#ifndef PRSM_TESTS_UNIT_CODEC_TEST_UTIL_H_
#define PRSM_TESTS_UNIT_CODEC_TEST_UTIL_H_

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <catch2/catch.hpp>

#include "prsm/provider.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::test {

/// The golden file tests/data/<vendor>/<name>, whole; the test fails when it cannot be read.
std::string ReadGolden(std::string_view vendor, std::string_view name);

/// Compares two JSON texts as documents: member order and whitespace do not matter, numbers
/// compare by value, everything else exactly.
void RequireSameJson(const std::string& actual, const std::string& expected);

/// Sets (or unsets, for nullopt) an environment variable for one scope, then restores it.
class ScopedEnv {
 public:
  ScopedEnv(std::string name, std::optional<std::string> value);
  ~ScopedEnv();
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_;
  std::optional<std::string> old_;
};

/// The error of a result that must have failed.
template <typename T>
Error ErrorOf(Result<T> result) {
  REQUIRE_FALSE(result.has_value());
  return std::move(result).error();
}

/// The provider a factory made; the test fails on an error.
std::shared_ptr<const Provider> RequireProvider(Result<std::shared_ptr<const Provider>> made);

/// A request with `model` and one user message.
CompletionRequest UserRequest(std::string model, std::string text);

/// The request `provider` builds; the test fails on an error.
HttpRequest Built(const std::shared_ptr<const Provider>& provider,
                  const CompletionRequest& request);

/// The value of the header `name` (exact case), or nullptr.
const std::string* FindHeader(const HttpRequest& request, std::string_view name);

/// `provider`'s Completion for a response with `body`; the test fails on an error.
Completion ParsedBody(const std::shared_ptr<const Provider>& provider, std::string body,
                      int status = 200);

/// `provider`'s error for a response with `body`, which must fail.
Error ParseFailure(const std::shared_ptr<const Provider>& provider, std::string body,
                   int status = 200);

/// `provider`'s refinement of `mapped` for an error response with `status` and `body`.
Error Refined(const std::shared_ptr<const Provider>& provider, int status, std::string body,
              Error mapped);

// --- streams ---------------------------------------------------------------------------------

/// What a decoder made of a stream fed in pieces.
struct Decoded {
  std::vector<StreamEvent> events;
  /// The first Feed error; feeding stops there.
  Result<void> fed;
  /// Finish's result, or, when feeding failed (and Finish was not called after it), that error.
  Result<Completion> completion = Error(ErrorCode::kUnknown, "not finished");
};

/// Feeds `pieces` in order to a new decoder of `provider`, then finishes. After a Feed error,
/// Finish is called only when `finish_after_error` is set.
Decoded Decode(const std::shared_ptr<const Provider>& provider,
               const std::vector<std::string_view>& pieces, bool finish_after_error = false);

/// `stream` cut at the byte offsets `cuts` (ascending).
std::vector<std::string_view> CutAt(std::string_view stream, const std::vector<std::size_t>& cuts);

/// One line per event (every event field a codec sets), or per completion: so that two runs
/// compare as strings.
std::string Describe(const StreamEvent& event);
std::string Describe(const std::vector<StreamEvent>& events);
std::string Describe(const Completion& completion);
/// The completion, or the error's ToString().
std::string Describe(const Result<Completion>& result);

/// Every split of `stream` in two, and a byte-by-byte feed, give the whole feed's events and
/// completion (or error). Returns the whole feed's result.
Decoded RequireSplitInvariant(const std::shared_ptr<const Provider>& provider,
                              const std::string& stream);

// --- the API key ------------------------------------------------------------------------------

/// `filler` bytes before `key`: quoted in an error and cut at 64 bytes, the key would straddle
/// the cut, so that a codec that cuts before it redacts leaves a fragment of the key behind.
std::string Straddling(std::string_view key, std::size_t filler = 40);

/// Checks that no error shows `key`, nor its first `prefix_bytes` bytes (a key cut short).
void CheckKeyNeverShown(const std::vector<Error>& errors, std::string_view key,
                        std::size_t prefix_bytes = 16);

}  // namespace prsm::test

#endif  // PRSM_TESTS_UNIT_CODEC_TEST_UTIL_H_

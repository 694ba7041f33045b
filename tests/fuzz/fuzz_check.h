// tests/fuzz/fuzz_check.h — what every prsm fuzz target shares: the invariant check that turns a
// broken promise into a crash libFuzzer keeps, and the data-driven split of an input into the
// pieces a streaming parser is fed.
//
// Why a module: a stream decoder must give the same result however its body is cut, so every
// stream target cuts the same way; the cut is derived from the input's own bytes (a hash), so an
// input replays identically and the golden files stay usable, unmodified, as seeds.
//
// Thread safety: stateless functions. Errors: a failed check prints what broke and aborts (which
// libFuzzer reports as a crash and saves the input).
#ifndef PRSM_TESTS_FUZZ_FUZZ_CHECK_H_
#define PRSM_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/status.h"

namespace prsm::fuzz {

/// Prints "<file>:<line>: invariant broken: <what> (<detail>)" to stderr and aborts.
[[noreturn]] void FailCheck(const char* file, int line, const char* what, std::string_view detail);

/// The fuzzer's bytes as text.
inline std::string_view AsText(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};  // NOLINT(*-reinterpret-cast): bytes
}

/// FNV-1a of `bytes`: the seed of everything a target derives from its input.
std::uint64_t Hash(std::string_view bytes) noexcept;

/// `input` cut into consecutive pieces (some may be empty) whose sizes follow a sequence seeded
/// by Hash(input): mostly 1-8 bytes, sometimes up to 64 or a few hundred, so that every kind of
/// boundary (inside a CRLF, a UTF-8 sequence, a JSON token, a field name) gets cut. The pieces
/// concatenate to `input`.
std::vector<std::string_view> SplitInput(std::string_view input);

/// Checks what every error prsm returns promises: a code other than kOk and a non-empty
/// message, and that `secret` (an API key; ignored when empty) appears neither in the message
/// nor in ToString().
void CheckError(const Error& error, std::string_view secret, const char* where);

}  // namespace prsm::fuzz

/// Aborts with `what` when `condition` is false; `detail` is any std::string_view-convertible.
#define PRSM_FUZZ_CHECK(condition, detail)                               \
  do {                                                                   \
    if (!(condition)) {                                                  \
      ::prsm::fuzz::FailCheck(__FILE__, __LINE__, #condition, (detail)); \
    }                                                                    \
  } while (false)

#endif  // PRSM_TESTS_FUZZ_FUZZ_CHECK_H_

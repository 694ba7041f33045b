// What every fuzz target shares; see fuzz_check.h.
#include "fuzz_check.h"

#include <cstdio>
#include <cstdlib>

namespace prsm::fuzz {

void FailCheck(const char* file, int line, const char* what, std::string_view detail) {
  std::fprintf(stderr, "%s:%d: invariant broken: %s (%.*s)\n", file, line, what,
               static_cast<int>(detail.size()), detail.data());
  std::abort();
}

std::uint64_t Hash(std::string_view bytes) noexcept {
  std::uint64_t hash = 14695981039346656037ULL;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ULL;
  }
  return hash;
}

namespace {

// splitmix64: a full-period sequence, good enough to vary cut sizes and cheap.
std::uint64_t Next(std::uint64_t& state) noexcept {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30U)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27U)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31U);
}

}  // namespace

std::vector<std::string_view> SplitInput(std::string_view input) {
  std::vector<std::string_view> pieces;
  std::uint64_t state = Hash(input);
  while (!input.empty()) {
    const std::uint64_t draw = Next(state);
    std::size_t size = 0;
    switch (draw % 8) {
      case 0:
        size = 0;
        break;  // an empty Feed is allowed too
      case 1:
        size = 64 + (draw >> 8U) % 448;
        break;  // a big read
      case 2:
        size = 9 + (draw >> 8U) % 56;
        break;
      default:
        size = 1 + (draw >> 8U) % 8;
        break;
    }
    if (size > input.size()) size = input.size();
    pieces.push_back(input.substr(0, size));
    input.remove_prefix(size);
  }
  return pieces;
}

void CheckError(const Error& error, std::string_view secret, const char* where) {
  PRSM_FUZZ_CHECK(error.code() != ErrorCode::kOk, where);
  PRSM_FUZZ_CHECK(!error.message().empty(), where);
  if (!secret.empty()) {
    PRSM_FUZZ_CHECK(error.message().find(secret) == std::string::npos, error.message());
    PRSM_FUZZ_CHECK(error.ToString().find(secret) == std::string::npos, error.ToString());
  }
}

}  // namespace prsm::fuzz

#include "observe/trace_id.h"

#include <cstdint>
#include <random>

namespace prsm::internal {
namespace {

bool IsLowerHex(std::string_view id, std::size_t length) noexcept {
  if (id.size() != length) return false;
  bool any_nonzero = false;
  for (char c : id) {
    const bool digit = c >= '0' && c <= '9';
    const bool letter = c >= 'a' && c <= 'f';
    if (!digit && !letter) return false;
    any_nonzero = any_nonzero || c != '0';
  }
  return any_nonzero;  // the all-zero id is invalid in W3C Trace Context
}

std::uint64_t RandomNonZero() {
  // One engine per thread: ids are made on the loop thread, but nothing here assumes it.
  thread_local std::mt19937_64 engine{[] {
    std::random_device device;
    return (static_cast<std::uint64_t>(device()) << 32) ^ device();
  }()};
  std::uint64_t value = 0;
  while (value == 0) value = engine();
  return value;
}

void AppendHex(std::string& out, std::uint64_t value) {
  static constexpr char kDigits[] = "0123456789abcdef";
  for (int shift = 60; shift >= 0; shift -= 4) out += kDigits[(value >> shift) & 0xF];
}

}  // namespace

bool IsValidTraceId(std::string_view id) noexcept { return IsLowerHex(id, 32); }

bool IsValidSpanId(std::string_view id) noexcept { return IsLowerHex(id, 16); }

std::string NewTraceId() {
  std::string id;
  id.reserve(32);
  AppendHex(id, RandomNonZero());
  AppendHex(id, RandomNonZero());
  return id;
}

std::string NewSpanId() {
  std::string id;
  id.reserve(16);
  AppendHex(id, RandomNonZero());
  return id;
}

std::string Traceparent(std::string_view trace_id, std::string_view span_id) {
  std::string header;
  header.reserve(55);
  header += "00-";
  header += trace_id;
  header += '-';
  header += span_id;
  header += "-01";
  return header;
}

}  // namespace prsm::internal

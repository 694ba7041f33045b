#include "text_pieces.h"

#include <algorithm>

namespace prsm::testing::fake {
namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

bool IsContinuation(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

// The end of the code point starting at `pos`.
std::size_t NextCodePoint(std::string_view text, std::size_t pos) {
  ++pos;
  while (pos < text.size() && IsContinuation(text[pos])) ++pos;
  return pos;
}

std::vector<std::string_view> SplitWords(std::string_view text) {
  std::vector<std::string_view> pieces;
  std::size_t start = 0;
  std::size_t pos = 0;
  // The first piece: any leading whitespace and the first word.
  while (pos < text.size() && IsSpace(text[pos])) ++pos;
  while (pos < text.size() && !IsSpace(text[pos])) ++pos;
  for (;;) {
    std::size_t next = pos;
    while (next < text.size() && IsSpace(text[next])) ++next;
    if (next == text.size()) break;  // Only whitespace left: it stays with the current piece.
    pieces.push_back(text.substr(start, pos - start));
    start = pos;
    pos = next;
    while (pos < text.size() && !IsSpace(text[pos])) ++pos;
  }
  pieces.push_back(text.substr(start));
  return pieces;
}

std::vector<std::string_view> SplitEvenly(std::string_view text, std::size_t count) {
  std::size_t code_points = 0;
  for (std::size_t pos = 0; pos < text.size(); pos = NextCodePoint(text, pos)) ++code_points;
  const std::size_t n = std::min(count, code_points);
  std::vector<std::string_view> pieces;
  pieces.reserve(n);
  std::size_t start = 0;
  for (std::size_t i = 0; i < n; ++i) {
    const std::size_t take = code_points / n + (i < code_points % n ? 1 : 0);
    std::size_t end = start;
    for (std::size_t k = 0; k < take; ++k) end = NextCodePoint(text, end);
    pieces.push_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

}  // namespace

std::vector<std::string_view> SplitText(std::string_view text, std::size_t count) {
  if (text.empty()) return {};
  return count == 0 ? SplitWords(text) : SplitEvenly(text, count);
}

std::vector<std::string_view> SplitArguments(std::string_view arguments) {
  std::vector<std::string_view> fragments;
  std::size_t start = 0;
  while (start < arguments.size()) {
    std::size_t end = std::min(start + kArgumentFragmentBytes, arguments.size());
    while (end < arguments.size() && IsContinuation(arguments[end])) ++end;
    fragments.push_back(arguments.substr(start, end - start));
    start = end;
  }
  return fragments;
}

}  // namespace prsm::testing::fake

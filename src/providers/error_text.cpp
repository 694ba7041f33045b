// Safe text for error messages; see error_text.h.
#include "providers/error_text.h"

#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "json/json_read.h"  // FindInvalidUtf8

namespace prsm::providers {

namespace {
constexpr std::string_view kRedacted = "[REDACTED]";
}  // namespace

std::string SanitizeForMessage(std::string_view text, std::size_t max_bytes) {
  std::string out;
  out.reserve(std::min(text.size(), max_bytes) + 3);
  std::size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<unsigned char>(text[i]);
    std::size_t length = 1;
    std::string_view piece = text.substr(i, 1);
    if (byte < 0x20 || byte == 0x7F) {
      piece = " ";
    } else if (byte >= 0x80) {
      // Keep a whole valid UTF-8 character, or replace one bad byte.
      const std::size_t limit = std::min<std::size_t>(4, text.size() - i);
      length = 0;
      for (std::size_t n = 2; n <= limit && length == 0; ++n) {
        if (!json::FindInvalidUtf8(text.substr(i, n))) length = n;
      }
      piece = length == 0 ? std::string_view("?") : text.substr(i, length);
      if (length == 0) length = 1;
    }
    if (piece == " " && (out.empty() || out.back() == ' ')) {
      i += length;
      continue;  // collapse runs of whitespace, drop leading whitespace
    }
    if (out.size() + piece.size() > max_bytes) {
      while (!out.empty() && out.back() == ' ') out.pop_back();
      out.append("...");
      return out;
    }
    out.append(piece);
    i += length;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

namespace {

bool IsTokenByte(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_';
}

// The part of `secret` whose presence in a text means the secret leaked.
std::string_view HeadOf(std::string_view secret) {
  return secret.substr(0, std::min(secret.size(), kSecretPrefixBytes));
}

}  // namespace

void RedactSecret(std::string& text, std::string_view secret) {
  if (secret.empty()) return;
  const std::string_view head = HeadOf(secret);
  for (std::size_t at = text.find(head); at != std::string::npos;
       at = text.find(head, at + kRedacted.size())) {
    std::size_t end = at + head.size();
    if (text.compare(at, secret.size(), secret) == 0) {
      end = at + secret.size();  // the whole key: exactly it
    } else {
      while (end < text.size() && IsTokenByte(text[end])) ++end;  // the key cut short
    }
    text.replace(at, end - at, kRedacted);
  }
}

std::string Excerpt(std::string_view text, std::string_view secret, std::size_t max_bytes) {
  if (secret.empty() || text.find(HeadOf(secret)) == std::string_view::npos) {
    return SanitizeForMessage(text, max_bytes);
  }
  std::string raw(text);
  RedactSecret(raw, secret);
  return SanitizeForMessage(raw, max_bytes);
}

std::string Quoted(std::string_view text, std::string_view secret, std::size_t max_bytes) {
  return fmt::format("'{}'", Excerpt(text, secret, max_bytes));
}

Error Invalid(std::string message) {
  return Error(ErrorCode::kInvalidArgument, std::move(message));
}

}  // namespace prsm::providers

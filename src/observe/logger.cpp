#include "observe/logger.h"

#include <algorithm>
#include <cctype>
#include <utility>

namespace prsm::internal {
namespace {

constexpr std::string_view kRedacted = "[REDACTED]";

std::string Lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

void ReplaceAll(std::string& text, std::string_view needle) {
  if (needle.empty()) return;
  for (std::size_t at = text.find(needle); at != std::string::npos;
       at = text.find(needle, at + kRedacted.size())) {
    text.replace(at, needle.size(), kRedacted);
  }
}

void RedactBearer(std::string& text) {
  // "Bearer sk-..." anywhere (case-insensitive): the credential ends at whitespace or a quote.
  const std::string lower = Lower(text);
  std::string out;
  std::size_t copied = 0;
  for (std::size_t at = lower.find("bearer "); at != std::string::npos;
       at = lower.find("bearer ", at + 7)) {
    std::size_t start = at + 7;
    while (start < text.size() && text[start] == ' ') ++start;
    std::size_t end = start;
    while (end < text.size() && !std::isspace(static_cast<unsigned char>(text[end])) &&
           text[end] != '"' && text[end] != '\'') {
      ++end;
    }
    if (end == start) continue;
    out.append(text, copied, start - copied);
    out += kRedacted;
    copied = end;
  }
  if (copied == 0) return;
  out.append(text.substr(copied));
  text = std::move(out);
}

}  // namespace

bool IsSecretFieldName(std::string_view name) noexcept {
  std::string lower;
  try {
    lower = Lower(name);
  } catch (...) {
    return true;  // cannot tell: assume the worst
  }
  auto has = [&](std::string_view part) { return lower.find(part) != std::string::npos; };
  // "tokens" counts (input_tokens) are not secrets; a "token" is.
  const bool token = has("token") && !has("tokens");
  return token || has("key") || has("authorization") || has("secret") || has("password") ||
         has("cookie") || has("credential");
}

std::string Redact(std::string text, const std::vector<std::string>& secrets) {
  for (const std::string& secret : secrets) ReplaceAll(text, secret);
  RedactBearer(text);
  return text;
}

Logger::Logger(LogSink plain, StructuredLogSink structured, LogLevel min_level,
               std::vector<std::string> secrets)
    : plain_(std::move(plain)),
      structured_(std::move(structured)),
      min_level_(min_level),
      secrets_(std::move(secrets)) {
  // Longest first, so a secret containing another is replaced whole.
  secrets_.erase(std::remove(secrets_.begin(), secrets_.end(), std::string()), secrets_.end());
  std::sort(secrets_.begin(), secrets_.end(),
            [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

void Logger::Log(LogLevel level, std::string message,
                 std::map<std::string, std::string> fields) const {
  if (!Enabled(level)) return;
  try {
    LogRecord record;
    record.level = level;
    record.time = std::chrono::system_clock::now();
    record.message = Redact(std::move(message), secrets_);
    for (auto& [name, value] : fields) {
      value = IsSecretFieldName(name) ? std::string(kRedacted) : Redact(std::move(value), secrets_);
    }
    record.fields = std::move(fields);
    if (plain_) {
      if (record.fields.empty()) {
        plain_(level, record.message);
      } else {
        std::string line = record.message + " [";
        bool first = true;
        for (const auto& [name, value] : record.fields) {
          if (!first) line += ' ';
          line += name;
          line += '=';
          line += value;
          first = false;
        }
        line += ']';
        plain_(level, line);
      }
    }
    if (structured_) structured_(record);
  } catch (...) {
    // A failing sink must not take the loop down; there is nowhere left to report it.
  }
}

}  // namespace prsm::internal

// MakeJsonLinesLogSink: LogRecords as JSON lines (one object per line), for log shippers.
#include <cstdio>
#include <ctime>
#include <memory>
#include <string>
#include <utility>

#include <fmt/format.h>

#include "prsm/log.h"

namespace prsm {
namespace {

void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20) {
          out += fmt::format("\\u{:04x}", byte);
        } else {
          out += c;  // UTF-8 passes through as it is
        }
    }
  }
  out += '"';
}

std::string Timestamp(std::chrono::system_clock::time_point time) {
  const auto since_epoch = time.time_since_epoch();
  const auto seconds = std::chrono::duration_cast<std::chrono::seconds>(since_epoch);
  const auto millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(since_epoch - seconds).count();
  const auto t = static_cast<std::time_t>(seconds.count());
  std::tm utc{};
  gmtime_r(&t, &utc);
  char date[32];
  std::strftime(date, sizeof date, "%Y-%m-%dT%H:%M:%S", &utc);
  return fmt::format("{}.{:03}Z", date, millis < 0 ? 0 : millis);
}

std::string JsonLine(const LogRecord& record) {
  std::string line = "{\"time\":";
  AppendJsonString(line, Timestamp(record.time));
  line += ",\"level\":";
  AppendJsonString(line, ToString(record.level));
  line += ",\"message\":";
  AppendJsonString(line, record.message);
  for (const auto& [name, value] : record.fields) {
    line += ',';
    const bool reserved = name == "time" || name == "level" || name == "message";
    AppendJsonString(line, reserved ? "field." + name : name);
    line += ':';
    AppendJsonString(line, value);
  }
  line += "}\n";
  return line;
}

}  // namespace

std::string_view ToString(LogLevel level) noexcept {
  switch (level) {
    case LogLevel::kDebug:
      return "debug";
    case LogLevel::kInfo:
      return "info";
    case LogLevel::kWarning:
      return "warning";
    case LogLevel::kError:
      return "error";
  }
  return "unknown";
}

StructuredLogSink MakeJsonLinesLogSink(std::function<void(std::string_view line)> write) {
  return [write = std::move(write)](const LogRecord& record) {
    if (write) write(JsonLine(record));
  };
}

StructuredLogSink MakeJsonLinesLogSink(std::FILE* out) {
  return [out](const LogRecord& record) {
    if (out == nullptr) return;
    const std::string line = JsonLine(record);
    std::fwrite(line.data(), 1, line.size(), out);
    std::fflush(out);
  };
}

}  // namespace prsm

// prsm/log.h — prsm's diagnostics: plain lines (LogSink) and structured records (LogRecord).
//
// prsm never writes to stdout or stderr itself: a host that wants its diagnostics gives the
// orchestrator a sink (OrchestratorOptions::log_sink, ::structured_log_sink). Both receive the
// same records, filtered by OrchestratorOptions::min_log_level and redacted first: field values
// whose name looks like a secret (api_key, authorization, password, secret, token...) and every
// value listed in OrchestratorOptions::redact, wherever it appears in a message or field, are
// replaced by "[REDACTED]"; so are bearer credentials ("Bearer <anything>").
//
// Threading: sinks are called on the orchestrator's loop thread, one record at a time; they
// must not block (a blocking sink stalls every request). MakeJsonLinesLogSink's sink writes one
// line per record with one call to `write`.
//
// Errors: none; a sink that throws has the exception swallowed.
#ifndef PRSM_LOG_H_
#define PRSM_LOG_H_

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <string>
#include <string_view>

#include "prsm/export.h"

namespace prsm {

/// Severity of a log line.
enum class LogLevel : std::uint8_t { kDebug, kInfo, kWarning, kError };

/// "debug", "info", "warning" or "error".
PRSM_EXPORT std::string_view ToString(LogLevel level) noexcept;

/// Receives prsm's diagnostics. prsm itself never writes to stdout or stderr. Called on the
/// loop thread; must not block. Lines never contain API keys.
using LogSink = std::function<void(LogLevel level, std::string_view message)>;

/// One structured diagnostic. `fields` carry the context as text: e.g. request_id, trace_id,
/// model, provider, attempt, error_code, delay_ms. Already redacted when a sink sees it.
struct LogRecord {
  /// Its severity.
  LogLevel level = LogLevel::kInfo;
  /// The line for people (redacted).
  std::string message;
  /// The context, by field name (redacted).
  std::map<std::string, std::string> fields;
  /// When it was logged (wall clock).
  std::chrono::system_clock::time_point time;
};

/// Receives structured records (see the file comment for thread and redaction rules).
using StructuredLogSink = std::function<void(const LogRecord& record)>;

/// A sink writing each record as one JSON object on one line, ending in '\n':
/// `{"time":"2026-01-02T03:04:05.678Z","level":"info","message":"...","<field>":"<value>",...}`.
/// A field named time, level or message is written as "field.<name>". `write` receives each
/// whole line at once (so an O_APPEND file descriptor never interleaves lines).
PRSM_EXPORT StructuredLogSink
MakeJsonLinesLogSink(std::function<void(std::string_view line)> write);

/// The same writing to `out` (e.g. stderr), one fwrite and one fflush per line. `out` must
/// outlive the sink; prsm does not close it.
PRSM_EXPORT StructuredLogSink MakeJsonLinesLogSink(std::FILE* out);

}  // namespace prsm

#endif  // PRSM_LOG_H_

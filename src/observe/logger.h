// Logger: filters, redacts and fans prsm's diagnostics out to the host's sinks (prsm/log.h).
//
// Threading: immutable after construction; Log() may be called from any thread, and calls the
// sinks on that thread (prsm calls it on the loop thread only, as prsm/log.h promises).
// Errors: a sink that throws is ignored.
#ifndef PRSM_OBSERVE_LOGGER_H_
#define PRSM_OBSERVE_LOGGER_H_

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/log.h"

namespace prsm::internal {

/// True for field names that carry secrets: any containing (case-insensitively) "key",
/// "authorization", "secret", "password", "token" but not "tokens", "cookie" or "credential".
bool IsSecretFieldName(std::string_view name) noexcept;

/// `text` with every occurrence of each secret (non-empty ones only), and every bearer
/// credential ("Bearer <word>"), replaced by "[REDACTED]".
std::string Redact(std::string text, const std::vector<std::string>& secrets);

class Logger {
 public:
  Logger(LogSink plain, StructuredLogSink structured, LogLevel min_level,
         std::vector<std::string> secrets);

  /// Whether a record of `level` would reach a sink: check it before building costly ones.
  bool Enabled(LogLevel level) const noexcept {
    return (plain_ || structured_) && level >= min_level_;
  }

  /// Redacts, then gives the record to both sinks. The plain sink gets the message followed
  /// by the fields as " [name=value ...]".
  void Log(LogLevel level, std::string message,
           std::map<std::string, std::string> fields = {}) const;

 private:
  LogSink plain_;
  StructuredLogSink structured_;
  LogLevel min_level_;
  std::vector<std::string> secrets_;
};

}  // namespace prsm::internal

#endif  // PRSM_OBSERVE_LOGGER_H_

// prsm CLI: the JSON the tool prints (`--json`) and writes (batch result lines). One line per
// document, no raw control characters (RapidJSON escapes them), so every document is a valid
// JSON-lines record.
//
// Thread safety: pure functions. Errors: none (formatting cannot fail).
#ifndef PRSM_CLI_JSON_FORMAT_H_
#define PRSM_CLI_JSON_FORMAT_H_

#include <chrono>
#include <string>
#include <string_view>

#include <rapidjson/stringbuffer.h>
#include <rapidjson/writer.h>

#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm_cli {

using JsonWriter = rapidjson::Writer<rapidjson::StringBuffer>;

void WriteString(JsonWriter& out, std::string_view text);
/// {"input_tokens", "output_tokens", "cached_input_tokens", "cache_write_tokens",
/// "reasoning_tokens"}
void WriteUsage(JsonWriter& out, const prsm::Usage& usage);
/// {"code": "Unavailable", "message", "provider"?, "model"?, "http_status"?}
void WriteError(JsonWriter& out, const prsm::Error& error);
/// A finite number (NaN and infinities are written as 0).
void WriteNumber(JsonWriter& out, double value);
double Milliseconds(std::chrono::microseconds duration);

/// `prsm ask --json`: the whole Response (answer, model, usage, cost, latency, route,
/// consensus, every attempt), or {"error": {...}}. No trailing newline.
std::string ResponseJson(const prsm::Result<prsm::Response>& result);

/// One batch result line, newline included:
/// {"id", "answer", "model", "cost_usd", "latency_ms", "usage", "attempts"} on success;
/// {"id", "answer": null, "model": null, "cost_usd": 0, "latency_ms", "usage" (zeros),
/// "error": {...}} on failure, `measured` being the time from submission to the failure.
std::string BatchResultLine(std::string_view id, const prsm::Result<prsm::Response>& result,
                            std::chrono::microseconds measured);

}  // namespace prsm_cli

#endif  // PRSM_CLI_JSON_FORMAT_H_

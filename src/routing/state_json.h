// routing/state_json.h — the envelope of a strategy's saved state: a JSON object with
// "format" (which strategy wrote it) and "version" (of that format), read back with every
// problem reported as kInvalidArgument naming the place ("state.cells[3].n: expected number").
//
// Thread safety: stateless functions.
#ifndef PRSM_ROUTING_STATE_JSON_H_
#define PRSM_ROUTING_STATE_JSON_H_

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "json/json_read.h"
#include "prsm/status.h"

namespace prsm::routing {

/// Parses `text` into `doc` and checks its "format" and "version" (exactly `version`).
/// Errors: kInvalidArgument for invalid JSON, a wrong format or an unsupported version.
Result<void> ParseState(std::string_view text, std::string_view format, std::int64_t version,
                        json::Document& doc);

/// Re-labels a reader's error (kDataLoss, for untrusted vendor input) as kInvalidArgument, as
/// LoadState reports text the caller handed it.
Error StateError(const Error& error);

/// A finite number in [low, high] at `key` of `object`. Errors: kInvalidArgument.
Result<double> RequiredNumberIn(const json::Value& object, std::string_view key,
                                const json::Path& path, double low, double high);

/// Writes the envelope's opening: `{"format":..., "version":...` (the caller closes it).
void BeginState(json::Writer& writer, std::string_view format, std::int64_t version);

/// Writes the member `"key": "value"` with json::WriteString, ignoring its result exactly as
/// each strategy's state writer did before this helper.
void WriteStringMember(json::Writer& writer, std::string_view key, std::string_view value);

/// A whole saved state: the envelope's opening, then what `write_members` writes (the members
/// after "version", each a Key and its value), then the closing brace.
std::string WriteState(std::string_view format, std::int64_t version,
                       const std::function<void(json::Writer&)>& write_members);

}  // namespace prsm::routing

#endif  // PRSM_ROUTING_STATE_JSON_H_

// providers/openai_wire.h — readers of the pieces that OpenAI's plain and streamed responses
// share (usage, logprobs, finish reasons, error objects), for openai_response.cpp and
// openai_stream.cpp (a `logprobs.content` array, ChatCompletionTokenLogprob[], is
// providers::ReadTokenLogprobs). Internal: includes RapidJSON through json/json_read.h.
#ifndef PRSM_PROVIDERS_OPENAI_WIRE_H_
#define PRSM_PROVIDERS_OPENAI_WIRE_H_

#include <optional>
#include <string_view>

#include "json/json_read.h"
#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::openai {

/// "stop", "length", "tool_calls" / "function_call", "content_filter"; else kUnknown.
FinishReason MapFinishReason(std::string_view reason);

/// Reads a `usage` object (CompletionUsage) into `out`; see ParseResponseBody for the mapping.
/// Errors: kDataLoss naming the path (wrong types, negative counts).
Result<void> ReadUsage(const json::Value& usage, const json::Path& path, Usage& out);

/// The error a body reports with a non-null `error` member (an error inside a 2xx, or a
/// streamed error event), its message prefixed with `context` and `secret` redacted; nullopt
/// when `root` has no such member.
std::optional<Error> ErrorInBody(const json::Value& root, std::string_view context,
                                 std::string_view secret);

}  // namespace prsm::openai

#endif  // PRSM_PROVIDERS_OPENAI_WIRE_H_

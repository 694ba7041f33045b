// providers/request_checks.h — the checks of a CompletionRequest that the request codecs share:
// the fields every vendor constrains alike, the shape of tool calls and tool messages, and the
// tool_choice; and the lookup of the call a tool message answers.
//
// Why a module: the codecs validate before writing a byte, so that the common mistakes cost
// nothing, and they had copied each other's checks. The messages (kInvalidArgument, naming the
// field) are part of prsm's behaviour and now come from one place; each codec adds the checks
// of its own vendor around these.
#ifndef PRSM_PROVIDERS_REQUEST_CHECKS_H_
#define PRSM_PROVIDERS_REQUEST_CHECKS_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "prsm/status.h"
#include "prsm/types.h"

namespace prsm::providers {

/// The most top_logprobs any vendor accepts.
inline constexpr std::int32_t kMaxTopLogprobs = 20;

/// model and messages not empty; temperature and top_p finite; max_tokens at least 1;
/// top_logprobs in 0..kMaxTopLogprobs. In that order.
Result<void> CheckCommonFields(const CompletionRequest& request);

/// How a vendor constrains tool-call ids.
struct ToolCallIdRules {
  /// Every tool call needs an id, and every tool message the tool_call_id it answers.
  bool required = false;
  /// The ids the vendor accepts, when it restricts them (nullptr: any).
  bool (*accepts)(std::string_view id) = nullptr;
  /// What an error says an id must be: "an id Anthropic accepts ([A-Za-z0-9_-]+)".
  std::string_view description;
};

/// The tool-call fields of `request.messages[index]`: tool calls only in assistant messages,
/// tool_call_id only in tool messages, each call with a name, and ids as `ids` says. Ids quoted
/// in an error have `secret` redacted.
Result<void> CheckToolCallFields(const CompletionRequest& request, std::size_t index,
                                 const ToolCallIdRules& ids, std::string_view secret);

/// Every tool has a name.
Result<void> CheckToolNames(const CompletionRequest& request);

/// A tool_choice that needs tools has some, and a named one names a defined tool (quoted with
/// `secret` redacted).
Result<void> CheckToolChoice(const CompletionRequest& request, std::string_view secret);

/// The call that `request.messages[index]` (a tool message) answers: the latest earlier call with
/// its tool_call_id (ids a codec synthesised repeat from one answer to the next, so the latest one
/// is meant); nullptr when none has it.
const ToolCall* FindAnsweredCall(const CompletionRequest& request, std::size_t index);

}  // namespace prsm::providers

#endif  // PRSM_PROVIDERS_REQUEST_CHECKS_H_

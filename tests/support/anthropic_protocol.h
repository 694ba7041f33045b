// anthropic_protocol.h — the Anthropic Messages wire format, plain and streamed.
//
// Endpoint: POST /v1/messages. Bodies follow Message, the MessageStreamEvent family and
// ErrorResponse of Anthropic's OpenAPI description
// (/work/shared/specs/anthropic-openapi-v195.json).
//
// Request validation, as the vendor does it (400 invalid_request_error, message naming the
// field, e.g. "max_tokens: Field required"): a JSON object in valid UTF-8 with `model` a
// non-empty string, `max_tokens` an integer >= 1 (required, unlike OpenAI), `messages` a
// non-empty array of objects whose `role` is "user" or "assistant"; `stream` a boolean or null.
//
// A message: {"id":"msg_<seq>","type":"message","role":"assistant","model",
// "content":[{"type":"text","text","citations":null}, {"type":"tool_use","id":"toolu_<seq>_<i>",
// "name","input":{...}}...],"stop_reason","stop_sequence":null,"usage":{"input_tokens",
// "cache_creation_input_tokens":0,"cache_read_input_tokens","cache_creation":{...},
// "output_tokens","server_tool_use":null,"service_tier":"standard"}}. The text block is left out
// when the text is empty.
//
// A stream (`"stream": true`), `event:`/`data:` pairs:
//   event: message_start        data: {"type":"message_start","message":{... "content":[],
//                               "stop_reason":null, "usage":{... "output_tokens":1}}}
//   event: content_block_start  data: {"type":"content_block_start","index":0,
//                               "content_block":{"type":"text","text":"","citations":null}}
//   event: ping                 data: {"type": "ping"}                       ← end of preamble
//   event: content_block_delta  data: {"type":"content_block_delta","index":0,
//                               "delta":{"type":"text_delta","text":"Hello"}} ← a text chunk
//   event: content_block_stop + content_block_start {"type":"tool_use","id","name","input":{}}
//                                                                   ← a tool call's first chunk
//   event: content_block_delta  data: {... "delta":{"type":"input_json_delta",
//                               "partial_json":"{\"city\":"}}              ← argument fragments
//   event: content_block_stop   data: {"type":"content_block_stop","index":1} ← epilogue
//   event: message_delta        data: {"type":"message_delta","delta":{"stop_reason":"end_turn",
//                               "stop_sequence":null},"usage":{...final counts}}
//   event: message_stop         data: {"type":"message_stop"}
// Errors: {"type":"error","error":{"type","message"},"request_id":"req_<seq>"}; 529 is
// overloaded_error (see ModelScript::error_type for the mapping).
#ifndef PRSM_TESTS_SUPPORT_ANTHROPIC_PROTOCOL_H_
#define PRSM_TESTS_SUPPORT_ANTHROPIC_PROTOCOL_H_

#include <string>

#include "protocol.h"

namespace prsm::testing::fake {

class AnthropicProtocol final : public Protocol {
 public:
  std::string_view name() const override { return "anthropic"; }
  bool Serves(std::string_view path) const override { return path == "/v1/messages"; }
  std::string_view method() const override { return "POST"; }
  DecodedCall Decode(const HttpRequest& request) const override;
  std::string_view ContentType(const CallOptions& options) const override;
  std::string RenderCompletion(const Completion& completion) const override;
  RenderedStream RenderStream(const Completion& completion,
                              const std::vector<std::string_view>& text_pieces) const override;
  std::string RenderError(const ApiError& error) const override;
  std::string MalformedBody() const override;
};

// Shared by the plain and streamed renderers.

/// The stop_reason for the script's OpenAI-vocabulary finish_reason.
std::string_view AnthropicStopReason(const std::string& finish_reason);
/// The usage fields, without braces, in the order Anthropic sends them; `output_tokens` given
/// separately because message_start reports a placeholder. `full` adds the fields a Message
/// has and message_delta lacks (cache_creation, service_tier).
void AppendAnthropicUsage(const ModelScript& script, std::int64_t output_tokens, bool full,
                          std::string* out);
/// Tool call `index`'s id, "toolu_<seq>_<index>", quoted.
void AppendAnthropicToolUseId(std::uint64_t seq, std::size_t index, std::string* out);

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_ANTHROPIC_PROTOCOL_H_

// What the stream decoders share; see stream_util.h.
#include "providers/stream_util.h"

#include <utility>

#include <fmt/format.h>

#include "providers/error_text.h"
#include "providers/response_util.h"

namespace prsm::providers {

Error StreamError(const Error& error, std::string_view provider_id, std::string_view secret) {
  Error failed = error;
  if (!secret.empty() && error.message().find(secret) != std::string::npos) {
    std::string message = error.message();
    RedactSecret(message, secret);
    failed = WithMessage(error, error.code(), std::move(message));
  }
  if (failed.provider().empty()) failed.WithProvider(std::string(provider_id));
  return failed;
}

Error ClosedDecoderError(std::string_view provider_id) {
  return Error(ErrorCode::kFailedPrecondition, "the stream decoder already failed or finished")
      .WithProvider(std::string(provider_id));
}

void EmitText(std::vector<StreamEvent>& events, std::string text) {
  StreamEvent& event = events.emplace_back();
  event.kind = StreamEvent::Kind::kTextDelta;
  event.text = std::move(text);
}

void EmitUsage(std::vector<StreamEvent>& events, const Usage& usage) {
  StreamEvent& event = events.emplace_back();
  event.kind = StreamEvent::Kind::kUsage;
  event.usage = usage;
}

void EmitFinish(std::vector<StreamEvent>& events, FinishReason reason, std::string raw_reason) {
  StreamEvent& event = events.emplace_back();
  event.kind = StreamEvent::Kind::kFinish;
  event.finish_reason = reason;
  event.raw_finish_reason = std::move(raw_reason);
}

void EmitToolCallDelta(std::vector<StreamEvent>& events, std::size_t index, std::string id,
                       std::string name, std::string arguments_delta) {
  StreamEvent& event = events.emplace_back();
  event.kind = StreamEvent::Kind::kToolCallDelta;
  event.tool_call.index = index;
  event.tool_call.id = std::move(id);
  event.tool_call.name = std::move(name);
  event.tool_call.arguments_delta = std::move(arguments_delta);
}

void AddWholeToolCall(ToolCall call, Completion& completion, std::vector<StreamEvent>& events) {
  const std::size_t index = completion.tool_calls.size();
  if (call.id.empty()) call.id = fmt::format("call_{}", index);
  EmitToolCallDelta(events, index, call.id, call.name, call.arguments_json);
  completion.tool_calls.push_back(std::move(call));
}

void AddStreamedPiece(std::string text, std::vector<ToolCall> tool_calls,
                      std::vector<TokenLogprob> logprobs, Completion& completion,
                      std::vector<StreamEvent>& events) {
  if (!text.empty()) {
    completion.text.append(text);
    EmitText(events, std::move(text));
  }
  for (ToolCall& call : tool_calls) AddWholeToolCall(std::move(call), completion, events);
  for (TokenLogprob& token : logprobs) completion.logprobs.push_back(std::move(token));
}

}  // namespace prsm::providers

// The streamGenerateContent?alt=sse decoder: SSE framing (stream/sse_parser.h), one
// GenerateContentResponse per event, assembled into the Completion a plain response would give.
//
// Gemini's stream has no end marker like OpenAI's [DONE]: the last chunk is the one whose
// candidate carries a finishReason (usually with the final usageMetadata). So "complete" means
// "a finishReason was seen"; a body that ends before one was cut short.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <fmt/format.h>

#include "providers/gemini_codec.h"
#include "providers/openai_codec.h"
#include "stream/sse_parser.h"

namespace prsm::gemini {
namespace {

bool SameUsage(const Usage& a, const Usage& b) {
  return a.input_tokens == b.input_tokens && a.output_tokens == b.output_tokens &&
         a.cached_input_tokens == b.cached_input_tokens &&
         a.cache_write_tokens == b.cache_write_tokens && a.reasoning_tokens == b.reasoning_tokens;
}

class GeminiStreamDecoder final : public StreamDecoder {
 public:
  GeminiStreamDecoder(std::string provider_id, std::string secret)
      : provider_id_(std::move(provider_id)), secret_(std::move(secret)) {}

  Result<void> Feed(std::string_view bytes, std::vector<StreamEvent>& events) override {
    if (closed_) return Closed();
    sse_events_.clear();
    if (Result<void> framed = sse_.Feed(bytes, sse_events_); !framed) {
      return Fail(framed.error());
    }
    for (stream::SseEvent& event : sse_events_) {
      if (Result<void> handled = OnEvent(event, events); !handled) {
        return Fail(handled.error());
      }
    }
    return {};
  }

  Result<Completion> Finish(std::vector<StreamEvent>& /*events*/) override {
    if (closed_) return Closed();
    if (!finished_) {
      return Fail(sse_.mid_event()
                      ? Error(ErrorCode::kDataLoss, "the Gemini stream ended inside an event")
                      : Error(ErrorCode::kUnavailable,
                              "the Gemini stream ended before a chunk with a finishReason"));
    }
    closed_ = true;  // the completion is handed out once
    return std::move(completion_);
  }

 private:
  Error Closed() const {
    return Error(ErrorCode::kFailedPrecondition, "the stream decoder already failed or finished")
        .WithProvider(provider_id_);
  }

  // Every error leaves through here: it gets the provider id, and loses any copy of the key
  // that vendor text (an event type, a message) may have carried.
  Error Fail(const Error& error) {
    closed_ = true;
    std::string message = error.message();
    openai::RedactSecret(message, secret_);
    Error failed(error.code(), std::move(message));
    failed.WithProvider(error.provider().empty() ? provider_id_ : error.provider());
    if (const auto delay = error.retry_after()) failed.WithRetryAfter(*delay);
    return failed;
  }

  Result<void> OnEvent(stream::SseEvent& event, std::vector<StreamEvent>& events) {
    if (event.type != "message") {
      return Error(ErrorCode::kDataLoss, fmt::format("unknown Gemini stream event type '{}'",
                                                     openai::SanitizeForMessage(event.type, 40)));
    }
    Result<ResponseChunk> chunk = ParseResponseChunk(event.data, /*in_stream=*/true, secret_);
    if (!chunk) return std::move(chunk).error();
    Apply(std::move(*chunk), events);
    return {};
  }

  void Apply(ResponseChunk chunk, std::vector<StreamEvent>& events) {
    if (!chunk.model.empty()) completion_.model = std::move(chunk.model);
    if (!chunk.id.empty()) completion_.id = std::move(chunk.id);
    if (!chunk.text.empty()) {
      completion_.text.append(chunk.text);
      StreamEvent& event = events.emplace_back();
      event.kind = StreamEvent::Kind::kTextDelta;
      event.text = std::move(chunk.text);
    }
    // A whole function call arrives in one part: one delta carries all of it.
    for (ToolCall& call : chunk.tool_calls) {
      const std::size_t index = completion_.tool_calls.size();
      if (call.id.empty()) call.id = fmt::format("call_{}", index);
      StreamEvent& event = events.emplace_back();
      event.kind = StreamEvent::Kind::kToolCallDelta;
      event.tool_call.index = index;
      event.tool_call.id = call.id;
      event.tool_call.name = call.name;
      event.tool_call.arguments_delta = call.arguments_json;
      completion_.tool_calls.push_back(std::move(call));
    }
    for (TokenLogprob& token : chunk.logprobs) completion_.logprobs.push_back(std::move(token));
    // Gemini repeats usageMetadata in most chunks; only a change is news.
    if (chunk.usage && (!usage_seen_ || !SameUsage(*chunk.usage, completion_.usage))) {
      usage_seen_ = true;
      completion_.usage = *chunk.usage;
      StreamEvent& event = events.emplace_back();
      event.kind = StreamEvent::Kind::kUsage;
      event.usage = completion_.usage;
    }
    if (chunk.finish_reason && !finished_) {
      finished_ = true;
      completion_.raw_finish_reason = std::move(*chunk.finish_reason);
      completion_.finish_reason = MapFinishReason(completion_.raw_finish_reason);
      if (!completion_.tool_calls.empty() && completion_.finish_reason == FinishReason::kStop) {
        completion_.finish_reason = FinishReason::kToolCalls;  // Gemini says STOP for calls
      }
      StreamEvent& event = events.emplace_back();
      event.kind = StreamEvent::Kind::kFinish;
      event.finish_reason = completion_.finish_reason;
      event.raw_finish_reason = completion_.raw_finish_reason;
    }
  }

  const std::string provider_id_;
  const std::string secret_;  // only to redact it from error messages; never printed
  stream::SseParser sse_;
  std::vector<stream::SseEvent> sse_events_;  // scratch, reused across Feed calls
  Completion completion_;
  bool usage_seen_ = false;
  bool finished_ = false;  // a chunk carried a finishReason: the answer is complete
  bool closed_ = false;    // failed, or Finish() handed the completion out
};

}  // namespace

std::unique_ptr<StreamDecoder> NewStreamDecoder(std::string provider_id, std::string secret) {
  return std::make_unique<GeminiStreamDecoder>(std::move(provider_id), std::move(secret));
}

}  // namespace prsm::gemini

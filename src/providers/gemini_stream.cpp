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

#include "providers/error_text.h"
#include "providers/gemini_codec.h"
#include "providers/stream_util.h"
#include "stream/sse_parser.h"

namespace prsm::gemini {
namespace {

bool SameUsage(const Usage& a, const Usage& b) {
  return a.input_tokens == b.input_tokens && a.output_tokens == b.output_tokens &&
         a.cached_input_tokens == b.cached_input_tokens &&
         a.cache_write_tokens == b.cache_write_tokens && a.reasoning_tokens == b.reasoning_tokens;
}

class GeminiStreamDecoder final : public providers::ClosingDecoder {
 public:
  using ClosingDecoder::ClosingDecoder;

  Result<void> Feed(std::string_view bytes, std::vector<StreamEvent>& events) override {
    if (closed()) return Closed();
    sse_events_.clear();
    return HandleFramed(sse_.Feed(bytes, sse_events_), sse_events_,
                        [&](stream::SseEvent& event) { return OnEvent(event, events); });
  }

  Result<Completion> Finish(std::vector<StreamEvent>& /*events*/) override {
    if (closed()) return Closed();
    if (!finished_) {
      return Fail(sse_.mid_event()
                      ? Error(ErrorCode::kDataLoss, "the Gemini stream ended inside an event")
                      : Error(ErrorCode::kUnavailable,
                              "the Gemini stream ended before a chunk with a finishReason"));
    }
    return HandOut(completion_);
  }

 private:
  Result<void> OnEvent(stream::SseEvent& event, std::vector<StreamEvent>& events) {
    if (event.type != "message") {
      return Error(ErrorCode::kDataLoss, fmt::format("unknown Gemini stream event type {}",
                                                     providers::Quoted(event.type, secret_, 40)));
    }
    Result<ResponseChunk> chunk = ParseResponseChunk(event.data, /*in_stream=*/true, secret_);
    if (!chunk) return std::move(chunk).error();
    Apply(std::move(*chunk), events);
    return {};
  }

  void Apply(ResponseChunk chunk, std::vector<StreamEvent>& events) {
    if (!chunk.model.empty()) completion_.model = std::move(chunk.model);
    if (!chunk.id.empty()) completion_.id = std::move(chunk.id);
    // A whole function call arrives in one part: one delta carries all of it.
    providers::AddStreamedPiece(std::move(chunk.text), std::move(chunk.tool_calls),
                                std::move(chunk.logprobs), completion_, events);
    // Gemini repeats usageMetadata in most chunks; only a change is news.
    if (chunk.usage && (!usage_seen_ || !SameUsage(*chunk.usage, completion_.usage))) {
      usage_seen_ = true;
      completion_.usage = *chunk.usage;
      providers::EmitUsage(events, completion_.usage);
    }
    if (chunk.finish_reason && !finished_) {
      finished_ = true;
      completion_.raw_finish_reason = std::move(*chunk.finish_reason);
      completion_.finish_reason = MapFinishReason(completion_.raw_finish_reason);
      if (!completion_.tool_calls.empty() && completion_.finish_reason == FinishReason::kStop) {
        completion_.finish_reason = FinishReason::kToolCalls;  // Gemini says STOP for calls
      }
      providers::EmitFinish(events, completion_.finish_reason, completion_.raw_finish_reason);
    }
  }

  stream::SseParser sse_;
  std::vector<stream::SseEvent> sse_events_;  // scratch, reused across Feed calls
  Completion completion_;
  bool usage_seen_ = false;
  bool finished_ = false;  // a chunk carried a finishReason: the answer is complete
};

}  // namespace

std::unique_ptr<StreamDecoder> NewStreamDecoder(std::string provider_id, std::string secret) {
  return std::make_unique<GeminiStreamDecoder>(std::move(provider_id), std::move(secret));
}

}  // namespace prsm::gemini

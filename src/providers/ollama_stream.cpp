// The /api/chat stream decoder: NDJSON framing (stream/ndjson_splitter.h), one record per line,
// assembled into the Completion a plain response would give. The record with `done: true` is
// the end marker: it carries the finish reason and the token counts.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "providers/ollama_codec.h"
#include "providers/stream_util.h"
#include "stream/ndjson_splitter.h"

namespace prsm::ollama {
namespace {

class OllamaStreamDecoder final : public providers::ClosingDecoder {
 public:
  using ClosingDecoder::ClosingDecoder;

  Result<void> Feed(std::string_view bytes, std::vector<StreamEvent>& events) override {
    if (closed()) return Closed();
    lines_.clear();
    return HandleFramed(splitter_.Feed(bytes, lines_), lines_,
                        [&](std::string& line) { return OnRecord(line, events); });
  }

  Result<Completion> Finish(std::vector<StreamEvent>& events) override {
    if (closed()) return Closed();
    // A last record without its newline still counts, events and all.
    if (std::string last = splitter_.TakeRemainder(); !last.empty()) {
      if (Result<void> handled = OnRecord(last, events); !handled) {
        return Fail(handled.error());
      }
    }
    if (!done_) {
      return Fail(Error(ErrorCode::kUnavailable, "the Ollama stream ended before its done record"));
    }
    return HandOut(completion_);
  }

 private:
  Result<void> OnRecord(std::string& line, std::vector<StreamEvent>& events) {
    Result<Record> record = ParseRecord(line, /*in_stream=*/true, secret_);
    if (!record) return std::move(record).error();
    if (done_) {
      return Error(ErrorCode::kDataLoss, "malformed Ollama stream: a record after the done record");
    }
    Apply(std::move(*record), events);
    return {};
  }

  void Apply(Record record, std::vector<StreamEvent>& events) {
    if (!record.model.empty() && completion_.model.empty()) completion_.model = record.model;
    // Ollama sends each tool call whole: one delta carries all of it.
    providers::AddStreamedPiece(std::move(record.text), std::move(record.tool_calls),
                                std::move(record.logprobs), completion_, events);
    if (!record.done) return;
    done_ = true;
    if (record.usage) completion_.usage = *record.usage;
    providers::EmitUsage(events, completion_.usage);
    completion_.raw_finish_reason = std::move(record.done_reason);
    completion_.finish_reason = completion_.tool_calls.empty()
                                    ? MapDoneReason(completion_.raw_finish_reason)
                                    : FinishReason::kToolCalls;
    providers::EmitFinish(events, completion_.finish_reason, completion_.raw_finish_reason);
  }

  stream::NdjsonSplitter splitter_;
  std::vector<std::string> lines_;  // scratch, reused across Feed calls
  Completion completion_;
  bool done_ = false;  // the done record arrived: the answer is complete
};

}  // namespace

std::unique_ptr<StreamDecoder> NewStreamDecoder(std::string provider_id, std::string secret) {
  return std::make_unique<OllamaStreamDecoder>(std::move(provider_id), std::move(secret));
}

}  // namespace prsm::ollama

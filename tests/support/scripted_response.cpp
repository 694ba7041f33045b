#include "scripted_response.h"

#include <algorithm>
#include <chrono>
#include <string>
#include <string_view>
#include <utility>

#include "json_text.h"
#include "text_pieces.h"

namespace prsm::testing::fake {
namespace {

constexpr std::string_view kModelPlaceholder = "{model}";

// `{"padding":"` + fill + `"}`, produced on demand so a 64 MiB body costs one send buffer.
class PaddingBody final : public BodySource {
 public:
  explicit PaddingBody(std::uint64_t size) : size_(size) {
    if (size >= kPrefix.size() + kSuffix.size()) {
      prefix_ = kPrefix;
      suffix_ = kSuffix;
      fill_ = 'x';
    } else if (size >= 2) {
      prefix_ = "{";
      suffix_ = "}";
    }
  }

  std::uint64_t remaining() const override { return size_ - pos_; }

  void Produce(std::size_t max_bytes, std::string* out) override {
    const std::uint64_t end = pos_ + std::min<std::uint64_t>(max_bytes, remaining());
    const std::uint64_t fill_end = size_ - suffix_.size();
    while (pos_ < end) {
      if (pos_ < prefix_.size()) {
        const auto n =
            static_cast<std::size_t>(std::min<std::uint64_t>(end, prefix_.size()) - pos_);
        out->append(prefix_.substr(static_cast<std::size_t>(pos_), n));
        pos_ += n;
      } else if (pos_ < fill_end) {
        const auto n = static_cast<std::size_t>(std::min(end, fill_end) - pos_);
        out->append(n, fill_);
        pos_ += n;
      } else {
        const auto offset = static_cast<std::size_t>(pos_ - fill_end);
        const auto n = static_cast<std::size_t>(end - pos_);
        out->append(suffix_.substr(offset, n));
        pos_ += n;
      }
    }
  }

 private:
  static constexpr std::string_view kPrefix = R"({"padding":")";
  static constexpr std::string_view kSuffix = R"("})";
  const std::uint64_t size_;
  std::uint64_t pos_ = 0;
  std::string_view prefix_;
  std::string_view suffix_;
  char fill_ = ' ';
};

ApiError ScriptedError(const ModelScript& script, const DecodedCall& call, int status,
                       std::uint64_t seq) {
  ApiError error;
  error.status = status;
  error.type = script.error_type;
  error.message = ReplaceAll(script.error_message, kModelPlaceholder, call.model);
  error.code = script.error_code;
  error.seq = seq;
  return error;
}

// Errors are never streamed (vendors answer them before any stream starts), nor are the
// broken-body modes: they break the plain response.
bool Streams(const ModelScript& script, const DecodedCall& call) {
  return call.options.stream && script.body == BodyMode::kNormal && script.status < 400;
}

// The status and body kNormal would send unstreamed: a completion, or an error body for
// status >= 400.
void FillNormal(const Protocol& protocol, const ModelScript& script, const DecodedCall& call,
                std::uint64_t seq, std::int64_t created, HttpResponse* response) {
  if (script.status >= 400) {
    response->body = protocol.RenderError(ScriptedError(script, call, script.status, seq));
    return;
  }
  const std::string text = ReplaceAll(script.text, kModelPlaceholder, call.model);
  Completion completion;
  completion.seq = seq;
  completion.created = created;
  completion.model = call.model;
  completion.text = text;
  completion.script = &script;
  completion.options = call.options;
  response->body = protocol.RenderCompletion(completion);
}

// The wait before send `k` of a stream: sends 0..n-1 are the content chunks, send n the
// epilogue (or the reset/truncation that replaces it). See the timeline in
// fake_provider_server.h.
std::chrono::milliseconds DelayBefore(const ModelScript& script, std::size_t k) {
  if (k == 0) return script.stall_before_first_token;
  return script.chunk_latency +
         (k == 1 ? script.stall_after_first_token : std::chrono::milliseconds{0});
}

void FillStreamed(const Protocol& protocol, const ModelScript& script, const DecodedCall& call,
                  std::uint64_t seq, std::int64_t created, HttpResponse* response) {
  const std::string text = ReplaceAll(script.text, kModelPlaceholder, call.model);
  Completion completion;
  completion.seq = seq;
  completion.created = created;
  completion.model = call.model;
  completion.text = text;
  completion.script = &script;
  completion.options = call.options;
  RenderedStream rendered = protocol.RenderStream(completion, SplitText(text, script.chunks));

  // Where the stream is cut, and how: the smaller count wins, a reset on a tie.
  std::optional<std::size_t> cut;
  TimedBody body;
  if (script.reset_after_chunks) {
    cut = script.reset_after_chunks;
    body.ending = TimedBody::Ending::kReset;
  }
  if (script.truncate_after_chunks && (!cut || *script.truncate_after_chunks < *cut)) {
    cut = script.truncate_after_chunks;
    body.ending = TimedBody::Ending::kClose;
  }
  const std::size_t n = rendered.chunks.size();
  const std::size_t sent = cut ? std::min(*cut, n) : n;
  body.pieces.reserve(sent + 2);
  body.pieces.push_back({std::chrono::milliseconds{0}, std::move(rendered.preamble)});
  for (std::size_t k = 0; k < sent; ++k) {
    body.pieces.push_back({DelayBefore(script, k), std::move(rendered.chunks[k])});
  }
  if (cut) {
    body.ending_delay = DelayBefore(script, sent);  // When the next send would have happened.
  } else {
    body.pieces.push_back({DelayBefore(script, n), std::move(rendered.epilogue)});
  }
  response->timed = std::move(body);
}

// `body` cut into `pieces` near-equal parts sent `delay` apart (the first at once), ending
// with `ending`.
TimedBody Trickle(const std::string& body, std::size_t pieces, std::chrono::milliseconds delay,
                  TimedBody::Ending ending) {
  TimedBody timed;
  timed.ending = ending;
  pieces = std::max<std::size_t>(1, std::min(pieces, std::max<std::size_t>(1, body.size())));
  std::size_t begin = 0;
  for (std::size_t k = 0; k < pieces; ++k) {
    const std::size_t end = body.size() * (k + 1) / pieces;
    timed.pieces.push_back(
        {k == 0 ? std::chrono::milliseconds{0} : delay, body.substr(begin, end - begin)});
    begin = end;
  }
  return timed;
}

constexpr std::string_view kHtmlPage =
    "<!DOCTYPE html><html><head><title>Sign in</title></head>"
    "<body><h1>Sign in to continue to the network</h1></body></html>";

}  // namespace

std::unique_ptr<BodySource> MakePaddingBody(std::uint64_t size) {
  return std::make_unique<PaddingBody>(size);
}

HttpResponse RenderScripted(const Protocol& protocol, const ModelScript& script,
                            const DecodedCall& call, std::uint64_t seq, std::int64_t created) {
  HttpResponse response;
  response.status = script.status;
  const bool slow = script.slow_every > 0 && seq % script.slow_every == 0;
  response.delay =
      std::max(slow ? script.slow_latency : script.latency, std::chrono::milliseconds::zero());
  const bool streams = Streams(script, call);
  CallOptions plain = call.options;
  plain.stream = false;
  std::string content_type = script.content_type;
  if (content_type.empty()) {
    content_type = script.body == BodyMode::kHtml
                       ? "text/html; charset=utf-8"
                       : std::string(protocol.ContentType(streams ? call.options : plain));
  }
  response.headers.emplace_back("Content-Type", std::move(content_type));
  if (!script.retry_after.empty()) response.headers.emplace_back("Retry-After", script.retry_after);

  switch (script.body) {
    case BodyMode::kNormal:
      if (streams) {
        FillStreamed(protocol, script, call, seq, created, &response);
      } else {
        FillNormal(protocol, script, call, seq, created, &response);
      }
      break;
    case BodyMode::kTruncated: {
      FillNormal(protocol, script, call, seq, created, &response);
      response.announced_length = response.body.size();
      response.body.resize(response.body.size() / 2);
      response.close = true;  // The framing is a lie; the connection cannot be reused.
      break;
    }
    case BodyMode::kMalformed:
      response.body = protocol.MalformedBody();
      break;
    case BodyMode::kHuge:
      response.stream = MakePaddingBody(script.huge_bytes);
      break;
    case BodyMode::kEmpty:
      break;
    case BodyMode::kReset:
      response.headers.clear();
      response.reset = true;
      break;
    case BodyMode::kError: {
      const ApiError error =
          ScriptedError(script, call, script.status == 200 ? 500 : script.status, seq);
      response.status = error.status;
      response.body = protocol.RenderError(error);
      break;
    }
    case BodyMode::kResetMidBody: {
      FillNormal(protocol, script, call, seq, created, &response);
      std::string half = response.body.substr(0, response.body.size() / 2);
      response.body.clear();
      response.timed = Trickle(half, 1, std::chrono::milliseconds{0}, TimedBody::Ending::kReset);
      break;
    }
    case BodyMode::kHtml:
      response.body = std::string(kHtmlPage);
      break;
  }
  const bool trickles = script.body == BodyMode::kMalformed || script.body == BodyMode::kHtml ||
                        (script.body == BodyMode::kNormal && !streams);
  if (script.trickle_pieces > 0 && trickles) {
    response.timed = Trickle(response.body, script.trickle_pieces, script.trickle_delay,
                             TimedBody::Ending::kComplete);
    response.body.clear();
  }
  return response;
}

HttpResponse RenderApiError(const Protocol& protocol, const ApiError& error) {
  HttpResponse response;
  response.status = error.status;
  response.headers.emplace_back("Content-Type", "application/json");
  response.body = protocol.RenderError(error);
  return response;
}

}  // namespace prsm::testing::fake

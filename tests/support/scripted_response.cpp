#include "scripted_response.h"

#include <algorithm>
#include <string_view>
#include <utility>

#include "json_text.h"

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

// The status and body kNormal would send: a completion, or an error body for status >= 400.
void FillNormal(const Protocol& protocol, const ModelScript& script, const DecodedCall& call,
                std::uint64_t seq, std::int64_t created, HttpResponse* response) {
  if (script.status >= 400) {
    ApiError error;
    error.status = script.status;
    error.type = script.error_type;
    error.message = ReplaceAll(script.error_message, kModelPlaceholder, call.model);
    error.code = script.error_code;
    response->body = protocol.RenderError(error);
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

}  // namespace

std::unique_ptr<BodySource> MakePaddingBody(std::uint64_t size) {
  return std::make_unique<PaddingBody>(size);
}

HttpResponse RenderScripted(const Protocol& protocol, const ModelScript& script,
                            const DecodedCall& call, std::uint64_t seq, std::int64_t created) {
  HttpResponse response;
  response.status = script.status;
  response.delay = std::max(script.latency, std::chrono::milliseconds::zero());
  response.headers.emplace_back("Content-Type", script.content_type);
  if (!script.retry_after.empty()) response.headers.emplace_back("Retry-After", script.retry_after);

  switch (script.body) {
    case BodyMode::kNormal:
      FillNormal(protocol, script, call, seq, created, &response);
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
      ApiError error;
      error.status = script.status == 200 ? 500 : script.status;
      error.type = script.error_type;
      error.message = ReplaceAll(script.error_message, kModelPlaceholder, call.model);
      error.code = script.error_code;
      response.status = error.status;
      response.body = protocol.RenderError(error);
      break;
    }
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

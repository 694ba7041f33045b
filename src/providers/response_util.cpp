// Reading helpers shared by the response codecs; see response_util.h.
#include "providers/response_util.h"

#include <cstddef>
#include <iterator>

#include <fmt/format.h>

#include "providers/error_text.h"

namespace prsm::providers {
namespace {

constexpr std::size_t kMaxVendorMessageBytes = 1024;
constexpr std::size_t kMaxExcerptBytes = 200;
constexpr std::size_t kMaxResponseExcerptBytes = 80;

}  // namespace

Result<std::optional<std::int64_t>> ReadOptionalCount(const json::Value& object,
                                                      std::string_view key,
                                                      const json::Path& path) {
  PRSM_ASSIGN_OR_RETURN(const std::optional<std::int64_t> count,
                        json::OptionalInt64(object, key, path));
  if (count && *count < 0) {
    return json::DataError(path.Member(key), fmt::format("negative token count {}", *count));
  }
  return count;
}

Result<std::int64_t> ReadCount(const json::Value& object, std::string_view key,
                               const json::Path& path) {
  PRSM_ASSIGN_OR_RETURN(const std::optional<std::int64_t> count,
                        ReadOptionalCount(object, key, path));
  return count.value_or(0);
}

namespace {

// {token, logprob}, both required.
Result<void> ReadAlternative(const json::Value& value, const json::Path& path, std::string& token,
                             double& logprob) {
  PRSM_ASSIGN_OR_RETURN(const std::string_view text, json::RequiredString(value, "token", path));
  PRSM_ASSIGN_OR_RETURN(logprob, json::RequiredDouble(value, "logprob", path));
  Assign(token, text);
  return {};
}

}  // namespace

Result<void> ReadTokenLogprobs(const json::Value& tokens, const json::Path& path,
                               std::vector<TokenLogprob>& out) {
  out.reserve(out.size() + tokens.Size());
  return ForEachObject(
      tokens, path, [&](const json::Value& token, const json::Path& token_path) -> Result<void> {
        TokenLogprob& entry = out.emplace_back();
        if (Result<void> read = ReadAlternative(token, token_path, entry.token, entry.logprob);
            !read) {
          return read;
        }
        PRSM_ASSIGN_OR_RETURN(const json::Value* top,
                              json::OptionalArray(token, "top_logprobs", token_path));
        if (top == nullptr) return {};
        entry.top.reserve(top->Size());
        return ForEachObject(
            *top, token_path.Member("top_logprobs"),
            [&](const json::Value& alternative, const json::Path& alternative_path) {
              TokenLogprob::Alternative& added = entry.top.emplace_back();
              return ReadAlternative(alternative, alternative_path, added.token, added.logprob);
            });
      });
}

std::string CompactJson(const json::Value& value) {
  json::rapidjson::CrtAllocator allocator;
  json::StringBuffer buffer(&allocator, 256);
  json::Writer writer(buffer, &allocator);
  value.Accept(writer);
  return std::string(buffer.GetString(), buffer.GetSize());
}

Completion WholeAnswer(std::string text, std::vector<ToolCall> tool_calls,
                       const std::optional<Usage>& usage, std::vector<TokenLogprob> logprobs,
                       std::string model) {
  Completion completion;
  completion.text = std::move(text);
  completion.tool_calls = std::move(tool_calls);
  for (std::size_t i = 0; i < completion.tool_calls.size(); ++i) {
    ToolCall& call = completion.tool_calls[i];
    if (call.id.empty()) call.id = fmt::format("call_{}", i);
  }
  if (usage) completion.usage = *usage;
  completion.logprobs = std::move(logprobs);
  completion.model = std::move(model);
  return completion;
}

Error Malformed(std::string_view what, const Error& error) {
  return Error(error.code(), fmt::format("malformed {}: {}", what, error.message()));
}

Result<std::string> OptionalText(const json::Value& object, std::string_view key,
                                 const json::Path& path) {
  PRSM_ASSIGN_OR_RETURN(const std::optional<std::string_view> text,
                        json::OptionalString(object, key, path));
  return std::string(text.value_or(std::string_view()));
}

Error ErrorShapeError(std::string_view what, std::string_view shape, const json::Value& error) {
  return Error(ErrorCode::kDataLoss, fmt::format("malformed {}: error: expected {}, got {}", what,
                                                 shape, json::TypeName(error)));
}

Error ReadFailure(const Error& error, std::string_view what, std::string_view secret) {
  Error failure = error.code() == ErrorCode::kDataLoss ? Malformed(what, error) : error;
  if (secret.empty() || failure.message().find(secret) == std::string::npos) return failure;
  std::string message = failure.message();
  RedactSecret(message, secret);
  return Error(failure.code(), std::move(message));
}

Error ReadAssertionError(const json::AssertionFailure& failure) {
  return Error(ErrorCode::kInternal, fmt::format("reading the response: {}", failure.what()));
}

Error NotJsonError(std::string_view message, std::string_view body, std::string_view secret) {
  return Error(ErrorCode::kDataLoss, fmt::format("{} (body starts: {})", message,
                                                 Excerpt(body, secret, kMaxResponseExcerptBytes)));
}

std::string_view StringMember(const json::Value& object, std::string_view key) {
  const json::Value* member = json::FindMember(object, key);
  return member != nullptr && member->IsString() ? json::StringView(*member) : std::string_view();
}

const json::Value* ErrorMember(const json::Value& root) {
  const json::Value* error = root.IsObject() ? json::FindMember(root, "error") : nullptr;
  return error != nullptr && !error->IsNull() ? error : nullptr;
}

std::string DescribeVendorError(
    std::string_view message,
    std::initializer_list<std::pair<std::string_view, std::string_view>> details,
    std::string_view secret) {
  std::string text = Excerpt(message, secret, kMaxVendorMessageBytes);
  if (text.empty()) text = "no message";
  const char* separator = " (";
  for (const auto& [name, value] : details) {
    if (value.empty()) continue;
    fmt::format_to(std::back_inserter(text), "{}{}={}", separator, name,
                   Excerpt(value, secret, kMaxQuotedBytes));
    separator = ", ";
  }
  if (*separator == ',') text.push_back(')');
  return text;
}

Error WithMessage(const Error& mapped, ErrorCode code, std::string message) {
  Error refined(code, std::move(message));
  if (!mapped.provider().empty()) refined.WithProvider(mapped.provider());
  if (!mapped.model().empty()) refined.WithModel(mapped.model());
  if (const std::optional<int> status = mapped.http_status()) refined.WithHttpStatus(*status);
  if (const auto delay = mapped.retry_after()) refined.WithRetryAfter(*delay);
  return refined;
}

Error RefineHttpErrorWith(std::string_view body, const Error& mapped,
                          std::optional<VendorDetail> vendor, std::string_view secret) {
  std::string prefix = mapped.message();
  if (prefix.empty()) {
    prefix = mapped.http_status() ? fmt::format("HTTP {}", *mapped.http_status()) : "HTTP error";
  }
  RedactSecret(prefix, secret);
  if (body.empty()) return WithMessage(mapped, mapped.code(), std::move(prefix));

  const std::string detail =
      vendor ? std::move(vendor->text) : Excerpt(body, secret, kMaxExcerptBytes);
  std::string message = fmt::format("{}: {}", prefix, detail);
  RedactSecret(message, secret);
  Error refined = WithMessage(mapped, vendor && vendor->code ? *vendor->code : mapped.code(),
                              std::move(message));
  // A delay the body states (Gemini's RetryInfo) counts when no Retry-After header gave one.
  if (vendor && vendor->retry_after && !refined.retry_after()) {
    refined.WithRetryAfter(*vendor->retry_after);
  }
  return refined;
}

}  // namespace prsm::providers

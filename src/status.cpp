// ErrorCode names and Error's builders.
#include "prsm/status.h"

#include <fmt/format.h>

namespace prsm {

std::string_view ToString(ErrorCode code) noexcept {
  switch (code) {
    case ErrorCode::kOk:
      return "Ok";
    case ErrorCode::kCancelled:
      return "Cancelled";
    case ErrorCode::kUnknown:
      return "Unknown";
    case ErrorCode::kInvalidArgument:
      return "InvalidArgument";
    case ErrorCode::kDeadlineExceeded:
      return "DeadlineExceeded";
    case ErrorCode::kNotFound:
      return "NotFound";
    case ErrorCode::kAlreadyExists:
      return "AlreadyExists";
    case ErrorCode::kPermissionDenied:
      return "PermissionDenied";
    case ErrorCode::kResourceExhausted:
      return "ResourceExhausted";
    case ErrorCode::kFailedPrecondition:
      return "FailedPrecondition";
    case ErrorCode::kAborted:
      return "Aborted";
    case ErrorCode::kOutOfRange:
      return "OutOfRange";
    case ErrorCode::kUnimplemented:
      return "Unimplemented";
    case ErrorCode::kInternal:
      return "Internal";
    case ErrorCode::kUnavailable:
      return "Unavailable";
    case ErrorCode::kDataLoss:
      return "DataLoss";
    case ErrorCode::kUnauthenticated:
      return "Unauthenticated";
    case ErrorCode::kNoConsensus:
      return "NoConsensus";
    case ErrorCode::kBudgetExceeded:
      return "BudgetExceeded";
  }
  return "Unknown";
}

Error::Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}

bool Error::retryable() const noexcept {
  return code_ == ErrorCode::kUnavailable || code_ == ErrorCode::kResourceExhausted ||
         code_ == ErrorCode::kDeadlineExceeded;
}

Error& Error::WithProvider(std::string provider) & {
  provider_ = std::move(provider);
  return *this;
}
Error&& Error::WithProvider(std::string provider) && {
  return std::move(WithProvider(std::move(provider)));
}
Error& Error::WithModel(std::string model) & {
  model_ = std::move(model);
  return *this;
}
Error&& Error::WithModel(std::string model) && { return std::move(WithModel(std::move(model))); }
Error& Error::WithHttpStatus(int status) & {
  http_status_ = status;
  return *this;
}
Error&& Error::WithHttpStatus(int status) && { return std::move(WithHttpStatus(status)); }
Error& Error::WithRetryAfter(std::chrono::milliseconds delay) & {
  retry_after_ = delay;
  return *this;
}
Error&& Error::WithRetryAfter(std::chrono::milliseconds delay) && {
  return std::move(WithRetryAfter(delay));
}

std::string Error::ToString() const {
  std::string out = fmt::format("{}: {}", prsm::ToString(code_), message_);
  std::string context;
  if (!provider_.empty()) context += fmt::format(" provider={}", provider_);
  if (!model_.empty()) context += fmt::format(" model={}", model_);
  if (http_status_) context += fmt::format(" http={}", *http_status_);
  if (retry_after_) context += fmt::format(" retry_after={}ms", retry_after_->count());
  if (!context.empty()) {
    context[0] = '[';
    out += " " + context + "]";
  }
  return out;
}

const char* BadResultAccess::what() const noexcept {
  return "prsm::Result::value() called on an error";
}

}  // namespace prsm

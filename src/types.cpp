// Names of the enumerations in prsm/types.h.
#include "prsm/types.h"

namespace prsm {

std::string_view ToString(Role role) noexcept {
  switch (role) {
    case Role::kSystem:
      return "system";
    case Role::kUser:
      return "user";
    case Role::kAssistant:
      return "assistant";
    case Role::kTool:
      return "tool";
  }
  return "user";
}

std::string_view ToString(FinishReason reason) noexcept {
  switch (reason) {
    case FinishReason::kUnknown:
      return "unknown";
    case FinishReason::kStop:
      return "stop";
    case FinishReason::kLength:
      return "length";
    case FinishReason::kToolCalls:
      return "tool_calls";
    case FinishReason::kContentFilter:
      return "content_filter";
  }
  return "unknown";
}

std::string_view ToString(Attempt::Outcome outcome) noexcept {
  switch (outcome) {
    case Attempt::Outcome::kSucceeded:
      return "succeeded";
    case Attempt::Outcome::kFailed:
      return "failed";
    case Attempt::Outcome::kCancelled:
      return "cancelled";
  }
  return "failed";
}

}  // namespace prsm

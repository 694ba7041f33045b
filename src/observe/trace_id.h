// W3C Trace Context ids (https://www.w3.org/TR/trace-context/): a request's trace id and each
// attempt's span id, and the `traceparent` header that carries them.
//
// Threading: the generators use a per-thread random engine (seeded once from the OS), so they
// may be called from any thread without locking. Errors: none; validation returns a bool.
#ifndef PRSM_OBSERVE_TRACE_ID_H_
#define PRSM_OBSERVE_TRACE_ID_H_

#include <string>
#include <string_view>

namespace prsm::internal {

/// 32 lowercase hex digits, not all zero.
bool IsValidTraceId(std::string_view id) noexcept;
/// 16 lowercase hex digits, not all zero.
bool IsValidSpanId(std::string_view id) noexcept;

/// A random trace id (128 bits) / span id (64 bits), never all zero.
std::string NewTraceId();
std::string NewSpanId();

/// "00-<trace>-<span>-01": version 00, sampled.
std::string Traceparent(std::string_view trace_id, std::string_view span_id);

}  // namespace prsm::internal

#endif  // PRSM_OBSERVE_TRACE_ID_H_

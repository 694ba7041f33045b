// scripted_response.h — turns a ModelScript into an HttpResponse, in any protocol.
//
// Body modes, latency, status, Retry-After, Content-Type and the timing of streams (chunking,
// stalls, resets, truncation) mean the same for every vendor; only the body text differs, and
// that comes from the Protocol. Keeping this here means a new protocol gets every failure mode
// for free.
#ifndef PRSM_TESTS_SUPPORT_SCRIPTED_RESPONSE_H_
#define PRSM_TESTS_SUPPORT_SCRIPTED_RESPONSE_H_

#include <cstdint>
#include <memory>

#include "fake_provider_server.h"
#include "http_message.h"
#include "protocol.h"

namespace prsm::testing::fake {

/// The response `script` prescribes for a valid call of `call.model`: streamed (a TimedBody) when
/// the call asked for a stream, the body mode is kNormal and the status below 400; else whole.
/// `seq` is the response's unique number, `created` the Unix time to report.
HttpResponse RenderScripted(const Protocol& protocol, const ModelScript& script,
                            const DecodedCall& call, std::uint64_t seq, std::int64_t created);

/// An immediate `application/json` error response (validation failures, 404, 405).
HttpResponse RenderApiError(const Protocol& protocol, const ApiError& error);

/// A body source yielding exactly `size` bytes of valid JSON, `{"padding":"xxx...x"}`
/// (for sizes below 14, `{}` padded with spaces; below 2, just spaces).
std::unique_ptr<BodySource> MakePaddingBody(std::uint64_t size);

}  // namespace prsm::testing::fake

#endif  // PRSM_TESTS_SUPPORT_SCRIPTED_RESPONSE_H_

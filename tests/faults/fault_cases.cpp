#include "fault_cases.h"

#include <cstdio>
#include <cstdlib>
#include <string>
#include <utility>

namespace prsm::testing::faults {
namespace {

using std::chrono::milliseconds;

// Longer than any deadline of Limits: a stall that only a deadline ends.
constexpr milliseconds kForever{10000};

// A streamed answer of six one-word chunks, for faults cut into a stream after its start.
ModelScript SixChunks() {
  ModelScript script;
  script.text = "one two three four five six";
  return script;
}

ModelScript WithStatus(int status, std::string retry_after = {}) {
  ModelScript script;
  script.status = status;
  script.retry_after = std::move(retry_after);
  return script;
}

ModelScript WithBody(BodyMode body) {
  ModelScript script;
  script.body = body;
  return script;
}

Effect Fails(ModelScript script, ErrorCode code, bool retryable) {
  Effect effect;
  effect.script = std::move(script);
  effect.code = code;
  effect.retryable = retryable;
  return effect;
}

Effect HttpFails(int status, ErrorCode code, std::string retry_after = {},
                 std::optional<milliseconds> parsed = std::nullopt) {
  Effect effect = Fails(WithStatus(status, std::move(retry_after)), code, true);
  effect.http_status = status;
  effect.retry_after = parsed;
  return effect;
}

Effect Committed(Effect effect) {
  effect.committed = true;
  return effect;
}

// The same effect for plain and streamed calls (errors and broken answers that come before any
// stream starts).
Fault Both(std::string_view name, Effect effect, Transport transport = Transport::kServer) {
  return Fault{name, transport, effect, effect};
}

// A 200 whose body cannot be used: the error keeps the status of a plain answer; a stream's
// decoder reports it without one.
Fault UnusableBody(std::string_view name, const ModelScript& script) {
  Effect plain = Fails(script, ErrorCode::kDataLoss, false);
  plain.http_status = 200;
  return Fault{name, Transport::kServer, std::move(plain),
               Fails(script, ErrorCode::kDataLoss, false)};
}

std::vector<Fault> BuildFaults() {
  std::vector<Fault> faults;
  // Transport: no HTTP answer at all.
  faults.push_back(
      Both("connection refused", Fails({}, ErrorCode::kUnavailable, true), Transport::kRefused));
  faults.push_back(Both("reset before headers",
                        Fails(WithBody(BodyMode::kReset), ErrorCode::kUnavailable, true)));
  {
    // Plain: head and half the body, then a reset. Stream: head and preamble, then a reset
    // before any content (still before the commit point, so it may be retried).
    ModelScript stream = SixChunks();
    stream.reset_after_chunks = 0;
    faults.push_back(Fault{"reset mid-body", Transport::kServer,
                           Fails(WithBody(BodyMode::kResetMidBody), ErrorCode::kUnavailable, true),
                           Fails(std::move(stream), ErrorCode::kUnavailable, true)});
  }
  {
    ModelScript stream = SixChunks();
    stream.reset_after_chunks = 2;
    faults.push_back(Fault{"reset mid-stream", Transport::kServer, std::nullopt,
                           Committed(Fails(std::move(stream), ErrorCode::kUnavailable, true))});
  }
  {
    ModelScript stalled;
    stalled.latency = kForever;
    faults.push_back(Both("stall before headers",
                          Fails(std::move(stalled), ErrorCode::kDeadlineExceeded, true)));
  }
  {
    ModelScript stream = SixChunks();
    stream.stall_after_first_token = kForever;
    faults.push_back(
        Fault{"stall mid-stream", Transport::kServer, std::nullopt,
              Committed(Fails(std::move(stream), ErrorCode::kDeadlineExceeded, true))});
  }
  // HTTP errors (never streamed: vendors answer them before a stream starts).
  faults.push_back(Both("429 with Retry-After",
                        HttpFails(429, ErrorCode::kResourceExhausted, "2", milliseconds(2000))));
  faults.push_back(Both("429 without Retry-After", HttpFails(429, ErrorCode::kResourceExhausted)));
  faults.push_back(Both("500", HttpFails(500, ErrorCode::kUnavailable)));
  faults.push_back(Both("502", HttpFails(502, ErrorCode::kUnavailable)));
  faults.push_back(Both("503", HttpFails(503, ErrorCode::kUnavailable)));
  faults.push_back(Both("529", HttpFails(529, ErrorCode::kUnavailable)));
  // Answers that arrive but cannot be used.
  faults.push_back(UnusableBody("200 with a malformed body", WithBody(BodyMode::kMalformed)));
  {
    // Plain: Content-Length announces more than is sent, then the connection closes. Stream:
    // a clean end of the HTTP body after two chunks, without the protocol's end marker. To
    // prsm both are a lost connection (kUnavailable), retried unless a stream has committed.
    ModelScript stream = SixChunks();
    stream.truncate_after_chunks = 2;
    faults.push_back(Fault{"truncated body", Transport::kServer,
                           Fails(WithBody(BodyMode::kTruncated), ErrorCode::kUnavailable, true),
                           Committed(Fails(std::move(stream), ErrorCode::kUnavailable, true))});
  }
  {
    // Plain: a 1 MiB JSON body against the 64 KiB cap. Stream: a first content event larger
    // than the cap, so the cap is hit before any content can be decoded (before the commit).
    ModelScript plain = WithBody(BodyMode::kHuge);
    plain.huge_bytes = std::size_t{1} << 20;
    ModelScript stream;
    stream.text = std::string(Limits::kMaxResponseBytes + 4096, 'x');
    stream.chunks = 1;
    faults.push_back(Fault{"body over the size cap", Transport::kServer,
                           Fails(std::move(plain), ErrorCode::kDataLoss, false),
                           Fails(std::move(stream), ErrorCode::kDataLoss, false)});
  }
  faults.push_back(UnusableBody("wrong content type", WithBody(BodyMode::kHtml)));
  {
    // Bytes keep coming, each well within the stream idle timeout, but the whole answer takes
    // longer than the attempt timeout: only the attempt deadline can end it.
    ModelScript plain;
    plain.trickle_pieces = 100;
    plain.trickle_delay = milliseconds(40);
    ModelScript stream;
    stream.text = std::string(100, 'y');
    stream.chunks = 100;
    stream.chunk_latency = milliseconds(40);
    faults.push_back(
        Fault{"slow trickle", Transport::kServer,
              Fails(std::move(plain), ErrorCode::kDeadlineExceeded, true),
              Committed(Fails(std::move(stream), ErrorCode::kDeadlineExceeded, true))});
  }
  faults.push_back(Both("DNS failure", Fails({}, ErrorCode::kUnavailable, true), Transport::kDns));
  return faults;
}

}  // namespace

std::string_view ToString(Protocol protocol) {
  switch (protocol) {
    case Protocol::kOpenAI:
      return "openai";
    case Protocol::kAzure:
      return "azure";
    case Protocol::kAnthropic:
      return "anthropic";
    case Protocol::kGemini:
      return "gemini";
    case Protocol::kOllama:
      return "ollama";
  }
  return "?";
}

std::string_view ToString(Mode mode) { return mode == Mode::kPlain ? "plain" : "stream"; }

ModelScript HealthyScript() {
  ModelScript script;
  script.text = "a healthy answer";
  return script;
}

const std::vector<Fault>& Faults() {
  static const std::vector<Fault> kFaults = BuildFaults();
  return kFaults;
}

const Fault& FindFault(std::string_view name) {
  for (const Fault& fault : Faults()) {
    if (fault.name == name) return fault;
  }
  std::fprintf(stderr, "no fault named '%.*s' in the matrix\n", static_cast<int>(name.size()),
               name.data());
  std::abort();
}

}  // namespace prsm::testing::faults

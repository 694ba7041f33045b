// prsm/types.h — the value types a query travels in and an answer comes back in.
//
// A host builds a `Query` (a `CompletionRequest` plus a `QueryContext` of hints and limits),
// hands it to `MultiLLMOrchestrator`, and gets a `Response`: the chosen answer and a full
// account of every `Attempt` (model, outcome, latency, tokens, cost), the consensus and the route.
//
// Everything here is a plain value type: copyable, movable, no hidden sharing. Distinct objects
// may be used from distinct threads; one object must not be written by two threads at once.
// Token counts follow one convention across vendors (see `Usage`), so cost is computed alike.
#ifndef PRSM_TYPES_H_
#define PRSM_TYPES_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "prsm/export.h"
#include "prsm/resilience.h"
#include "prsm/status.h"

namespace prsm {

/// Who wrote a message.
enum class Role : std::uint8_t { kSystem, kUser, kAssistant, kTool };

/// "system", "user", "assistant" or "tool" (the names the OpenAI wire format uses).
PRSM_EXPORT std::string_view ToString(Role role) noexcept;

/// A tool (function) call made by a model. `arguments_json` is the JSON text of the arguments
/// exactly as the model produced it; prsm does not reinterpret it.
struct ToolCall {
  /// The vendor's id of this call; a tool message answers it by this id.
  std::string id;
  /// The name of the tool called (a ToolDefinition::name).
  std::string name;
  /// The arguments as JSON text, exactly as the model produced them.
  std::string arguments_json;
  /// Opaque vendor state that must travel back with the call when the conversation continues
  /// (Gemini's `thoughtSignature`, without which Gemini 3 refuses the next turn). Empty for
  /// most vendors; keep it as received.
  std::string signature;
};

/// One message of a conversation.
struct Message {
  /// Who wrote it.
  Role role = Role::kUser;
  /// The text of the message (may be empty for an assistant message of tool calls).
  std::string content;
  /// Assistant messages only: the tool calls the model made.
  std::vector<ToolCall> tool_calls;
  /// Tool messages only: the id of the call this message answers.
  std::string tool_call_id;
  /// Optional participant name.
  std::string name;

  /// A system (instructions) message.
  static Message System(std::string text) { return {Role::kSystem, std::move(text), {}, {}, {}}; }
  /// A user message.
  static Message User(std::string text) { return {Role::kUser, std::move(text), {}, {}, {}}; }
  /// An assistant message (an earlier answer of the model).
  static Message Assistant(std::string text) {
    return {Role::kAssistant, std::move(text), {}, {}, {}};
  }
  /// A tool message: the result `text` of the call with id `call_id`.
  static Message ToolResult(std::string call_id, std::string text) {
    return {Role::kTool, std::move(text), {}, std::move(call_id), {}};
  }
};

/// A tool the model may call. `parameters_json_schema` is a JSON Schema object as text.
struct ToolDefinition {
  /// The name the model calls it by.
  std::string name;
  /// What it does, for the model to decide when to call it.
  std::string description;
  /// The JSON Schema of its arguments, as text (default: an object of no properties).
  std::string parameters_json_schema = R"({"type":"object","properties":{}})";
};

/// Whether and which tool the model must call.
struct ToolChoice {
  /// kAuto: the model decides; kNone: no tool; kRequired: some tool; kNamed: the tool `name`.
  enum class Mode : std::uint8_t { kAuto, kNone, kRequired, kNamed };
  /// Which of the modes applies.
  Mode mode = Mode::kAuto;
  std::string name;  ///< For kNamed: the tool to call.
};

/// The shape the answer must take.
struct ResponseFormat {
  /// kText: free text; kJsonObject: any JSON object; kJsonSchema: JSON matching `json_schema`.
  enum class Kind : std::uint8_t { kText, kJsonObject, kJsonSchema };
  /// Which of the shapes applies.
  Kind kind = Kind::kText;
  std::string name = "response";  ///< kJsonSchema: the schema's name.
  std::string json_schema;        ///< kJsonSchema: a JSON Schema object as text.
  bool strict = true;             ///< kJsonSchema: ask the vendor to enforce the schema.
};

/// One call to one model, in prsm's vendor-neutral form. Providers translate it to their wire
/// format. Unset optionals are not sent, so the vendor's defaults apply.
struct CompletionRequest {
  /// The vendor's model id. The orchestrator fills it from the chosen `ModelSpec`; set it
  /// yourself only when calling a `Provider` directly.
  std::string model;
  /// The conversation, oldest first.
  std::vector<Message> messages;
  /// Sampling temperature (vendor range, usually 0 to 2).
  std::optional<double> temperature;
  /// Nucleus sampling mass in (0, 1].
  std::optional<double> top_p;
  /// Upper bound on generated tokens (reasoning included where the vendor counts it).
  std::optional<std::int32_t> max_tokens;
  /// Stop sequences.
  std::vector<std::string> stop;
  /// Seed for vendors that support reproducible sampling.
  std::optional<std::int64_t> seed;
  /// The shape the answer must take.
  ResponseFormat response_format;
  /// Ask for the log probability of each generated token.
  bool logprobs = false;
  std::optional<std::int32_t> top_logprobs;  ///< 0..20; implies logprobs.
  /// Tools the model may call.
  std::vector<ToolDefinition> tools;
  /// Whether and which tool it must call.
  ToolChoice tool_choice;
  /// Ask for the answer as a stream of events. The orchestrator sets it for Stream(); a
  /// provider's BuildRequest must honour it (vendors mark it in the body or in the URL).
  bool stream = false;
};

/// Token counts, normalised across vendors:
/// - `input_tokens` counts every prompt token, including `cached_input_tokens` (read from the
///   vendor's prompt cache) and `cache_write_tokens` (written to it);
/// - `output_tokens` counts every generated token, including `reasoning_tokens`.
/// So uncached input = input - cached - cache_write, and visible output = output - reasoning.
struct Usage {
  /// Every prompt token, cached and cache-write ones included.
  std::int64_t input_tokens = 0;
  /// Every generated token, reasoning ones included.
  std::int64_t output_tokens = 0;
  /// Prompt tokens read from the vendor's prompt cache.
  std::int64_t cached_input_tokens = 0;
  /// Prompt tokens written to the vendor's prompt cache.
  std::int64_t cache_write_tokens = 0;
  /// Generated tokens spent on hidden reasoning.
  std::int64_t reasoning_tokens = 0;

  /// Input plus output tokens.
  std::int64_t total_tokens() const noexcept { return input_tokens + output_tokens; }
  /// Adds every count of `other` to this one.
  Usage& operator+=(const Usage& other) noexcept {
    input_tokens += other.input_tokens;
    output_tokens += other.output_tokens;
    cached_input_tokens += other.cached_input_tokens;
    cache_write_tokens += other.cache_write_tokens;
    reasoning_tokens += other.reasoning_tokens;
    return *this;
  }
};

/// Why the model stopped generating.
enum class FinishReason : std::uint8_t {
  kUnknown,        ///< Not reported, or a value prsm does not know (see `raw_finish_reason`).
  kStop,           ///< Natural end or a stop sequence.
  kLength,         ///< Hit max_tokens or the context window.
  kToolCalls,      ///< The model called tools.
  kContentFilter,  ///< The vendor's filter stopped it.
};

/// "unknown", "stop", "length", "tool_calls" or "content_filter".
PRSM_EXPORT std::string_view ToString(FinishReason reason) noexcept;

/// Log probability of one generated token, with the most likely alternatives when asked.
struct TokenLogprob {
  /// A token the model could have generated instead, with its log probability.
  struct Alternative {
    /// The alternative token's text.
    std::string token;
    /// Its natural-log probability.
    double logprob = 0.0;
  };
  /// The generated token's text.
  std::string token;
  /// Its natural-log probability.
  double logprob = 0.0;
  /// The most likely alternatives, when `top_logprobs` asked for them.
  std::vector<Alternative> top;
};

/// One model's answer to one `CompletionRequest`.
struct Completion {
  /// The answer's text (empty when the model only called tools).
  std::string text;
  /// The tool calls the model made.
  std::vector<ToolCall> tool_calls;
  /// Why the model stopped.
  FinishReason finish_reason = FinishReason::kUnknown;
  std::string raw_finish_reason;  ///< The vendor's own word for it.
  /// Token counts, normalised (see Usage).
  Usage usage;
  std::vector<TokenLogprob> logprobs;  ///< Filled only when the request asked for logprobs.
  std::string model;                   ///< The model id the vendor reports having used.
  std::string id;                      ///< The vendor's response id.
  /// Filled by the orchestrator: time from sending to the full answer, and its price.
  std::chrono::microseconds latency{0};
  /// Its price at the model's list prices (ModelSpec::CostUsd), filled by the orchestrator.
  double cost_usd = 0.0;
};

/// A fragment of a tool call as it streams. Fragments of one call share `index`; `id` and `name`
/// come with its first fragment, and the `arguments_delta`s concatenate to its arguments JSON.
struct ToolCallDelta {
  /// Which call of the answer this fragment belongs to (0-based).
  std::size_t index = 0;
  /// The call's id (first fragment only).
  std::string id;
  /// The tool's name (first fragment only).
  std::string name;
  /// The next piece of the arguments' JSON text.
  std::string arguments_delta;
};

/// One piece of a streamed answer. Text and tool-call deltas are the answer's content; the
/// first of them is a stream's commit point (see MultiLLMOrchestrator::Stream).
struct StreamEvent {
  /// What an event carries.
  enum class Kind : std::uint8_t {
    kTextDelta,      ///< `text` continues the answer.
    kToolCallDelta,  ///< `tool_call` continues a tool call.
    kUsage,          ///< `usage`: token counts so far (vendors send them at the start, the end
                     ///< or both; the last one counts).
    kFinish,         ///< The model stopped: `finish_reason` and `raw_finish_reason`.
    kError,          ///< Only from the orchestrator: the committed attempt failed (`error`);
                     ///< the stream ends here and `on_done` reports the same error.
  };
  /// Which of the kinds this event is; it says which fields are set.
  Kind kind = Kind::kTextDelta;
  /// kTextDelta: the next piece of text.
  std::string text;
  /// kToolCallDelta: the next fragment of a tool call.
  ToolCallDelta tool_call;
  /// kUsage: token counts so far.
  Usage usage;
  /// kFinish: why the model stopped.
  FinishReason finish_reason = FinishReason::kUnknown;
  /// kFinish: the vendor's own word for it.
  std::string raw_finish_reason;
  /// kError: why the committed attempt failed.
  std::optional<Error> error;
  /// Set by the orchestrator: the registered model the event came from.
  std::string model;

  /// True for the kinds that carry the answer's content (text and tool-call deltas).
  bool is_content() const noexcept {
    return kind == Kind::kTextDelta || kind == Kind::kToolCallDelta;
  }
};

/// Hints and limits that come with a query: the seed's `context={...}`. Routing strategies read
/// them; the orchestrator enforces the limits.
struct QueryContext {
  /// Free-form hints, e.g. {"domain","finance"}, {"priority","high"}, {"user_tier","premium"}.
  std::map<std::string, std::string> attributes;
  /// Only these model names may be asked (empty = every registered model).
  std::vector<std::string> models;
  /// The whole request must finish within this time; unset = the orchestrator's default.
  std::optional<std::chrono::milliseconds> timeout;
  /// Upper bound on what this query may cost, in USD (checked by budget-aware strategies).
  std::optional<double> max_cost_usd;
  /// Lowest acceptable expected quality in [0, 1] (read by quality-aware strategies).
  std::optional<double> min_quality;
  /// This query's retry policy, overriding the model's and the orchestrator's (e.g.
  /// `RetryPolicy{0}`-like settings for a query that must not be retried). Checked when the
  /// query starts (kInvalidArgument).
  std::optional<RetryPolicy> retry;
  /// The W3C trace id to file this query under: 32 lowercase hex digits, not all zero (e.g.
  /// from the host's own incoming `traceparent`). Empty: prsm generates one. Anything else
  /// fails the query with kInvalidArgument. Sent in each attempt's `traceparent` header and
  /// reported in Response::trace_id and every ObserverEvent.
  std::string trace_id;
};

/// What a host asks: the request to send and the context to route it by.
struct Query {
  /// What to send to the models (the orchestrator fills `model` per attempt).
  CompletionRequest request;
  /// Hints and limits to route and run it by.
  QueryContext context;

  /// A query of one user message.
  static Query FromText(std::string text) {
    Query query;
    query.request.messages.push_back(Message::User(std::move(text)));
    return query;
  }
};

/// One call to one model made while answering a query.
struct Attempt {
  /// How an attempt ended.
  enum class Outcome : std::uint8_t {
    kSucceeded,  ///< The model answered.
    kFailed,     ///< Transport, HTTP or parse error: see `error`.
    kCancelled,  ///< prsm stopped it: the decision was reached without it, or the host cancelled.
  };
  std::string model;      ///< The registered model name.
  std::string provider;   ///< The provider id it was sent through.
  std::size_t stage = 0;  ///< Index of the plan stage that made it.
  /// How it ended.
  Outcome outcome = Outcome::kFailed;
  std::optional<Error> error;  ///< Set when `outcome` is kFailed or kCancelled.
  std::string text;            ///< What the model said (empty unless it succeeded).
  /// Its token counts (zero unless the vendor reported them).
  Usage usage;
  /// Its price at the model's list prices.
  double cost_usd = 0.0;
  std::chrono::microseconds started_after{0};  ///< From the request's start to this attempt's.
  std::chrono::microseconds latency{0};        ///< From this attempt's start to its end.
  /// The attempt's W3C span id (16 lowercase hex digits), sent in its `traceparent` header.
  std::string span_id;
};

/// "succeeded", "failed" or "cancelled".
PRSM_EXPORT std::string_view ToString(Attempt::Outcome outcome) noexcept;

/// How the answer was agreed.
struct ConsensusReport {
  std::string rule;         ///< The consensus rule's name.
  double agreement = 0.0;   ///< Share of answers that agreed with the chosen one.
  double confidence = 0.0;  ///< The rule's confidence in the chosen answer, [0, 1].
  /// The models whose answers agreed with the chosen one.
  std::vector<std::string> agreeing_models;
  /// How it was agreed, in the rule's words.
  std::string explanation;
};

/// How the query was routed.
struct RouteReport {
  std::string strategy;                          ///< The routing strategy's name.
  std::vector<std::vector<std::string>> stages;  ///< The planned models, stage by stage.
  std::string explanation;                       ///< Why, in the strategy's words.
};

/// The answer to a query, with a full account of how it was obtained.
struct Response {
  std::uint64_t request_id = 0;   ///< Unique within one orchestrator; also in the RequestHandle.
  std::string answer;             ///< `completion.text` of the chosen answer.
  std::string model;              ///< The registered name of the model whose answer was chosen.
  Completion completion;          ///< The chosen completion, in full.
  std::vector<Attempt> attempts;  ///< Every call made, in the order they started.
  /// How the answer was agreed.
  ConsensusReport consensus;
  /// How the query was routed.
  RouteReport route;
  Usage usage;                           ///< Summed over every attempt, the losers included.
  double cost_usd = 0.0;                 ///< Summed over every attempt, the losers included.
  std::chrono::microseconds latency{0};  ///< From Submit() to the decision.
  /// The request's trace id: QueryContext::trace_id, or the one prsm generated.
  std::string trace_id;
};

}  // namespace prsm

#endif  // PRSM_TYPES_H_

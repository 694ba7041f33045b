// The streaming half of Request: decoding bytes as they arrive, the commit point, the
// first-token and idle deadlines, and delivering events. See MultiLLMOrchestrator::Stream for
// the contract and request.h for the state machine this extends.
#include <exception>
#include <utility>

#include <fmt/format.h>

#include "request.h"

namespace prsm::internal {

using std::chrono::milliseconds;

void Request::StartStreamTimers(std::size_t index) {
  AttemptState& attempt = attempts_[index];
  const milliseconds first_token = host_.options().first_token_timeout;
  attempt.first_token_timer =
      host_.executor().AddTimer(attempt.started + first_token, [this, index, first_token] {
        attempts_[index].first_token_timer = 0;
        FailAttempt(index, Error(ErrorCode::kDeadlineExceeded,
                                 fmt::format("no content within the first-token timeout of {} ms",
                                             first_token.count())));
      });
  if (attempt.decoder != nullptr) RearmIdleTimer(index);
}

void Request::RearmIdleTimer(std::size_t index) {
  AttemptState& attempt = attempts_[index];
  if (attempt.idle_timer != 0) host_.executor().CancelTimer(attempt.idle_timer);
  const milliseconds idle = host_.options().stream_idle_timeout;
  attempt.idle_timer = host_.executor().AddTimer(net::Clock::now() + idle, [this, index, idle] {
    attempts_[index].idle_timer = 0;
    FailAttempt(index, Error(ErrorCode::kDeadlineExceeded,
                             fmt::format("the stream sent nothing for {} ms (stream_idle_timeout)",
                                         idle.count())));
  });
}

void Request::FailAttempt(std::size_t index, Error error) {
  AttemptState& attempt = attempts_[index];
  if (finished_ || !attempt.running) return;
  if (attempt.transfer != 0) {
    host_.executor().CancelTransfer(attempt.transfer);  // stops the bytes at once
    attempt.transfer = 0;
  }
  OnAttemptResult(index, std::move(error));
}

void Request::OnStreamBytes(std::size_t index, std::string_view bytes) {
  AttemptState& attempt = attempts_[index];
  if (finished_ || !attempt.running) return;
  RearmIdleTimer(index);
  decoded_.clear();
  Result<void> fed = Error(ErrorCode::kInternal, "the stream decoder threw");
  try {
    fed = attempt.decoder->Feed(bytes, decoded_);
  } catch (const std::exception& e) {
    fed = Error(ErrorCode::kInternal, fmt::format("provider '{}' stream decoder threw: {}",
                                                  attempt.spec->provider, e.what()));
  } catch (...) {
  }
  // Deliver what was decoded before a failure: the bytes arrived, the consumer may need them.
  // Delivery can finish the request (a consumer that cancels), so check as we go.
  for (StreamEvent& event : decoded_) {
    if (finished_ || !attempt.running) return;
    Deliver(index, std::move(event));
  }
  if (!fed) FailAttempt(index, std::move(fed).error());
}

void Request::Deliver(std::size_t index, StreamEvent event) {
  AttemptState& attempt = attempts_[index];
  event.model = attempt.spec->name;
  if (!committed_) {
    if (!event.is_content()) {
      attempt.held.push_back(std::move(event));
      return;
    }
    Commit(index);
  }
  if (*committed_ == index) Emit(event);
}

void Request::Commit(std::size_t index) {
  committed_ = index;
  AttemptState& winner = attempts_[index];
  // Time to first content: what a stream's hedge waits for, and a metric.
  const auto first_token =
      std::chrono::duration_cast<std::chrono::microseconds>(net::Clock::now() - winner.started);
  host_.resilience().RecordLatency(winner.spec->name, true, first_token);
  host_.RecordFirstToken(winner.record, first_token);
  if (winner.first_token_timer != 0) {
    host_.executor().CancelTimer(winner.first_token_timer);
    winner.first_token_timer = 0;
  }
  if (stagger_timer_ != 0) {
    host_.executor().CancelTimer(stagger_timer_);
    stagger_timer_ = 0;
  }
  // The stream now belongs to this attempt: the others stop at once, and no later stage runs.
  const Error lost(
      ErrorCode::kCancelled,
      fmt::format("not needed: the stream of '{}' was committed first", winner.spec->name));
  for (std::size_t i = 0; i < attempts_.size(); ++i) {
    if (i != index) StopAttempt(attempts_[i], lost);
  }
  std::vector<StreamEvent> held = std::move(winner.held);
  for (const StreamEvent& event : held) Emit(event);
}

void Request::Emit(const StreamEvent& event) {
  try {
    on_event_(event);
  } catch (...) {
    host_.executor().Log(LogLevel::kError,
                         fmt::format("the stream callback of request {} threw; ignored", id_));
  }
}

void Request::EmitWhole(std::size_t index, const Completion& completion) {
  // An in-process answer arrives whole: deliver it as the events a stream would have carried.
  const std::string& model = attempts_[index].spec->name;
  auto emit = [&](StreamEvent event) {
    event.model = model;
    Emit(event);
  };
  if (!completion.text.empty()) {
    StreamEvent text;
    text.kind = StreamEvent::Kind::kTextDelta;
    text.text = completion.text;
    emit(std::move(text));
  }
  for (std::size_t i = 0; i < completion.tool_calls.size(); ++i) {
    StreamEvent call;
    call.kind = StreamEvent::Kind::kToolCallDelta;
    call.tool_call = {i, completion.tool_calls[i].id, completion.tool_calls[i].name,
                      completion.tool_calls[i].arguments_json};
    emit(std::move(call));
  }
  StreamEvent usage;
  usage.kind = StreamEvent::Kind::kUsage;
  usage.usage = completion.usage;
  emit(std::move(usage));
  StreamEvent finish;
  finish.kind = StreamEvent::Kind::kFinish;
  finish.finish_reason = completion.finish_reason;
  finish.raw_finish_reason = completion.raw_finish_reason;
  emit(std::move(finish));
}

Result<Completion> Request::FinishStream(std::size_t index) {
  AttemptState& attempt = attempts_[index];
  decoded_.clear();
  Result<Completion> completion = Error(ErrorCode::kInternal, "unset");
  try {
    completion = attempt.decoder->Finish(decoded_);
  } catch (const std::exception& e) {
    return Error(ErrorCode::kInternal, fmt::format("provider '{}' stream decoder threw: {}",
                                                   attempt.spec->provider, e.what()));
  } catch (...) {
    return Error(ErrorCode::kInternal,
                 fmt::format("provider '{}' stream decoder threw", attempt.spec->provider));
  }
  // What the end completed is delivered before the attempt's outcome, like any other bytes.
  for (StreamEvent& event : decoded_) {
    if (finished_ || !attempt.running) break;
    Deliver(index, std::move(event));
  }
  return completion;
}

}  // namespace prsm::internal

// What happens to an answer after the consensus rule: cross-validation by other models
// (PlanStage::verifiers) and escalation to a human (OrchestratorOptions::escalation).
#include <algorithm>
#include <utility>

#include <fmt/format.h>

#include "request.h"

namespace prsm::internal {
namespace {

// Renders the conversation for a verifier, who sees what the answering model saw.
std::string Transcript(const CompletionRequest& request) {
  std::string out;
  for (const Message& message : request.messages) {
    if (message.content.empty()) continue;
    const char* role = message.role == Role::kSystem      ? "System"
                       : message.role == Role::kAssistant ? "Assistant"
                       : message.role == Role::kTool      ? "Tool"
                                                          : "User";
    out += fmt::format("{}: {}\n", role, message.content);
  }
  return out;
}

Query VerificationQuery(const Query& original, const std::string& answer) {
  Query check;
  check.context = original.context;
  check.request.temperature = 0.0;
  check.request.messages.push_back(Message::System(
      "You check another assistant's answer. Reply with one word, yes or no, and nothing "
      "else: yes if the proposed answer is correct and answers the request, no otherwise."));
  check.request.messages.push_back(Message::User(
      fmt::format("The request:\n{}\nThe proposed answer:\n{}\n\nIs the proposed answer "
                  "correct? Reply yes or no.",
                  Transcript(original.request), answer)));
  return check;
}

}  // namespace

void Request::StartVerification(Decision decision) {
  const PlanStage& stage = plan_.stages[stage_];
  const Candidate& chosen = candidates_[decision.chosen];
  verify_query_ = VerificationQuery(query_, chosen.result->text);
  pending_ = std::move(decision);
  verifiers_pending_ = stage.verifiers.size();
  verifiers_yes_ = verifiers_no_ = 0;
  // Copied: StartAttempt may grow attempts_, and a verifier may finish the request.
  const std::vector<std::string> verifiers = stage.verifiers;
  for (const std::string& model : verifiers) {
    if (finished_) return;
    StartAttempt(model, /*verifier=*/true, AttemptRole{kNoSlot, 0, false});
  }
}

void Request::OnVerifierResult(const Result<Completion>& result) {
  if (!pending_) return;
  if (result) {
    AnswerFormat yes_no;
    yes_no.kind = AnswerFormat::Kind::kYesNo;
    const auto verdict = ExtractAnswer(result->text, yes_no);
    if (verdict == "yes") {
      ++verifiers_yes_;
    } else if (verdict == "no") {
      ++verifiers_no_;
    }  // an answer that is neither does not count as a vote
  }
  if (--verifiers_pending_ > 0) return;

  const PlanStage& stage = plan_.stages[stage_];
  const std::size_t answered = verifiers_yes_ + verifiers_no_;
  const double share =
      answered == 0 ? 0.0 : static_cast<double>(verifiers_yes_) / static_cast<double>(answered);
  const bool passed = answered > 0 && share >= stage.verify_threshold;
  std::string verdict =
      answered == 0
          ? fmt::format("cross-validation: none of the {} verifiers gave a yes/no verdict",
                        stage.verifiers.size())
          : fmt::format("cross-validation: {} of {} verifiers said yes ({:.0f}% {} {:.0f}%)",
                        verifiers_yes_, answered, share * 100.0, passed ? ">=" : "<",
                        stage.verify_threshold * 100.0);
  Decision decision = std::move(*pending_);
  pending_.reset();
  decision.explanation += (decision.explanation.empty() ? "" : "; ") + verdict;
  if (passed) {
    Accept(std::move(decision));
    return;
  }
  decision.accepted = false;
  last_decision_ = std::move(decision);
  StageEnded(/*any_success=*/true);
}

void Request::Escalate(std::string why) {
  escalated_ = true;
  host_.RecordEscalation();
  if (host_.observing()) {
    ObserverEvent event = NewEvent(EventKind::kEscalated);
    event.error = Error(ErrorCode::kNoConsensus, why);
    host_.Publish(std::move(event));
  }
  last_decision_.explanation = std::move(why);
  Escalation escalation;
  escalation.request_id = id_;
  escalation.query = query_;
  escalation.candidates = candidates_;
  escalation.decision = last_decision_;
  try {
    host_.options().escalation->Escalate(escalation, host_.MakeEscalationReply(id_));
  } catch (const std::exception& e) {
    Finish(Error(ErrorCode::kInternal, fmt::format("the escalation handler threw: {}", e.what())));
  } catch (...) {
    Finish(Error(ErrorCode::kInternal, "the escalation handler threw a non-standard exception"));
  }
  // Otherwise the request waits for the reply until its deadline.
}

void Request::OnEscalationReply(Result<Completion> reply) {
  if (finished_ || !escalated_) return;
  if (!reply) {
    Error error = std::move(reply).error();
    if (error.model().empty()) error.WithModel("human");
    Finish(std::move(error));
    return;
  }
  // The human's answer is accounted as an attempt of the model "human", at no cost.
  const auto now = net::Clock::now();
  AttemptState& human = attempts_.emplace_back();
  human.started = now;
  human.record.model = "human";
  human.record.provider = "human";
  human.record.stage = stage_;
  human.record.outcome = Attempt::Outcome::kSucceeded;
  human.record.text = reply->text;
  human.record.usage = reply->usage;
  human.record.started_after = Elapsed();
  reply->cost_usd = 0.0;

  Response response;
  response.request_id = id_;
  response.completion = std::move(*reply);
  response.answer = response.completion.text;
  response.model = "human";
  response.consensus.rule = "human";
  response.consensus.agreement = 0.0;
  response.consensus.confidence = 1.0;
  response.consensus.explanation =
      fmt::format("escalated to a human, who answered: {}", last_decision_.explanation);
  Finish(std::move(response));
}

}  // namespace prsm::internal

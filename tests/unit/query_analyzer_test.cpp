// The query analyser, PriorQuality and WorstCaseCostUsd.
#include <chrono>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "prsm/routing.h"

using prsm::AnalyzeQuery;
using prsm::Message;
using prsm::ModelSpec;
using prsm::Query;
using prsm::QueryFeatures;

namespace {

QueryFeatures Analyze(const std::string& text) { return AnalyzeQuery(Query::FromText(text)); }

Query WithAttribute(const std::string& text, const std::string& key, const std::string& value) {
  Query query = Query::FromText(text);
  query.context.attributes[key] = value;
  return query;
}

}  // namespace

TEST_CASE("the analyser finds the domain from keyword cues", "[analyzer]") {
  CHECK(Analyze("James decides to run 3 sprints 3 times a week. He runs 60 meters each sprint. "
                "How many total meters does he run a week?")
            .domain == "math");
  CHECK(Analyze("Solve the equation $x^2 - 5x + 6 = 0$ and put the answer in \\boxed{}.").domain ==
        "math");
  CHECK(Analyze("Implement a function in Python that returns the kth smallest element of two "
                "sorted lists.")
            .domain == "code");
  CHECK(Analyze("```cpp\nint main() { return 0; }\n```\nWhy does this not compile?").domain ==
        "code");
  CHECK(Analyze("A spin-half particle is in a superposition of states. What is the expectation "
                "value of the energy of the electron?")
            .domain == "science");
  CHECK(
      Analyze("The plaintiff sued the defendant in federal court for breach of contract.").domain ==
      "legal");
  CHECK(Analyze("A patient presents with fever and a rash. What is the most likely diagnosis "
                "and treatment?")
            .domain == "medical");
  CHECK(Analyze("Draft a professional email to my supervisor asking for feedback on the blog "
                "post.")
            .domain == "writing");
  CHECK(
      Analyze("Should I move my portfolio from stocks to bonds given current inflation?").domain ==
      "finance");
  CHECK(Analyze("hello there").domain == "general");
  // One stray cue word does not make a domain.
  CHECK(Analyze("What is your favourite story?").domain == "general");
}

TEST_CASE("the host's domain attribute wins over the cues", "[analyzer]") {
  CHECK(AnalyzeQuery(WithAttribute("Solve 2 + 2 = ?", "domain", "finance")).domain == "finance");
  CHECK(AnalyzeQuery(WithAttribute("Solve 2 + 2 = ?", "domain", "")).domain == "math");
}

TEST_CASE("complexity rises with reasoning, maths, code and parts, and the host's hint wins",
          "[analyzer]") {
  const double trivial = Analyze("What is the capital of France?").complexity;
  const double hard =
      Analyze(
          "Prove that there are infinitely many primes p such that p + 2 is also prime? "
          "Then find all integers n with $n^2 + 1$ divisible by $n + 1$? Explain step by step.")
          .complexity;
  CHECK(trivial >= 0.0);
  CHECK(trivial < 0.3);
  CHECK(hard > 0.6);
  CHECK(hard <= 1.0);
  CHECK(hard > trivial);

  const std::string text = "What is the capital of France?";
  CHECK(AnalyzeQuery(WithAttribute(text, "complexity", "low")).complexity == Approx(0.2));
  CHECK(AnalyzeQuery(WithAttribute(text, "complexity", "Medium")).complexity == Approx(0.5));
  CHECK(AnalyzeQuery(WithAttribute(text, "complexity", "high")).complexity == Approx(0.85));
  CHECK(AnalyzeQuery(WithAttribute(text, "complexity", "0.7")).complexity == Approx(0.7));
  CHECK(AnalyzeQuery(WithAttribute(text, "complexity", "7")).complexity == Approx(1.0));
  CHECK(AnalyzeQuery(WithAttribute(text, "complexity", "-1")).complexity == Approx(0.0));
  // A hint that is not a level or a number is ignored, not an error.
  CHECK(AnalyzeQuery(WithAttribute(text, "complexity", "very")).complexity == Approx(trivial));
  CHECK(AnalyzeQuery(WithAttribute(text, "complexity", "nan")).complexity == Approx(trivial));
}

TEST_CASE("the analyser flags reasoning, code, maths and multiple choice", "[analyzer]") {
  const QueryFeatures mmlu = Analyze(
      "Find the degree for the given field extension Q(sqrt(2), sqrt(3), sqrt(18)) over Q.\n"
      "A. 0\nB. 4\nC. 2\nD. 6\nAnswer:");
  CHECK(mmlu.multiple_choice);
  const QueryFeatures gpqa = Analyze(
      "Answer the following multiple choice question. Think step by step.\n\nWhat is the "
      "speed of light in glass?\n\nA) (1+n*v)/(n+v)\nB) 1\nC) (1+n*v)/(n-v)\nD) (1-n*v)/(n+v)");
  CHECK(gpqa.multiple_choice);
  CHECK(gpqa.needs_reasoning);
  CHECK(Analyze("Pick one: (A) red (B) green (C) blue (D) yellow").multiple_choice);
  CHECK_FALSE(Analyze("A. first\nB. second\nC. third").multiple_choice);  // no D
  CHECK_FALSE(Analyze("Plan A and plan B are both fine.").multiple_choice);

  CHECK(Analyze("def f(x):\n    return x * 2\n\nWhat does f(3) return?").has_code);
  CHECK_FALSE(Analyze("What is the capital of France?").has_code);
  CHECK(Analyze("Compute 17 * 23 + 4.").has_math);
  CHECK_FALSE(Analyze("Tell me about the history of Rome.").has_math);
  CHECK(Analyze("Why is the sky blue?").needs_reasoning);
  CHECK_FALSE(Analyze("Name a colour.").needs_reasoning);
}

TEST_CASE("prompt tokens are about a quarter of the characters of every message", "[analyzer]") {
  Query query;
  query.request.messages.push_back(Message::System(std::string(400, 's')));
  query.request.messages.push_back(Message::User(std::string(800, 'u')));
  query.request.messages.push_back(Message::Assistant(std::string(4, 'a')));
  CHECK(AnalyzeQuery(query).prompt_tokens == 301);
  CHECK(AnalyzeQuery(Query{}).prompt_tokens == 0);
  CHECK(AnalyzeQuery(Query{}).domain == "general");
}

TEST_CASE("the analyser is deterministic and survives odd input", "[analyzer]") {
  const std::string text = "Solve: 3 + 4 = ? Explain why.\n(A) 6 (B) 7 (C) 8 (D) 9";
  const QueryFeatures a = Analyze(text);
  const QueryFeatures b = Analyze(text);
  CHECK(a.domain == b.domain);
  CHECK(a.complexity == b.complexity);
  CHECK(a.multiple_choice == b.multiple_choice);
  std::string binary;
  for (int i = 0; i < 512; ++i) binary.push_back(static_cast<char>(i % 256));
  const QueryFeatures odd = Analyze(binary);
  CHECK(odd.complexity >= 0.0);
  CHECK(odd.complexity <= 1.0);
  CHECK(Analyze("").complexity >= 0.0);
}

TEST_CASE("the analyser costs microseconds per query", "[analyzer][timing]") {
  const std::vector<std::string> bases = {
      "James decides to run 3 sprints 3 times a week. He runs 60 meters each sprint. How many "
      "total meters does he run a week?",
      "Answer the following multiple choice question. The last line of your response should be "
      "of the following format: 'Answer: $LETTER'. Think step by step before answering.\n\n"
      "Two quantum states with energies E1 and E2 have a lifetime of 10^-9 sec and 10^-8 sec. "
      "Which one of the following options could be their energy difference?\n\nA) 10^-8 eV\n"
      "B) 10^-11 eV\nC) 10^-9 eV\nD) 10^-4 eV",
      "Solve the following math problem step by step. The last line of your response should "
      "only contain your final answer inside a \\boxed{} command.\n\nLet $x,y$ and $z$ be "
      "positive real numbers that satisfy $\\log_2\\left({x \\over yz}\\right) = {1 \\over 2}$. "
      "Find $m+n$.",
      "Write a persuasive email to convince your introverted friend to volunteer as a guest "
      "speaker at a local event. Use compelling arguments and address potential objections.",
      "You are given two sorted lists of size m and n. Implement a function to find the kth "
      "smallest element in the union of the two lists with linear complexity."};
  std::vector<Query> queries;
  for (int i = 0; i < 10000; ++i) {
    queries.push_back(Query::FromText(bases[static_cast<std::size_t>(i) % bases.size()] + " #" +
                                      std::to_string(i)));
  }
  double checksum = 0.0;
  const auto start = std::chrono::steady_clock::now();
  for (const Query& query : queries) checksum += AnalyzeQuery(query).complexity;
  const auto elapsed = std::chrono::steady_clock::now() - start;
  const double per_query_us = std::chrono::duration<double, std::micro>(elapsed).count() /
                              static_cast<double>(queries.size());
  WARN("AnalyzeQuery: " << per_query_us << " us per query over 10000 queries");
  CHECK(checksum > 0.0);
  // Generous for debug and sanitizer builds; a model call costs a hundred thousand times more.
  CHECK(per_query_us < 2000.0);
}

TEST_CASE("PriorQuality takes the domain's prior when set, else the overall one", "[analyzer]") {
  ModelSpec spec;
  spec.name = "m";
  spec.quality = 0.7;
  spec.domain_quality = {{"math", 0.9}};
  QueryFeatures features;
  features.domain = "math";
  CHECK(prsm::PriorQuality(spec, features) == Approx(0.9));
  features.domain = "code";
  CHECK(prsm::PriorQuality(spec, features) == Approx(0.7));
}

TEST_CASE("WorstCaseCostUsd prices every prompt token and the most output the call may produce",
          "[analyzer]") {
  ModelSpec spec;
  spec.name = "m";
  spec.price.input_per_mtok = 2.0;
  spec.price.output_per_mtok = 10.0;
  Query query = Query::FromText(std::string(4000, 'x'));  // 1000 tokens
  // Default: 4096 output tokens.
  CHECK(prsm::WorstCaseCostUsd(spec, query) == Approx((1000 * 2.0 + 4096 * 10.0) / 1e6));
  spec.max_output_tokens = 1000;
  CHECK(prsm::WorstCaseCostUsd(spec, query) == Approx((1000 * 2.0 + 1000 * 10.0) / 1e6));
  query.request.max_tokens = 100;  // the request's limit wins
  CHECK(prsm::WorstCaseCostUsd(spec, query) == Approx((1000 * 2.0 + 100 * 10.0) / 1e6));
  spec.price = {};
  CHECK(prsm::WorstCaseCostUsd(spec, query) == 0.0);
}

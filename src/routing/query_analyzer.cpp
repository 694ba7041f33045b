// The query analyser: cheap textual features of a query (domain, complexity, reasoning, code,
// maths, multiple choice, size), so routing costs microseconds rather than a model call. One
// pass lower-cases the text and splits it into words; domain cues are whole words (so "cell"
// does not fire on "excellent"), a few symbols and phrases are matched as substrings. The
// weights are deliberately coarse: they rank queries, and the strategies that learn correct
// the quality estimates they feed.
#include <algorithm>
#include <array>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "prsm/routing.h"

namespace prsm {

namespace {

enum Domain : std::uint8_t { kMath, kCode, kScience, kFinance, kLegal, kMedical, kWriting, kCount };

constexpr std::array<std::string_view, kCount> kDomainNames = {
    "math", "code", "science", "finance", "legal", "medical", "writing"};

// Whole-word cues of each domain, space-separated. A word counts once per occurrence.
constexpr std::array<std::string_view, kCount> kDomainWords = {
    // math
    "solve equation equations integer integers prime polynomial probability triangle circle "
    "remainder divisible derivative integral theorem sqrt frac boxed log sum product calculate "
    "compute algebra geometry matrix vector modulo digits percent average ratio real function "
    "sequence perimeter area",
    // code
    "python java javascript typescript c++ rust golang sql code program implement compile "
    "compiler bug debug algorithm def return class api regex array string recursion html css "
    "script struct lists",
    // science
    "physics chemistry biology molecule molecules atom atoms electron electrons energy quantum "
    "reaction cell cells species gene protein velocity mass particle spin photon photons acid "
    "compound enzyme magnetic temperature planet orbit dna wavelength frequency nucleus hydrogen "
    "carbon oxygen organic isomer isomers star stars galaxy mol ion ions bacteria mutation "
    "chromosome neutron proton hamiltonian entropy thermodynamics momentum voltage circuit",
    // finance
    "stock stocks investment portfolio revenue tax taxes financial accounting bond bonds "
    "dividend inflation loan mortgage equity asset assets liabilities economics gdp budget "
    "profit",
    // legal
    "law court contract plaintiff defendant statute legal constitution constitutional liability "
    "lawsuit tort judge jury attorney overruled precedent felony",
    // medical
    "patient patients diagnosis symptom symptoms disease treatment clinical drug medical "
    "medicine dose surgery infection physician therapy anatomy nurse",
    // writing ("letter" is not one: "the letter of your answer")
    "write essay email poem poetry story draft blog rewrite compose paragraph outline "
    "persuasive narrative limerick tone summarize",
};

const std::unordered_map<std::string_view, Domain>& WordCues() {
  static const auto* cues = [] {
    auto* map = new std::unordered_map<std::string_view, Domain>();
    for (std::size_t d = 0; d < kCount; ++d) {
      std::string_view words = kDomainWords[d];
      while (!words.empty()) {
        const std::size_t space = words.find(' ');
        const std::string_view word = words.substr(0, space);
        if (!word.empty()) map->emplace(word, static_cast<Domain>(d));
        if (space == std::string_view::npos) break;
        words.remove_prefix(space + 1);
      }
    }
    return map;
  }();
  return *cues;
}

// Words that ask for reasoning rather than recall.
bool IsReasoningWord(std::string_view word) {
  static constexpr std::array<std::string_view, 12> kWords = {
      "prove",     "why",    "explain", "derive",  "justify",     "reason",
      "reasoning", "deduce", "analyze", "analyse", "demonstrate", "evaluate"};
  return std::find(kWords.begin(), kWords.end(), word) != kWords.end();
}

bool Contains(std::string_view text, std::string_view needle) {
  return text.find(needle) != std::string_view::npos;
}

std::size_t CountOf(std::string_view text, std::string_view needle) {
  std::size_t count = 0;
  for (std::size_t at = text.find(needle); at != std::string_view::npos;
       at = text.find(needle, at + needle.size())) {
    ++count;
  }
  return count;
}

// Options labelled A-D: "A. x", "A) x", "(A) x" or "A: x", each at a line start (or, for
// "(A)", anywhere). Needs A, B, C and D in that order.
bool HasLabelledOptions(std::string_view text) {
  std::size_t at = 0;
  for (char letter = 'A'; letter <= 'D'; ++letter) {
    bool found = false;
    for (std::size_t i = at; i + 1 < text.size(); ++i) {
      if (text[i] == '(' && text[i + 1] == letter && i + 2 < text.size() && text[i + 2] == ')') {
        found = true;
      } else if (text[i] == letter && (i == 0 || text[i - 1] == '\n') &&
                 (text[i + 1] == '.' || text[i + 1] == ')' || text[i + 1] == ':')) {
        found = true;
      }
      if (found) {
        at = i + 2;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

// A host's complexity hint: "low", "medium", "high" or a number in [0, 1].
std::optional<double> ComplexityHint(const std::string& hint) {
  std::string lower(hint);
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (lower == "low" || lower == "simple" || lower == "easy") return 0.2;
  if (lower == "medium" || lower == "moderate") return 0.5;
  if (lower == "high" || lower == "hard" || lower == "complex") return 0.85;
  char* end = nullptr;
  const double value = std::strtod(lower.c_str(), &end);
  if (end == lower.c_str() || *end != '\0' || !std::isfinite(value)) return std::nullopt;
  return std::clamp(value, 0.0, 1.0);
}

}  // namespace

QueryFeatures AnalyzeQuery(const Query& query) {
  QueryFeatures features;
  std::size_t chars = 0;
  std::string text;  // every message, lower-cased, for the cues
  std::string raw;   // the same, as written, for case-sensitive patterns (option labels)
  for (const Message& message : query.request.messages) {
    chars += message.content.size();
    if (message.role == Role::kAssistant || message.role == Role::kTool) continue;
    raw += message.content;
    raw += '\n';
  }
  features.prompt_tokens = (chars + 3) / 4;
  text.resize(raw.size());
  std::transform(raw.begin(), raw.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });

  // One pass over the words: domain votes, reasoning cues, numbers.
  std::array<double, kCount> votes{};
  std::size_t words = 0;
  std::size_t numbers = 0;
  std::size_t reasoning_words = 0;
  const auto& cues = WordCues();
  for (std::size_t i = 0; i < text.size();) {
    const auto is_word_char = [&](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '+' || c == '_';
    };
    if (!is_word_char(text[i])) {
      ++i;
      continue;
    }
    std::size_t end = i;
    while (end < text.size() && is_word_char(text[end])) ++end;
    const std::string_view word(text.data() + i, end - i);
    ++words;
    if (std::isdigit(static_cast<unsigned char>(word.front())) != 0) {
      ++numbers;
    } else if (auto it = cues.find(word); it != cues.end()) {
      votes[it->second] += 1.0;
    } else if (IsReasoningWord(word)) {
      ++reasoning_words;
    }
    i = end;
  }

  // Symbols and phrases.
  const std::size_t fences = CountOf(text, "```");
  const std::size_t latex = CountOf(text, "\\frac") + CountOf(text, "\\sqrt") +
                            CountOf(text, "\\boxed") + CountOf(text, "$") / 2 +
                            CountOf(text, "\\cdot") + CountOf(text, "^");
  // "3 + 4", "17*23", "x = 5": an operator between a digit and a digit, spaces allowed.
  const std::size_t arithmetic = [&] {
    const auto is_digit = [](char c) { return c >= '0' && c <= '9'; };
    std::size_t count = 0;
    for (std::size_t i = 1; i + 1 < text.size(); ++i) {
      const char c = text[i];
      if (c != '+' && c != '*' && c != '/' && c != '=' && c != '-' && c != '^') continue;
      std::size_t before = i;
      while (before > 0 && text[before - 1] == ' ') --before;
      std::size_t after = i + 1;
      while (after < text.size() && text[after] == ' ') ++after;
      if (before > 0 && after < text.size() && is_digit(text[before - 1]) &&
          is_digit(text[after])) {
        ++count;
      }
    }
    return count;
  }();
  const bool code_syntax = fences > 0 || Contains(text, "#include") || Contains(text, "def ") ||
                           Contains(text, "=>") || Contains(text, "();") ||
                           Contains(text, "public static") || Contains(text, "console.log");
  const bool multiple_choice = HasLabelledOptions(raw);
  // Word problems: "how many ...", or a question over several numbers ("what is his profit if
  // he sells 20 candles at $2.00 each?"; not when the numbers may be the options).
  const bool word_problem =
      numbers >= 2 &&
      (Contains(text, "how many") || Contains(text, "how much") || Contains(text, "how far") ||
       Contains(text, "how long") || Contains(text, "how old") ||
       (numbers >= 3 && !multiple_choice && Contains(text, "?")));
  votes[kMath] += static_cast<double>(latex) + (word_problem ? 2.0 : 0.0) +
                  std::min<double>(static_cast<double>(arithmetic), 3.0);
  votes[kCode] += code_syntax ? 3.0 : 0.0;
  if (Contains(text, "interest rate") || Contains(text, "cash flow")) votes[kFinance] += 2.0;
  if (Contains(text, "step by step")) ++reasoning_words;

  features.has_code = code_syntax || votes[kCode] >= 2.0;
  features.has_math = latex > 0 || arithmetic > 0 || word_problem || votes[kMath] >= 2.0;
  features.multiple_choice = multiple_choice;
  features.needs_reasoning = reasoning_words > 0 || word_problem || Contains(text, "show that") ||
                             Contains(text, "find all");

  // Domain: the host's hint wins; else the strongest cue, when clear enough.
  auto hinted = query.context.attributes.find("domain");
  if (hinted != query.context.attributes.end() && !hinted->second.empty()) {
    features.domain = hinted->second;
  } else {
    std::size_t best = kCount;
    double best_votes = 1.5;  // one stray word does not make a domain
    for (std::size_t d = 0; d < kCount; ++d) {
      if (votes[d] > best_votes) {
        best = d;
        best_votes = votes[d];
      }
    }
    if (best != kCount) features.domain = std::string(kDomainNames[best]);
  }

  // Complexity: the host's hint wins; else additive cues, clamped to [0, 1].
  std::optional<double> hint;
  if (auto it = query.context.attributes.find("complexity"); it != query.context.attributes.end()) {
    hint = ComplexityHint(it->second);
  }
  if (hint) {
    features.complexity = *hint;
  } else {
    const std::size_t questions = CountOf(text, "?");
    const bool multi_part = questions >= 2 || (Contains(text, "\n1.") && Contains(text, "\n2.")) ||
                            (Contains(text, "(a)") && Contains(text, "(b)"));
    const double length = std::min(0.25, static_cast<double>(words) / 1200.0);
    double complexity = 0.1 + length;
    if (features.needs_reasoning) complexity += 0.15;
    if (features.has_math) complexity += 0.1 + std::min(0.15, static_cast<double>(latex) / 40.0);
    if (features.has_code) complexity += 0.15;
    if (multi_part) complexity += 0.1;
    if (Contains(text, "prove") || Contains(text, "find all") || Contains(text, "\\boxed")) {
      complexity += 0.1;  // competition-style
    }
    if (features.multiple_choice) complexity -= 0.05;  // the answer is among four
    features.complexity = std::clamp(complexity, 0.0, 1.0);
  }
  return features;
}

double PriorQuality(const ModelSpec& model, const QueryFeatures& features) {
  auto it = model.domain_quality.find(features.domain);
  return std::clamp(it != model.domain_quality.end() ? it->second : model.quality, 0.0, 1.0);
}

double WorstCaseCostUsd(const ModelSpec& model, const Query& query) {
  std::size_t chars = 0;
  for (const Message& message : query.request.messages) chars += message.content.size();
  const std::size_t prompt_tokens = (chars + 3) / 4;  // as AnalyzeQuery estimates them
  std::int64_t output = 4096;
  if (query.request.max_tokens && *query.request.max_tokens > 0) {
    output = *query.request.max_tokens;
  } else if (model.max_output_tokens > 0) {
    output = model.max_output_tokens;
  }
  return (static_cast<double>(prompt_tokens) * model.price.input_per_mtok +
          static_cast<double>(output) * model.price.output_per_mtok) /
         1e6;
}

}  // namespace prsm

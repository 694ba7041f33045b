// Command-line parsing; see cli_args.h.
#include "cli_args.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace prsm_cli {

bool ParsedArgs::Has(std::string_view name) const {
  return std::any_of(options.begin(), options.end(),
                     [&](const auto& option) { return option.first == name; });
}

std::optional<std::string> ParsedArgs::Last(std::string_view name) const {
  std::optional<std::string> value;
  for (const auto& [option, text] : options) {
    if (option == name) value = text;
  }
  return value;
}

std::vector<std::string> ParsedArgs::All(std::string_view name) const {
  std::vector<std::string> values;
  for (const auto& [option, text] : options) {
    if (option == name) values.push_back(text);
  }
  return values;
}

std::optional<std::string> ParseArgs(const std::vector<std::string>& args,
                                     const std::vector<OptionSpec>& specs, ParsedArgs* out) {
  auto find = [&](std::string_view name) -> const OptionSpec* {
    for (const OptionSpec& spec : specs) {
      if (spec.name == name) return &spec;
    }
    return nullptr;
  };
  bool only_positionals = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    // "-" alone is an ordinary argument (stdin by convention), as is a negative number.
    if (only_positionals || arg.size() < 2 || arg[0] != '-') {
      out->positionals.push_back(arg);
      continue;
    }
    if (arg == "--") {
      only_positionals = true;
      continue;
    }
    std::string name = arg;
    std::optional<std::string> value;
    if (const std::size_t eq = arg.find('='); arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
    }
    if (name == "-h" && find("--help") != nullptr) name = "--help";
    const OptionSpec* spec = find(name);
    if (spec == nullptr) return "unknown option '" + name + "'";
    if (!spec->takes_value) {
      if (value) return "option " + name + " takes no value";
      out->options.emplace_back(name, std::string());
      continue;
    }
    if (!value) {
      if (i + 1 >= args.size()) return "option " + name + " needs a value";
      value = args[++i];
    }
    out->options.emplace_back(name, *value);
  }
  return std::nullopt;
}

std::optional<std::chrono::milliseconds> ParseDuration(std::string_view text) {
  std::size_t digits = 0;
  while (digits < text.size() &&
         ((text[digits] >= '0' && text[digits] <= '9') || text[digits] == '.')) {
    ++digits;
  }
  if (digits == 0 || digits > 32) return std::nullopt;
  const std::string number(text.substr(0, digits));
  if (number.front() == '.' || number.back() == '.' ||
      std::count(number.begin(), number.end(), '.') > 1) {
    return std::nullopt;
  }
  const std::string_view unit = text.substr(digits);
  double scale = 0.0;
  if (unit == "ms") {
    scale = 1.0;
  } else if (unit == "s") {
    scale = 1000.0;
  } else if (unit == "m") {
    scale = 60'000.0;
  } else if (unit == "h") {
    scale = 3'600'000.0;
  } else {
    return std::nullopt;
  }
  const double ms = std::strtod(number.c_str(), nullptr) * scale;
  constexpr double kYearMs = 365.0 * 24 * 3'600'000.0;
  if (!(ms >= 1.0) || ms > kYearMs) return std::nullopt;
  return std::chrono::milliseconds(static_cast<std::int64_t>(std::llround(ms)));
}

std::optional<std::size_t> ParseCount(std::string_view text, std::size_t min, std::size_t max) {
  if (text.empty() || text.size() > 18) return std::nullopt;
  std::size_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + static_cast<std::size_t>(c - '0');
  }
  if (value < min || value > max) return std::nullopt;
  return value;
}

}  // namespace prsm_cli

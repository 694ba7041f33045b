// prsm models: the configured models with provider, prices and context window; see commands.h.
#include <algorithm>
#include <string>

#include <fmt/format.h>

#include "commands.h"
#include "json_format.h"
#include "prsm/config.h"

namespace prsm_cli {
namespace {

constexpr const char* kModelsUsage =
    "usage: prsm [--config FILE] models [--json]\n"
    "\n"
    "Lists the configured models: provider, the vendor's model id, prices in USD per\n"
    "million tokens (input, cached input, output), context window and output limit.\n"
    "Provider keys need not be set.\n"
    "\n"
    "  --json          one JSON object: {\"config\", \"models\": [...]}\n"
    "  --config FILE   configuration file (default: $PRSM_CONFIG, else ./prsm.json)\n"
    "\n"
    "Exit status: 0, or 2 for a usage or configuration error.\n";

std::string Price(double usd_per_mtok) { return fmt::format("{:g}", usd_per_mtok); }

std::string Tokens(std::int64_t count) { return count > 0 ? std::to_string(count) : "-"; }

void PrintJson(const prsm::OrchestratorConfig& config) {
  rapidjson::StringBuffer buffer;
  JsonWriter out(buffer);
  out.StartObject();
  out.Key("config");
  WriteString(out, config.source);
  out.Key("models");
  out.StartArray();
  for (const prsm::ModelSpec& model : config.models) {
    out.StartObject();
    out.Key("name");
    WriteString(out, model.name);
    out.Key("provider");
    WriteString(out, model.provider);
    out.Key("provider_model");
    WriteString(out, model.wire_model());
    out.Key("input_per_mtok");
    WriteNumber(out, model.price.input_per_mtok);
    out.Key("cached_input_per_mtok");
    WriteNumber(out, model.price.cached_input_per_mtok.value_or(model.price.input_per_mtok));
    out.Key("output_per_mtok");
    WriteNumber(out, model.price.output_per_mtok);
    out.Key("context_window");
    out.Int64(model.context_window);
    out.Key("max_output_tokens");
    out.Int64(model.max_output_tokens);
    out.Key("quality");
    WriteNumber(out, model.quality);
    out.EndObject();
  }
  out.EndArray();
  out.EndObject();
  fmt::print("{}\n", buffer.GetString());
}

}  // namespace

int RunModels(const GlobalOptions& global_in, const std::vector<std::string>& args) {
  GlobalOptions global = global_in;
  ParsedArgs parsed;
  const int early =
      ParseCommandArgs("models", kModelsUsage, {{"--json", false}}, args, &global, &parsed);
  if (early >= 0) return early;
  if (!parsed.positionals.empty()) {
    return UsageError("models", "unexpected argument '" + parsed.positionals[0] + "'");
  }
  auto config = LoadCliConfig(global, /*require_keys=*/false);
  if (!config) {
    fmt::print(stderr, "prsm models: {}\n", config.error().message());
    return kExitUsage;
  }
  if (parsed.Has("--json")) {
    PrintJson(*config);
    return kExitOk;
  }

  // Column widths from the data, so long names stay aligned.
  std::size_t name_width = 5;
  std::size_t provider_width = 8;
  std::size_t wire_width = 8;
  for (const prsm::ModelSpec& model : config->models) {
    name_width = std::max(name_width, model.name.size());
    provider_width = std::max(provider_width, model.provider.size());
    wire_width = std::max(wire_width, model.wire_model().size());
  }
  fmt::print("{:<{}}  {:<{}}  {:<{}}  {:>10}  {:>10}  {:>10}  {:>9}  {:>10}\n", "MODEL", name_width,
             "PROVIDER", provider_width, "WIRE ID", wire_width, "IN $/M", "CACHED $/M", "OUT $/M",
             "CONTEXT", "MAX OUTPUT");
  for (const prsm::ModelSpec& model : config->models) {
    fmt::print("{:<{}}  {:<{}}  {:<{}}  {:>10}  {:>10}  {:>10}  {:>9}  {:>10}\n", model.name,
               name_width, model.provider, provider_width, model.wire_model(), wire_width,
               Price(model.price.input_per_mtok),
               Price(model.price.cached_input_per_mtok.value_or(model.price.input_per_mtok)),
               Price(model.price.output_per_mtok), Tokens(model.context_window),
               Tokens(model.max_output_tokens));
  }
  fmt::print("{} model{} from {}\n", config->models.size(), config->models.size() == 1 ? "" : "s",
             config->source);
  return kExitOk;
}

}  // namespace prsm_cli

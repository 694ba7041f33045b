// LoadConfigFile and ParseConfig (prsm/config.h): read the file, parse the JSON, check the root's
// keys, and hand it to the section readers (sections.h) in dependency order.
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "config/reader.h"
#include "config/sections.h"
#include "json/json_read.h"
#include "prsm/config.h"

namespace prsm {

namespace {

const std::vector<std::string_view> kRootKeys = {
    "providers",    "models",  "routing", "consensus",   "limits", "network",      "retry",
    "retry_budget", "breaker", "hedge",   "rate_limits", "budget", "observability"};

Result<OrchestratorConfig> Parse(std::string_view json, std::string_view source_name,
                                 const ConfigLoadOptions& options) {
  config::LoadContext context{std::string(source_name), &options};
  json::Document doc;
  if (auto parsed = json::ParseJson(json, doc); !parsed) {
    return config::ConfigError(context, "$", "a JSON document", parsed.error().message());
  }
  auto root = config::ObjectReader::Open(context, doc, "$", kRootKeys);
  if (!root) return std::move(root).error();
  OrchestratorConfig config;
  config.source = context.source;
  using Section = Result<void> (*)(const config::ObjectReader&, OrchestratorConfig&);
  for (Section section : {&config::ReadProviders, &config::ReadModels, &config::ReadRouting,
                          &config::ReadConsensus, &config::ReadResilience, &config::ReadLimits}) {
    if (auto read = section(*root, config); !read) return std::move(read).error();
  }
  return config;
}

}  // namespace

Result<OrchestratorConfig> ParseConfig(std::string_view json, std::string_view source_name,
                                       const ConfigLoadOptions& options) {
  try {
    return Parse(json, source_name, options);
  } catch (const std::exception& e) {
    // Only a bug can get here (a RapidJSON precondition, bad_alloc): never past the API.
    return Error(ErrorCode::kInternal,
                 fmt::format("{}: reading the configuration failed: {}", source_name, e.what()));
  }
}

Result<OrchestratorConfig> LoadConfigFile(const std::string& path,
                                          const ConfigLoadOptions& options) {
  std::ifstream file(path, std::ios::binary);
  if (!file) {
    return Error(ErrorCode::kNotFound, fmt::format("{}: cannot open the configuration file", path));
  }
  std::ostringstream text;
  text << file.rdbuf();
  if (file.bad()) {
    return Error(ErrorCode::kNotFound, fmt::format("{}: cannot read the configuration file", path));
  }
  return ParseConfig(text.str(), path, options);
}

}  // namespace prsm

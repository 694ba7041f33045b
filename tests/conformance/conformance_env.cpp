#include "conformance_env.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

#include <catch2/catch.hpp>

#include "child_process.h"

namespace prsm::conformance {
namespace {

bool Exists(const std::string& path) { return access(path.c_str(), F_OK) == 0; }

bool Required() {
  const char* value = std::getenv("PRSM_REQUIRE_CONFORMANCE");
  return value != nullptr && std::string_view(value) == "1";
}

// Probed once per process: `node --version` costs ~50 ms.
const std::string& NodeProblem() {
  static const std::string problem = [] {
    const ProgramRun run = RunProgram({"node", "--version"}, {}, std::chrono::seconds(20));
    if (!run.succeeded()) return "node does not run: " + run.Describe();
    const std::string& version = run.output;  // "v20.20.2\n"
    if (version.size() < 3 || version[0] != 'v' || std::atoi(version.c_str() + 1) < 20) {
      return "node 20 or newer is needed, found " + version;
    }
    return std::string();
  }();
  return problem;
}

}  // namespace

std::string SharedDir() {
  if (const char* dir = std::getenv("PRSM_SHARED_DIR"); dir != nullptr && *dir != '\0') {
    return dir;
  }
  return PRSM_SHARED_DIR_DEFAULT;
}

std::string SpecPath(std::string_view relative) {
  return SharedDir() + "/specs/" + std::string(relative);
}

std::string ConformanceDir() { return PRSM_CONFORMANCE_DIR; }

std::string NodeBin(std::string_view name) {
  return ConformanceDir() + "/node_modules/.bin/" + std::string(name);
}

std::string LogDir() {
  const std::string dir = PRSM_CONFORMANCE_LOG_DIR;
  mkdir(dir.c_str(), 0755);  // EEXIST is fine
  return dir;
}

void SkipBecause(const std::string& reason) {
  if (Required()) {
    FAIL(reason << " (PRSM_REQUIRE_CONFORMANCE=1: this is a failure here)");
  } else {
    WARN(kSkipMarker << " " << reason);
  }
}

bool Prerequisites(const std::vector<std::string>& specs) {
  std::string missing;
  if (!specs.empty() && !Exists(SharedDir() + "/specs")) {
    missing = "no specs at " + SharedDir() +
              "/specs (the peers' shared directory is not beside this checkout; set "
              "PRSM_SHARED_DIR to use another)";
  }
  for (const std::string& spec : specs) {
    if (missing.empty() && !Exists(SpecPath(spec))) missing = "spec missing: " + SpecPath(spec);
  }
  if (missing.empty() && !Exists(ConformanceDir() + "/node_modules/.package-lock.json")) {
    missing = "npm packages not installed in " + ConformanceDir() +
              "/node_modules (scripts/install-deps, or npm ci there)";
  }
  if (missing.empty()) missing = NodeProblem();
  if (missing.empty()) return true;
  SkipBecause(missing);
  return false;
}

std::string JsonQuote(std::string_view text) {
  std::string out = "\"";
  for (const char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  return out + "\"";
}

}  // namespace prsm::conformance

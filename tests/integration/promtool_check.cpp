#include "promtool_check.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>

namespace prsm::testing {

PromtoolResult PromtoolCheckMetrics(const std::string& text) {
  PromtoolResult result;
  char path[] = "/tmp/prsm_metrics_XXXXXX";
  const int fd = mkstemp(path);
  if (fd < 0) return result;
  close(fd);
  {
    std::ofstream out(path, std::ios::binary);
    out << text;
  }
  // The shell only redirects: the path is ours, made by mkstemp.
  const std::string command =
      std::string("command -v promtool >/dev/null && promtool check metrics < ") + path + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  if (pipe != nullptr) {
    char buffer[4096];
    std::size_t n = 0;
    while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) result.output.append(buffer, n);
    const int status = pclose(pipe);
    result.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    if (result.status == 127 || (result.status == 1 && result.output.empty())) {
      result.status = -1;  // `command -v` failed: promtool is not installed
      result.output = "promtool is not installed (scripts/install-deps installs prometheus)";
    }
  }
  std::remove(path);
  return result;
}

}  // namespace prsm::testing

#include "proc_status.h"

#include <dirent.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>

namespace prsm::bench {
namespace {

// The value of a "Name:   1234 kB" line of /proc/self/status.
std::size_t StatusKib(const char* name) {
  std::ifstream status("/proc/self/status");
  const std::size_t length = std::strlen(name);
  std::string line;
  while (std::getline(status, line)) {
    if (line.compare(0, length, name) == 0 && line.size() > length && line[length] == ':') {
      return static_cast<std::size_t>(std::strtoull(line.c_str() + length + 1, nullptr, 10));
    }
  }
  return 0;
}

}  // namespace

std::size_t ResidentKib() { return StatusKib("VmRSS"); }

std::size_t PeakResidentKib() { return StatusKib("VmHWM"); }

bool ResetPeakResident() {
  std::FILE* file = std::fopen("/proc/self/clear_refs", "w");
  if (file == nullptr) return false;
  const bool written = std::fputs("5", file) >= 0;
  return std::fclose(file) == 0 && written;
}

std::size_t OpenDescriptors() {
  DIR* dir = opendir("/proc/self/fd");
  if (dir == nullptr) return 0;
  std::size_t count = 0;
  while (const dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count > 0 ? count - 1 : 0;  // the directory stream's own descriptor
}

}  // namespace prsm::bench

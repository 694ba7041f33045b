// Memory and descriptor figures of this process, read from /proc (Linux), for the soak.
//
// Thread safety: every function may be called from any thread. Errors: a figure that cannot be
// read is 0 (or false), never an exception.
#ifndef PRSM_BENCH_PROC_STATUS_H_
#define PRSM_BENCH_PROC_STATUS_H_

#include <cstddef>

namespace prsm::bench {

/// Resident set size now (VmRSS), in KiB.
std::size_t ResidentKib();
/// The peak resident set size (VmHWM), in KiB: since the process started, or since the last
/// successful ResetPeakResident().
std::size_t PeakResidentKib();
/// Restarts VmHWM from the current RSS (writes "5" to /proc/self/clear_refs, Linux >= 4.0).
/// False when the kernel refused; PeakResidentKib() then still counts from the start.
bool ResetPeakResident();
/// Open file descriptors (entries of /proc/self/fd), sockets included.
std::size_t OpenDescriptors();

}  // namespace prsm::bench

#endif  // PRSM_BENCH_PROC_STATUS_H_

// prism_harness.h — prsm's codecs against Stoplight Prism serving a vendor's own OpenAPI spec
// with request validation on.
//
// Every request goes through the public API as a host sends it (orchestrator, codec, event
// loop, libcurl) to Prism, which checks it against the spec: a request Prism rejects fails the
// test with Prism's reasons and the body prsm sent. Prism's log says how many requests it
// validated; the test checks that count against its own, so a spec Prism could not compile
// (Prism then silently stops validating) cannot pass unnoticed.
//
// Thread safety: use from the test thread only.
#ifndef PRSM_TESTS_CONFORMANCE_PRISM_HARNESS_H_
#define PRSM_TESTS_CONFORMANCE_PRISM_HARNESS_H_

#include <memory>
#include <string>
#include <vector>

#include "peer_server.h"
#include "prsm/provider.h"
#include "prsm/types.h"

namespace prsm::conformance {

/// One request feature to check.
struct RequestCase {
  std::string name;
  CompletionRequest request;
  /// Send it as a streaming request (CompletionRequest::stream) through the plain path.
  bool stream = false;
};

/// What Prism's log says about request validation.
struct PrismVerdicts {
  int passed = 0;
  int failed = 0;
};

class PrismHarness {
 public:
  /// Prism serving `spec` (relative to <shared>/specs), started on first use and kept for the
  /// rest of the process. With `paths` (JSON specs only), Prism serves a copy of the spec cut
  /// down to those paths and the components they reach (trim_spec.mjs): the whole OpenAI spec
  /// takes 15-70 s to load on a busy 2-core machine, the cut one a few seconds, and validates
  /// those paths exactly alike (PRSM_CONFORMANCE_FULL_SPECS=1 serves the whole spec instead).
  /// Returns nullptr after reporting a failure when it cannot start.
  static PrismHarness* For(const std::string& spec, const std::vector<std::string>& paths = {});

  /// "http://127.0.0.1:<port>".
  std::string base_url() const { return server_.base_url(); }

  /// Sends every case through an orchestrator that knows only `provider` (and a model
  /// `wire_model` on it), one at a time. CHECKs that Prism accepted each and that prsm read the
  /// answer. A case the codec itself refuses to encode (kInvalidArgument or kUnimplemented
  /// before anything is sent: a feature the vendor lacks) is not a failure here; it is listed
  /// in the tally, and the caller decides.
  struct Tally {
    int sent = 0;
    int accepted = 0;
    std::vector<std::string> refused;  ///< "case: codec's reason"
  };
  Tally CheckAccepted(const std::shared_ptr<const Provider>& provider,
                      const std::string& wire_model, const std::vector<RequestCase>& cases);

  /// Negative control: sends the codec's request with a body that lacks the required
  /// `messages` (every spec here requires it) and CHECKs that Prism rejects it (HTTP 422,
  /// kInvalidArgument): proof that validation is on, so that the cases above could fail.
  void CheckRejected(const std::shared_ptr<const Provider>& provider,
                     const std::string& wire_model);

  /// Prism's verdicts so far, from its log.
  PrismVerdicts verdicts() const;
  /// Polls Prism's log (bounded) until it shows at least `passed` and `failed` verdicts.
  PrismVerdicts WaitForVerdicts(int passed, int failed) const;

  double startup_seconds() const { return server_.startup_time().count() / 1000.0; }

  /// `trimmed_copy`: a file of ours to delete once Prism has stopped (empty: none).
  PrismHarness(const std::string& name, const std::string& served_spec, std::string trimmed_copy);

 private:
  // Deletes a file when destroyed.
  struct OwnedFile {
    std::string path;
    ~OwnedFile();
  };
  // Prism watches the spec it serves and stops serving when the file goes away, so the trimmed
  // copy must outlive the server: declared first, it is destroyed after server_ (deleting it
  // right after start-up made Prism drop out mid-test on a loaded machine).
  OwnedFile trimmed_copy_;
  PeerServer server_;
};

}  // namespace prsm::conformance

#endif  // PRSM_TESTS_CONFORMANCE_PRISM_HARNESS_H_

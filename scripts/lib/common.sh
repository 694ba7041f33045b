# shellcheck shell=bash
# Helpers shared by scripts/test, scripts/demo, scripts/lint and scripts/install-deps.
# Source it; it sets PRSM_ROOT (the checkout) and defines prsm_* functions.

PRSM_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
export PRSM_ROOT

# Debian 12 packages a build and the full test run need. `clang` brings clang++ 14 for the asan
# preset; libclang-rt-14-dev holds its sanitizer runtimes (a Recommends, so not pulled in by
# --no-install-recommends); clang-format/clang-tidy are pinned to 14 by the format and lint stages.
# doxygen generates the API reference (scripts/docs, the docs stage).
# prometheus brings promtool, whose `check metrics` validates FormatPrometheus in the tests (only
# promtool is used; where systemd runs, the package also starts a Prometheus server on :9090).
PRSM_APT_PACKAGES=(
  build-essential g++ cmake ninja-build pkg-config ca-certificates
  libcurl4-openssl-dev rapidjson-dev libfmt-dev catch2
  clang clang-format clang-tidy libclang-rt-14-dev
  openssl doxygen prometheus
)

prsm_log() { printf '\033[1;34m[prsm]\033[0m %s\n' "$*" >&2; }
prsm_warn() { printf '\033[1;33m[prsm] warning:\033[0m %s\n' "$*" >&2; }
prsm_die() {
  printf '\033[1;31m[prsm] error:\033[0m %s\n' "$*" >&2
  exit 1
}

prsm_jobs() {
  if [[ -n "${PRSM_JOBS:-}" ]]; then
    echo "$PRSM_JOBS"
  else
    nproc 2>/dev/null || echo 2
  fi
}

# Runs a command as root: directly when we are root, through sudo otherwise.
prsm_as_root() {
  if [[ "$(id -u)" == 0 ]]; then
    "$@"
  elif command -v sudo >/dev/null 2>&1; then
    sudo "$@"
  else
    prsm_die "need root to run: $*"
  fi
}

prsm_package_installed() {
  [[ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null)" == installed ]]
}

# Installs whatever of PRSM_APT_PACKAGES (plus node/npm when there is no node at all) is
# missing, then the npm packages of the conformance tests unless called with --no-npm. Runs
# `apt-get update` only when something is missing. Set PRSM_SKIP_DEPS=1 to skip.
prsm_install_deps() {
  local npm=1
  [[ "${1:-}" == --no-npm ]] && npm=0  # --with-npm (or nothing): install them
  if [[ "${PRSM_SKIP_DEPS:-0}" == 1 ]]; then
    return 0
  fi
  if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
    prsm_warn "not a Debian system: install by hand: ${PRSM_APT_PACKAGES[*]}"
    return 0
  fi
  local missing=() package
  for package in "${PRSM_APT_PACKAGES[@]}"; do
    prsm_package_installed "$package" || missing+=("$package")
  done
  # Node 20 comes preinstalled (not from apt) on our machines: never replace it.
  if ! command -v node >/dev/null 2>&1; then
    missing+=(nodejs npm)
  elif ! command -v npm >/dev/null 2>&1; then
    prsm_warn "node is installed without npm; the conformance tests will need npm"
  fi
  if ((${#missing[@]} > 0)); then
    prsm_log "installing: ${missing[*]}"
    prsm_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q
    prsm_as_root env DEBIAN_FRONTEND=noninteractive \
      apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  if ((npm)); then prsm_install_npm_deps; fi
}

# ==== HOOK: npm packages for the conformance tests ===========================================
# The conformance tests (tests/conformance) run the official `openai` and `@anthropic-ai/sdk`
# clients, @dwmkerr/mock-llm, Stoplight Prism and ajv from npm, at the exact versions of each
# directory's package-lock.json: `npm ci` installs them into its node_modules (gitignored),
# only when node_modules is missing or older than the lock file (~30 s once, nothing after).
# Without npm the tests cannot run: warn and go on (they then say so and are skipped).
PRSM_NPM_DIRS=(
  tests/conformance
)
prsm_install_npm_deps() {
  local dir
  for dir in "${PRSM_NPM_DIRS[@]}"; do
    dir="$PRSM_ROOT/$dir"
    [[ -f "$dir/package.json" ]] || continue
    if ! command -v npm >/dev/null 2>&1; then
      prsm_warn "npm not found: ${dir#"$PRSM_ROOT"/} not installed (its tests will be skipped)"
      continue
    fi
    if [[ ! -f "$dir/node_modules/.package-lock.json" ||
      "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]]; then
      prsm_log "npm ci in ${dir#"$PRSM_ROOT"/}"
      (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error) ||
        prsm_die "npm ci failed in ${dir#"$PRSM_ROOT"/}"
    fi
  done
}
# ==== end of HOOK ============================================================================

# The clang-format / clang-tidy of the pinned major version (their output differs by version).
prsm_clang_tool() {
  local tool="$1"
  if command -v "$tool-14" >/dev/null 2>&1; then
    echo "$tool-14"
  elif command -v "$tool" >/dev/null 2>&1; then
    echo "$tool"
  else
    prsm_die "$tool not found (apt-get install $tool)"
  fi
}

# Prints a script's header comment (from line 2 to the first line that is not a comment).
prsm_usage() {
  awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$1"
}

# Formats seconds as m:ss.
prsm_duration() {
  printf '%d:%02d' $(($1 / 60)) $(($1 % 60))
}

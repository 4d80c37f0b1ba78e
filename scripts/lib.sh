# Shared by scripts/run.sh and scripts/test.sh: install what is missing, idempotently.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clinic-vault/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Debian packages the build needs: a C toolchain and OpenSSL headers for SQLCipher,
# pkg-config to find them, python3 for the outside-auditor chain check.
DEB_PACKAGES=(build-essential pkg-config libssl-dev python3)

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

install_debian_packages() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  echo "installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq || true
  # The first install on these images can fail half-way ("failed to read archive");
  # the same command succeeds the second time.
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" \
    || as_root apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

require_rust() {
  if ! command -v cargo >/dev/null; then
    echo "cargo is missing: install Rust with rustup (https://rustup.rs), then run this again" >&2
    exit 1
  fi
  for component in rustfmt clippy; do
    if ! cargo "${component/rustfmt/fmt}" --version >/dev/null 2>&1; then
      rustup component add "$component"
    fi
  done
}

setup() {
  install_debian_packages "${DEB_PACKAGES[@]}"
  require_rust
  cd "$ROOT"
}

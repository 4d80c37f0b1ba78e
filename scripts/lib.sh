# Shared by scripts/run.sh and scripts/test.sh: install what is missing, idempotently.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/clinic-vault/target}"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# Debian packages the build needs: a C toolchain and OpenSSL headers for SQLCipher,
# pkg-config to find them, python3 for the outside-auditor chain check; the desktop
# app's WebKitGTK/GTK stack (DESIGN §10); Node.js and npm for the UI; SANE's scanimage
# for the desk scanner (its `test` backend serves the tests).
DEB_PACKAGES=(build-essential pkg-config libssl-dev python3 curl
  libwebkit2gtk-4.1-dev libsoup-3.0-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev
  sane-utils
)
# What a headless run and the end-to-end tests add: a virtual display, WebKit's
# WebDriver, a private D-Bus with python-dbusmock's fake logind; for the drag and drop
# from the desktop (specs/os-drag.test.mjs), a GTK 3 drag source in Python and xdotool
# to move the X pointer.
E2E_DEB_PACKAGES=(xvfb xauth webkit2gtk-driver dbus libglib2.0-bin python3-dbusmock
  python3-gi gir1.2-gtk-3.0 xdotool)
# What the tests add beyond the build: the scan importer's oracles (exiftool shows what
# metadata survives, qpdf checks rewritten PDFs) and PostgreSQL 15 for the sync server's
# storage suite (the tests start a private cluster with initdb/pg_ctl on 127.0.0.1).
TEST_DEB_PACKAGES=(libimage-exiftool-perl qpdf)

# Python's `cryptography` for the outside auditors' scripts: the scan-v1 decryptor
# (AES-GCM) and the signed-request verifier (Ed25519). Debian's package where the
# python3 on the PATH is Debian's, pip otherwise.
require_python_cryptography() {
  python3 -c 'import cryptography' 2>/dev/null && return 0
  install_debian_packages python3-cryptography || true
  python3 -c 'import cryptography' 2>/dev/null && return 0
  python3 -m pip install --quiet --break-system-packages cryptography 2>/dev/null \
    || python3 -m pip install --quiet cryptography
}

# initdb and pg_ctl for the server's PostgreSQL tests, on the PATH or under
# /usr/lib/postgresql/*/bin.
require_postgres() {
  command -v initdb >/dev/null && return 0
  ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 && return 0
  install_debian_packages postgresql-15
}

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

# Node.js ≥ 20.19 and npm for Vite 8; Debian's nodejs when there is none at all.
require_node() {
  if ! command -v npm >/dev/null; then
    install_debian_packages nodejs npm
  fi
  local major minor
  IFS=. read -r major minor _ <<<"$(node --version | tr -d v)"
  if [ "$major" -lt 20 ] || { [ "$major" -eq 20 ] && [ "$minor" -lt 19 ]; }; then
    echo "Node.js $(node --version) is too old for the UI build (Vite 8 needs 20.19 or newer): install a newer Node.js, then run this again" >&2
    exit 1
  fi
}

# npm ci in a folder when its node_modules is missing or older than its lock file.
npm_deps() {
  local dir="$1"
  if [ ! -d "$dir/node_modules" ] || [ "$dir/package-lock.json" -nt "$dir/node_modules/.package-lock.json" ]; then
    echo "installing npm packages in ${dir#"$ROOT"/}"
    (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
  fi
}

# The UI bundle the app embeds at compile time (ui/dist).
build_ui() {
  npm_deps "$ROOT/ui"
  (cd "$ROOT/ui" && npm run --silent build -- --logLevel warn)
}

# The Tauri CLI comes with the UI's npm packages.
tauri_cli() {
  (cd "$ROOT/src-tauri" && "$ROOT/ui/node_modules/.bin/tauri" "$@")
}

# The sandboxed PDF renderer is built in one profile only, release: the .deb ships it,
# and the tests and the end-to-end run use the same build (CLINICVAULT_RENDERER).
build_renderer() {
  (cd "$ROOT" && cargo build --release --locked -p clinic-vault-render --quiet)
  export CLINICVAULT_RENDERER="$CARGO_TARGET_DIR/release/clinic-vault-render"
}

# The .deb carries the renderer beside the app (tauri.conf.json maps
# src-tauri/bundle-extra/ into /usr/bin): staged before bundling.
stage_renderer() {
  build_renderer
  mkdir -p "$ROOT/src-tauri/bundle-extra"
  install -m 0755 "$CLINICVAULT_RENDERER" "$ROOT/src-tauri/bundle-extra/"
}

# `== [elapsed] what`: each stage of a run with the time since the run started, so
# that a slow run shows where its time went.
stage() {
  local t=$(( $(date +%s) - ${STAGES_T0:=$(date +%s)} ))
  printf '== [%d:%02d] %s\n' $((t / 60)) $((t % 60)) "$*"
}

require_tauri_driver() {
  export PATH="$HOME/.cargo/bin:$PATH"
  if ! command -v tauri-driver >/dev/null; then
    echo "installing tauri-driver (cargo install, about 2 minutes)"
    CARGO_TARGET_DIR="$HOME/.cache/clinic-vault/tools-target" \
      cargo install tauri-driver --locked --version '^2' --quiet
  fi
}

setup() {
  install_debian_packages "${DEB_PACKAGES[@]}"
  require_rust
  require_node
  cd "$ROOT"
}

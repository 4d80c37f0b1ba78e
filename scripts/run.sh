#!/usr/bin/env bash
# Installs what is missing, builds the desktop app (release) and starts it. The first
# start asks for the administrator's name and password, enrolls their authenticator and
# shows the recovery key once. The vault lives in the app's data directory
# (~/.local/share/org.clinicvault.desktop/vault), or in $CLINICVAULT_VAULT_DIR.
# Without a display (a headless server, a container) the app runs in a virtual display
# (Xvfb), and the script says how to take a screenshot of it. A local sync server runs
# beside it while it runs (see below).
source "$(dirname "$0")/lib.sh"
setup
build_ui
echo "building the desktop app (release; the first build takes several minutes)"
tauri_cli build --no-bundle --ci >/dev/null
# The PDF renderer runs beside the app (target/release/clinic-vault-render).
build_renderer
bin="$CARGO_TARGET_DIR/release/clinic-vault"

# A sync server for this computer (SQLite and files in the app's data directory, on
# loopback only), unless CLINICVAULT_NO_SERVER=1 or one answers at its address already.
# The app is handed a one-time enrollment code for it (CLINICVAULT_SYNC_OFFER): an
# admin connects with one click (the reminder after unlock, or Settings > Sync server).
server_pid=""
if [ "${CLINICVAULT_NO_SERVER:-}" != 1 ]; then
  echo "building the sync server (release)"
  cargo build --release --locked -p clinic-vault-server --quiet
  server="$CARGO_TARGET_DIR/release/clinic-vault-server"
  export CLINIC_VAULT_SERVER_DATA_DIR="${CLINICVAULT_SERVER_DIR:-$HOME/.local/share/org.clinicvault.desktop/sync-server}"
  export CLINIC_VAULT_SERVER_LISTEN="${CLINICVAULT_SERVER_LISTEN:-127.0.0.1:8787}"
  export CLINIC_VAULT_SERVER_PUBLIC_URL="http://$CLINIC_VAULT_SERVER_LISTEN"
  mkdir -p "$CLINIC_VAULT_SERVER_DATA_DIR" && chmod 700 "$CLINIC_VAULT_SERVER_DATA_DIR"
  up() { curl -fsS --max-time 1 "$CLINIC_VAULT_SERVER_PUBLIC_URL/healthz" >/dev/null 2>&1; }
  serving=0
  if up; then
    echo "a sync server already answers at $CLINIC_VAULT_SERVER_PUBLIC_URL: using it"
    serving=1
  elif "$server" migrate >/dev/null; then
    "$server" serve >>"$CLINIC_VAULT_SERVER_DATA_DIR/server.log" 2>&1 &
    server_pid=$!
    trap 'kill "$server_pid" 2>/dev/null; wait "$server_pid" 2>/dev/null' EXIT
    for _ in $(seq 100); do
      if up; then serving=1; break; fi
      kill -0 "$server_pid" 2>/dev/null || break
      sleep 0.1
    done
  fi
  # The app works without a server (everything waits in the vault): a server that does
  # not start (the port taken by something else, a full disk) is said, not fatal.
  if [ "$serving" = 1 ]; then
    [ -n "$server_pid" ] && echo "sync server on $CLINIC_VAULT_SERVER_PUBLIC_URL (data in $CLINIC_VAULT_SERVER_DATA_DIR)"
    if CLINICVAULT_SYNC_OFFER="$("$server" enroll-token create --name "$(hostname)" --ttl 12h --code)"; then
      export CLINICVAULT_SYNC_OFFER
    fi
  else
    echo "the sync server did not start (see $CLINIC_VAULT_SERVER_DATA_DIR/server.log; another port: CLINICVAULT_SERVER_LISTEN=127.0.0.1:PORT); starting the app without it" >&2
  fi
fi

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  install_debian_packages xvfb xauth imagemagick
  echo "No display here: starting Clinic Vault in a virtual display (Xvfb)."
  # shellcheck disable=SC2016
  xvfb-run -a -s '-screen 0 1280x800x24' bash -c '
    echo "Clinic Vault is running on display $DISPLAY (stop it with Ctrl+C)."
    echo "See it:  DISPLAY=$DISPLAY XAUTHORITY=$XAUTHORITY import -window root shot.png"
    exec "$0" "$@"' "$bin" "$@"
  exit
fi
echo "starting Clinic Vault"
"$bin" "$@"

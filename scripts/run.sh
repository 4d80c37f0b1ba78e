#!/usr/bin/env bash
# Installs what is missing, builds the desktop app (release) and starts it. The first
# start asks for the administrator's name and password, enrolls their authenticator and
# shows the recovery key once. The vault lives in the app's data directory
# (~/.local/share/org.clinicvault.desktop/vault), or in $CLINICVAULT_VAULT_DIR.
# Without a display (a headless server, a container) the app runs in a virtual display
# (Xvfb), and the script says how to take a screenshot of it.
source "$(dirname "$0")/lib.sh"
setup
build_ui
echo "building the desktop app (release; the first build takes several minutes)"
tauri_cli build --no-bundle --ci >/dev/null
# The PDF renderer runs beside the app (target/release/clinic-vault-render).
build_renderer
bin="$CARGO_TARGET_DIR/release/clinic-vault"

if [ -z "${DISPLAY:-}" ] && [ -z "${WAYLAND_DISPLAY:-}" ]; then
  install_debian_packages xvfb xauth imagemagick
  echo "No display here: starting Clinic Vault in a virtual display (Xvfb)."
  # shellcheck disable=SC2016
  exec xvfb-run -a -s '-screen 0 1280x800x24' bash -c '
    echo "Clinic Vault is running on display $DISPLAY (stop it with Ctrl+C)."
    echo "See it:  DISPLAY=$DISPLAY XAUTHORITY=$XAUTHORITY import -window root shot.png"
    exec "$0" "$@"' "$bin" "$@"
fi
echo "starting Clinic Vault"
exec "$bin" "$@"

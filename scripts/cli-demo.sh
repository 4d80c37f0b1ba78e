#!/usr/bin/env bash
# A tour of the CLI (`clinicvault`, the IT admin's headless tool): builds it and runs
# it on a local demo vault, as an admin and as a receptionist with three demo patients. The demo vault lives in
# ./demo-vault; its admin's password and recovery key are printed once, at creation.
source "$(dirname "$0")/lib.sh"
setup
cargo build --release --locked -p clinic-vault-cli --bin clinicvault --quiet
bin="$CARGO_TARGET_DIR/release/clinicvault"
vault="${CLINIC_VAULT_DIR:-$ROOT/demo-vault}"
password="demo-clinic orbit violet 2026"

totp_now() { # the code an authenticator app would show for an otpauth:// URI
  python3 - "$1" <<'PY'
import base64, hashlib, hmac, struct, sys, time, urllib.parse
q = urllib.parse.parse_qs(urllib.parse.urlparse(sys.argv[1]).query)
s = q["secret"][0]; key = base64.b32decode(s + "=" * (-len(s) % 8))
h = hmac.new(key, struct.pack(">Q", int(time.time()) // 30), hashlib.sha1).digest()
o = h[19] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7FFFFFFF) % 1000000))
PY
}

if [ ! -f "$vault/keyslots" ]; then
  echo "Creating a demo vault in $vault (admin: demo-admin, password: $password)"
  printf '%s\n' "$password" | "$bin" init --vault "$vault" --admin demo-admin --json > "$vault.init.json"
  chmod 600 "$vault.init.json"
  python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print("Recovery key:", d["recovery_key"]); print("Authenticator URI:", d["totp_uri"])' "$vault.init.json"
fi
uri=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totp_uri"])' "$vault.init.json")
# Each TOTP step unlocks once (replays are refused): wait for a fresh step if the
# last run used this one.
step=$(( $(date +%s) / 30 ))
if [ -f "$vault.laststep" ] && [ "$(cat "$vault.laststep")" -ge "$step" ]; then
  wait_secs=$(( 30 - $(date +%s) % 30 ))
  echo "Waiting ${wait_secs}s for the next TOTP code (each code unlocks once)..."
  sleep "$wait_secs"
  step=$(( $(date +%s) / 30 ))
fi
echo "$step" > "$vault.laststep"
code=$(totp_now "$uri")
first_run=0
[ -f "$vault.front-desk.json" ] || first_run=1
echo
echo "Unlocking as demo-admin with the current TOTP code $code and running a short tour:"
admin_lines='whoami\nuser list\naudit list --limit 8\naudit verify\n'
[ "$first_run" -eq 1 ] && admin_lines="user add demo-front-desk --role receptionist\n$admin_lines"
printf "%s\n$admin_lines" "$password" \
  | "$bin" --vault "$vault" --user demo-admin --totp "$code" batch | tee "$vault.admin-tour.txt"

# A receptionist account for the patient tour: created on the first run (one-time
# password → first-login → own password and authenticator), reused afterwards.
desk_password="front-desk lantern meadow 7"
if [ "$first_run" -eq 1 ]; then
  otp=$(grep -E '^[0-9A-Z]{5}(-[0-9A-Z]{5}){3}$' "$vault.admin-tour.txt" | head -1)
  printf '%s\n%s\n' "$otp" "$desk_password" \
    | "$bin" --vault "$vault" --user demo-front-desk --json first-login > "$vault.front-desk.json"
  chmod 600 "$vault.front-desk.json"
fi
rm -f "$vault.admin-tour.txt"
desk_uri=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["totp_uri"])' "$vault.front-desk.json")
desk_code=$(totp_now "$desk_uri")
desk_lines='patient search mul\npatient search 1985-03-14\n'
if [ "$first_run" -eq 1 ]; then
  desk_lines="patient add --given Zoë --family Müller --dob 1985-03-14 --phone \"+49 30 1234567\"
patient add --given Anna --family Mullins --dob 1972-11-02 --email anna@example.org
patient add --given Łukasz --family Ørsted --dob 1960-01-31
$desk_lines"
fi
echo
echo "Unlocking as the receptionist demo-front-desk (code $desk_code) for a patient tour:"
printf "%s\n$desk_lines" "$desk_password" \
  | "$bin" --vault "$vault" --user demo-front-desk --totp "$desk_code" batch
echo
echo "Try it yourself:  $bin --help"
echo "(each unlock needs a fresh TOTP code; the demo's authenticator URIs are in $vault.init.json"
echo " and $vault.front-desk.json)"

#!/usr/bin/env bash
# make verifier-screenshots: the verifier app's screens, rendered by the real
# app in a real X window (Xvfb, Mesa's software OpenGL), captured with
# ImageMagick's `import`, into docs/screenshots/verifier-*.png; and the cold
# start (process start to the scan screen's window on the display) timed.
#
# The trust is made the way an operator gets it: bin/registry init and serve
# on loopback, the clinic accredited with bin/registry issuer add, the
# signed bundle written with bin/registry bundle; the clinic (bin/issuer)
# issues SMART Health Card QR images, and a second, unaccredited key forges
# one. The policy and bundle go into the app's data folder trust/, as the
# trust screen's "Load a trust file…" puts them. Each screenshot is one run
# of bin/verifier-app with --screen or --scan.
#
# SCREENSHOTS_ONLY=REGEX takes only the shots whose names match (and skips
# the cold-start timing).
#
# Installs xvfb, imagemagick and xdotool with apt-get when they are missing
# (the same packages as scripts/screenshots.sh).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${SCREENSHOTS_DIR:-$root/docs/screenshots}"
screen="${SCREENSHOT_SCREEN:-1280x900}"
display=":${SCREENSHOT_DISPLAY:-96}"

need=""
command -v Xvfb >/dev/null || need="$need xvfb"
[ -x /usr/bin/import ] || need="$need imagemagick"
command -v xdotool >/dev/null || need="$need xdotool"
dpkg-query -W -f='${Status}' libgl1-mesa-dri 2>/dev/null | grep -q "install ok installed" || need="$need libgl1-mesa-dri"
if [ -n "$need" ]; then
  echo "verifier-screenshots: installing$need"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

cd "$root"
mkdir -p bin "$out"
echo "verifier-screenshots: building bin/verifier-app, bin/issuer and bin/registry"
make -s verifier-app
CGO_ENABLED=0 go build -o bin/ ./cmd/issuer ./cmd/registry

work="$(mktemp -d -t immunopass-vshots.XXXXXX)"
xvfb_pid="" reg_pid=""
cleanup() {
  [ -n "$reg_pid" ] && kill "$reg_pid" 2>/dev/null || true
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
export HOME="$work/home"   # fresh Fyne preferences
mkdir -p "$HOME"
export IMMUNOPASS_PASSPHRASE="demo registry and clinic key, not for real use"
port=$((20000 + RANDOM % 20000))
reg="http://127.0.0.1:$port"

echo "verifier-screenshots: a registry on $reg accredits the clinic"
# The public URL is the health authority's (SMART Health Card issuers must be
# https); the demo serves it on loopback and the admin commands go there.
bin/registry init --data "$work/reg" --url https://registry.example --work-factor 10 >/dev/null
bin/registry serve --data "$work/reg" --listen "127.0.0.1:$port" >"$work/registry.log" 2>&1 &
reg_pid=$!
for _ in $(seq 100); do curl -fsS "$reg/healthz" >/dev/null 2>&1 && break; sleep 0.1; done
bin/issuer keygen --out "$work/clinic.key" >/dev/null
bin/issuer jwks --key "$work/clinic.key" >"$work/clinic-jwks.json"
bin/registry issuer add --registry "$reg" --admin-key "$work/reg/admin.key" --id alnoor --name "Al Noor Family Clinic" --country AE --jwks "$work/clinic-jwks.json" >/dev/null
bin/registry bundle --registry "$reg" --policy "$work/reg/policy.json" --out "$work/registry.bundle" >/dev/null
iss="https://registry.example/issuers/alnoor"

echo "verifier-screenshots: the clinic issues, a forger signs with an unknown key"
cat > "$work/karim.csv" <<'CSV'
family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country
Haddad,Karim,1985-02-03,http://hl7.org/fhir/sid/cvx,115,2019-05-14,1,1,TD8812,Al Noor Family Clinic,AE
Haddad,Karim,1985-02-03,http://hl7.org/fhir/sid/cvx,208,2021-04-02,1,2,FA7484,Al Noor Family Clinic,AE
Haddad,Karim,1985-02-03,http://hl7.org/fhir/sid/cvx,208,2021-04-23,2,2,FA7511,Al Noor Family Clinic,AE
CSV
(
  cd "$work"
  "$root/bin/issuer" issue --key clinic.key --iss "$iss" --format shc --out amira.png "$root/assets/demo/record.json"
  "$root/bin/issuer" issue --key clinic.key --iss "$iss" --format shc --out karim.png karim.csv
  # A yellow fever dose three days ago: valid, the yellow fever rule met on its 10th day.
  printf 'family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country\nHaddad,Karim,1985-02-03,http://hl7.org/fhir/sid/cvx,37,%s,1,1,YF2611,Al Noor Family Clinic,AE\n' \
    "$(date -u -d '-3 days' +%Y-%m-%d)" > yf.csv
  "$root/bin/issuer" issue --key clinic.key --iss "$iss" --format shc --out yf.png yf.csv
  "$root/bin/issuer" keygen --out forger.key
  "$root/bin/issuer" issue --key forger.key --iss "$iss" --format shc --out forged.png karim.csv
) >/dev/null

data="$work/data"
mkdir -p "$data/trust"
cp "$work/reg/policy.json" "$data/trust/policy.json"
cp "$work/registry.bundle" "$data/trust/bundle.trust"
kill "$reg_pid"; wait "$reg_pid" 2>/dev/null || true; reg_pid=""

# xvfb: (re)start Xvfb when it is not running (on a shared machine it has
# been seen to vanish between two shots).
xvfb() {
  if [ -n "$xvfb_pid" ] && kill -0 "$xvfb_pid" 2>/dev/null; then return; fi
  echo "verifier-screenshots: Xvfb on $display"
  Xvfb "$display" -screen 0 "${screen}x24" -nolisten tcp >/dev/null 2>&1 &
  xvfb_pid=$!
  for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done
}
export DISPLAY="$display"
xvfb

# window PID: the app's window id once it is visible.
window() {
  local win=""
  for _ in $(seq 300); do
    win="$(xdotool search --onlyvisible --name '^ImmunoPass Verifier$' 2>/dev/null | head -1 || true)"
    [ -n "$win" ] && break
    sleep 0.02
  done
  echo "$win"
}

# Cold start: a fresh process to its window on the display, five times.
for i in 1 2 3 4 5; do
  [ -z "${SCREENSHOTS_ONLY:-}" ] || break
  t0=$(date +%s%N)
  bin/verifier-app --data "$data" --startup --exit-after 20s >"$work/start.log" 2>&1 &
  pid=$!
  win="$(window)"
  t1=$(date +%s%N)
  sleep 0.5
  echo "verifier-screenshots: cold start $i: window visible after $(( (t1 - t0) / 1000000 )) ms; $(grep -o 'first frame after [0-9]* ms' "$work/start.log" || echo 'no first-frame line')"
  kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true
done

# shot NAME LANG THEME ARGS...: one run of the app, one capture.
shot() {
  local name="$1" lang="$2" theme="$3"; shift 3
  if [ -n "${SCREENSHOTS_ONLY:-}" ] && ! [[ "$name" =~ $SCREENSHOTS_ONLY ]]; then return 0; fi
  xvfb
  IMMUNOPASS_LANG="$lang" IMMUNOPASS_THEME="$theme" bin/verifier-app --data "${shotdata:-$data}" --exit-after 30s "$@" \
    >"$work/$name.log" 2>&1 &
  local pid=$! win
  win="$(window)"
  if [ -z "$win" ]; then echo "verifier-screenshots: no window for $name" >&2; cat "$work/$name.log" >&2; kill "$pid"; return 1; fi
  xdotool windowmove "$win" 0 0
  sleep "${SCREENSHOT_SETTLE:-3}"   # layout, QR decoding and verification, first frames
  /usr/bin/import -window "$win" "$out/$name.png"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "verifier-screenshots: $out/$name.png"
}

shot verifier-scan-light     en light
shot verifier-valid-light    en light --scan "$work/karim.png"
shot verifier-invalid-light  en light --scan "$work/forged.png"
shot verifier-manual-light   en light --scan "$work/karim.png" --at "$(date -u -d '+9 days' +%Y-%m-%dT%H:%M:%SZ)"
shot verifier-trust-light    en light --screen trust
shot verifier-settings-light en light --screen settings
shot verifier-settings-ar    ar light --screen settings
shot verifier-scan-dark      en dark
shot verifier-valid-dark     en dark  --scan "$work/karim.png"
shot verifier-invalid-dark   en dark  --scan "$work/forged.png"
shot verifier-scan-fr        fr light
shot verifier-valid-fr       fr light --scan "$work/amira.png"
shot verifier-invalid-fr     fr light --scan "$work/forged.png"
shot verifier-scan-ar        ar light
shot verifier-valid-ar       ar light --scan "$work/amira.png"
shot verifier-invalid-ar     ar dark  --scan "$work/forged.png"

# The rule to check (a context policy) chosen in the settings: a second data
# folder with the same trust and settings.json naming the context. The
# clinic's records: Amira (the demo child, born 2016) against school entry in
# the UAE; Karim (an adult with no yellow fever dose) against yellow fever.
ctx="$work/data-ctx"
mkdir -p "$ctx/trust"
cp "$data/trust/"* "$ctx/trust/"
cat > "$ctx/settings.json" <<'JSON'
{"autoClear": 0, "layout": "auto", "context": "school-entry-ae", "sound": true}
JSON
yf="$work/data-yf"
mkdir -p "$yf/trust"
cp "$data/trust/"* "$yf/trust/"
cat > "$yf/settings.json" <<'JSON'
{"autoClear": 0, "layout": "auto", "context": "yellow-fever"}
JSON
shotdata="$ctx" shot verifier-policy-light       en light --scan "$work/amira.png"
shotdata="$ctx" shot verifier-policy-fr          fr light --scan "$work/amira.png"
shotdata="$ctx" shot verifier-policy-ar          ar dark  --scan "$work/amira.png"
shotdata="$yf"  shot verifier-policy-yf-dark     en dark  --scan "$work/karim.png"
shotdata="$yf"  shot verifier-policy-from-light  en light --scan "$work/yf.png"
shotdata="$yf"  shot verifier-policy-from-ar     ar light --scan "$work/yf.png"
shotdata="$ctx" shot verifier-settings-rule-light en light --screen settings
shotdata="$ctx" shot verifier-settings-rule-fr   fr light --screen settings
shotdata="$ctx" shot verifier-settings-rule-ar   ar dark  --screen settings
shot verifier-ask-light  en light --ask yellow-fever
shot verifier-ask-dark   en dark  --ask school-entry-ae
shot verifier-ask-fr     fr light --ask yellow-fever
shot verifier-ask-ar     ar light --ask yellow-fever

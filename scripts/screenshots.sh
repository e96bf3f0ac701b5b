#!/usr/bin/env bash
# make screenshots: the wallet's main screens, rendered by the real app in a
# real X window (Xvfb, Mesa's software OpenGL), captured with ImageMagick's
# `import`, into docs/screenshots/*.png.
#
# The demo data is made the way a user gets it: bin/issuer (the clinic's
# CLI) makes a key, publishes its trust snapshot and issues the demo records
# (SMART Health Card QR images, and SD-JWT VCs bound to each person's
# did:key); `wallet --seed` creates the wallet with the demo family and
# imports those files through the same wallet.Import/Keep calls the import
# screen makes. Each screenshot is one run of bin/wallet with --screen,
# unlocked with $IMMUNOPASS_WALLET_PASSPHRASE.
#
# Installs xvfb, imagemagick and xdotool with apt-get when they are missing.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
out="${SCREENSHOTS_DIR:-$root/docs/screenshots}"
# The screen is a common laptop's (1280×900) and the window keeps the size the
# app opens at (ui.WindowSize), unless SCREENSHOT_SIZE=WxH forces one.
screen="${SCREENSHOT_SCREEN:-1280x900}"
size="${SCREENSHOT_SIZE:-}"
display=":${SCREENSHOT_DISPLAY:-97}"

need=""
command -v Xvfb >/dev/null || need="$need xvfb"
[ -x /usr/bin/import ] || need="$need imagemagick"
command -v xdotool >/dev/null || need="$need xdotool"
dpkg-query -W -f='${Status}' libgl1-mesa-dri 2>/dev/null | grep -q "install ok installed" || need="$need libgl1-mesa-dri"
if [ -n "$need" ]; then
  echo "screenshots: installing$need"
  sudo=""; [ "$(id -u)" -eq 0 ] || sudo=sudo
  $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends $need >/dev/null
fi

cd "$root"
mkdir -p bin "$out"
echo "screenshots: building bin/wallet and bin/issuer"
make -s wallet
CGO_ENABLED=0 go build -o bin/issuer ./cmd/issuer

work="$(mktemp -d -t immunopass-shots.XXXXXX)"
xvfb_pid=""
cleanup() {
  [ -n "$xvfb_pid" ] && kill "$xvfb_pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
seed="$work/seed"
mkdir -p "$seed" "$work/home"
export HOME="$work/home"   # fresh Fyne preferences
export IMMUNOPASS_PASSPHRASE="demo clinic key, not for real use"
export IMMUNOPASS_WALLET_PASSPHRASE="demo wallet passphrase"
iss="https://clinic.example/shc"
db="$work/wallet.db"

echo "screenshots: the clinic issues the demo records"
bin/issuer keygen --out "$work/clinic.key" >/dev/null
bin/issuer snapshot --key "$work/clinic.key" --iss "$iss" --name "Al Noor Family Clinic" --out "$seed/trust.json" >/dev/null
bin/wallet --wallet "$db" --seed "$seed" >/dev/null        # the family, and their did:keys
cat > "$work/karim.csv" <<'CSV'
family,given,birth_date,vaccine_system,vaccine_code,date,dose,series,lot,performer,country
Haddad,Karim,1985-02-03,http://hl7.org/fhir/sid/cvx,115,2019-05-14,1,1,TD8812,Al Noor Family Clinic,AE
Haddad,Karim,1985-02-03,http://hl7.org/fhir/sid/cvx,208,2021-04-02,1,2,FA7484,Al Noor Family Clinic,AE
Haddad,Karim,1985-02-03,http://hl7.org/fhir/sid/cvx,208,2021-04-23,2,2,FA7511,Al Noor Family Clinic,AE
CSV
(
  cd "$work"
  bin="$root/bin"
  "$bin/issuer" issue --key clinic.key --iss "$iss" --format both --holder "$(cat seed/holder-1.did)" \
    --rid-user MRN-0042 --exp 1y --status-uri https://clinic.example/status/1 --out seed/amira.png "$root/assets/demo/record.json"
  "$bin/issuer" issue --key clinic.key --iss "$iss" --format both --holder "$(cat seed/holder-2.did)" \
    --rid-user MRN-0043 --status-uri https://clinic.example/status/1 --out seed/karim.png karim.csv
  "$bin/issuer" status publish --key clinic.key --out seed/trust-status.jwt
) >/dev/null
bin/wallet --wallet "$db" --seed "$seed"

echo "screenshots: Xvfb on $display"
Xvfb "$display" -screen 0 "${screen}x24" -nolisten tcp >/dev/null 2>&1 &
xvfb_pid=$!
export DISPLAY="$display"
for _ in $(seq 50); do xdotool getdisplaygeometry >/dev/null 2>&1 && break; sleep 0.1; done

# shot NAME SCREEN [LANG] [THEME] [WALLET]: one run of the app, one capture.
shot() {
  local name="$1" screen="$2" lang="${3:-en}" theme="${4:-light}" wallet="${5:-$db}"
  IMMUNOPASS_LANG="$lang" IMMUNOPASS_THEME="$theme" bin/wallet --wallet "$wallet" --screen "$screen" --exit-after 30s \
    >"$work/$name.log" 2>&1 &
  local pid=$! win=""
  for _ in $(seq 100); do
    win="$(xdotool search --onlyvisible --name '^ImmunoPass$' 2>/dev/null | head -1 || true)"
    [ -n "$win" ] && break
    sleep 0.1
  done
  if [ -z "$win" ]; then echo "screenshots: no window for $name" >&2; cat "$work/$name.log" >&2; kill "$pid"; return 1; fi
  xdotool windowmove "$win" 0 0
  [ -z "$size" ] || xdotool windowsize "$win" "${size%x*}" "${size#*x}"
  sleep "${SCREENSHOT_SETTLE:-3}"   # unlock (argon2id), layout, first frames
  # again: a new screen may have asked for its own size
  [ -z "$size" ] || xdotool windowsize "$win" "${size%x*}" "${size#*x}"
  sleep 1
  /usr/bin/import -window "$win" "$out/$name.png"
  kill "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  echo "screenshots: $out/$name.png"
}

shot people-light        people
shot person-light        person
shot due-light           due
shot import-light        import
shot receive-light       receive
shot present-light       present
shot qr-light            qr
shot holder-light        holder
shot history-light       history
shot backup-light        backup
shot settings-light      settings
shot people-dark         people en dark
shot person-dark         person en dark
shot qr-dark             qr en dark
shot person-fr           person fr light
shot due-fr              due fr light
shot due-ar              due ar light
# the due view of a baby (3½ months on 2026-12-07), of a 3-year-old with nothing recorded and of an adult
shot due-baby-light      due:Salma
shot due-baby-fr         due:Salma fr light
shot due-baby-ar         due:Salma ar light
shot due-child-light     due:Nour
shot due-child-fr        due:Nour fr light
shot due-child-ar        due:Nour ar light
shot due-adult-light     due:Karim
shot due-adult-fr        due:Karim fr light
shot due-adult-ar        due:Karim ar light
shot person-ar           person ar light
shot receive-ar          receive ar light
shot people-ar           people ar dark
shot unlock-light        unlock
shot firstrun-light      people en light "$work/new-wallet.db"

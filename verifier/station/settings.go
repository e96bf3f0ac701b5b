package station

import (
	"bytes"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/immunopass/immunopass/internal/atomicfile"
)

// Files of the app's data folder (Config.Dir). Nothing in it names a person:
// see doc.go, "What is kept".
const (
	SettingsFile = "settings.json"
	CountsFile   = "counts.json"
	TrustDir     = "trust"        // the trust policy and the trust files the operator picked
	PolicyFile   = "policy.json"  // in TrustDir
	BundleFile   = "bundle.trust" // in TrustDir: the registry bundle, from "Update now" or an import
)

// contextNameRE is the form of a context policy's name (credential/policy).
var contextNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)

// Scanner layout choices: auto, or one of scan.Layouts' IDs.
const LayoutAuto = "auto"

// Settings are what the operator (or, in kiosk mode, the supervisor)
// chooses. Their file form is settings.json in the data folder.
type Settings struct {
	Language string `json:"language"` // "", "en", "fr", "ar"
	// AutoClear is how long a verdict stays on screen, in seconds; 0
	// keeps it until the next scan or a tap.
	AutoClear int `json:"autoClear"`
	// Layout is the desk's keyboard layout for scanner input: LayoutAuto
	// (recognised from each code) or "us", "fr", "de".
	Layout string `json:"layout"`
	// Count keeps a count of verifications per day and verdict (no more).
	Count bool `json:"count"`
	// Kiosk locks the settings and the trust screen behind the supervisor
	// passphrase, whose argon2id hash is Supervisor.
	Kiosk      bool   `json:"kiosk"`
	Supervisor string `json:"supervisor,omitempty"`
	// RegistryURL, when set, is where "Update now" fetches the bundle;
	// otherwise the registry URL the loaded bundle names (signed).
	RegistryURL string `json:"registryURL,omitempty"`
	// Context, when set, is the context policy in force (a name such as
	// "school-entry-ae"): every verdict also says whether the credential
	// meets its rules. The rules come from the trust bundle, else the
	// shipped ones (Contexts).
	Context string `json:"context,omitempty"`
	// Sound plays a short tone for each verdict (off by default).
	Sound bool `json:"sound,omitempty"`
}

// DefaultSettings are a new installation's.
func DefaultSettings() Settings {
	return Settings{AutoClear: 15, Layout: LayoutAuto}
}

// AutoClearChoices are the delays the settings screen offers, in seconds.
var AutoClearChoices = []int{5, 10, 15, 30, 60, 0}

// SettingsError reports a settings file that cannot be used.
type SettingsError struct {
	Path    string
	Problem string
}

func (e *SettingsError) Error() string { return fmt.Sprintf("settings %q: %s", e.Path, e.Problem) }

// LoadSettings reads the settings of the data folder dir; a missing file
// gives DefaultSettings.
func LoadSettings(dir string) (Settings, error) {
	path := filepath.Join(dir, SettingsFile)
	data, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return DefaultSettings(), nil
	}
	if err != nil {
		return DefaultSettings(), err
	}
	return ParseSettings(path, data)
}

// ParseSettings checks a settings file: unknown members, an unknown
// language or layout, a negative delay and kiosk mode without a usable
// supervisor hash are refused.
func ParseSettings(path string, data []byte) (Settings, error) {
	s := DefaultSettings()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return DefaultSettings(), &SettingsError{Path: path, Problem: "not valid settings JSON: " + err.Error()}
	}
	if dec.More() {
		return DefaultSettings(), &SettingsError{Path: path, Problem: "data after the settings object"}
	}
	switch {
	case s.Language != "" && !slices.Contains(Languages, s.Language):
		return DefaultSettings(), &SettingsError{Path: path, Problem: fmt.Sprintf("language %q is not one of en, fr, ar", s.Language)}
	case s.Layout != LayoutAuto && !slices.Contains([]string{"us", "fr", "de"}, s.Layout):
		return DefaultSettings(), &SettingsError{Path: path, Problem: fmt.Sprintf("scanner layout %q is not one of auto, us, fr, de", s.Layout)}
	case s.AutoClear < 0 || s.AutoClear > 3600:
		return DefaultSettings(), &SettingsError{Path: path, Problem: fmt.Sprintf("auto-clear delay %d s is not between 0 and 3600", s.AutoClear)}
	case s.Context != "" && !contextNameRE.MatchString(s.Context):
		return DefaultSettings(), &SettingsError{Path: path, Problem: fmt.Sprintf("context %.40q is not a context policy name (lowercase letters, digits and dashes)", s.Context)}
	case s.Kiosk && s.Supervisor == "":
		return DefaultSettings(), &SettingsError{Path: path, Problem: "kiosk mode without a supervisor passphrase"}
	}
	if s.Supervisor != "" {
		if _, _, err := parseHash(s.Supervisor); err != nil {
			return DefaultSettings(), &SettingsError{Path: path, Problem: err.Error()}
		}
	}
	return s, nil
}

// Save writes s to the data folder dir atomically.
func (s Settings) Save(dir string) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return err
	}
	return atomicfile.Write(filepath.Join(dir, SettingsFile), append(data, '\n'), 0o600)
}

// AutoClearDelay is AutoClear as a duration.
func (s Settings) AutoClearDelay() time.Duration { return time.Duration(s.AutoClear) * time.Second }

// Supervisor passphrase hashing: argon2id, in the PHC string form
// "$argon2id$v=19$m=…,t=…,p=…$salt$hash" (unpadded base64).
type kdfParams struct {
	Memory  uint32 // KiB
	Time    uint32
	Threads uint8
}

// hashParams are used for new hashes; the headless tests lower them.
var hashParams = kdfParams{Memory: 64 * 1024, Time: 2, Threads: 1}

// ErrWrongPassphrase is returned when the supervisor passphrase does not match.
var ErrWrongPassphrase = errors.New("wrong supervisor passphrase")

// HashPassphrase hashes a supervisor passphrase with a fresh salt.
func HashPassphrase(pass string) (string, error) {
	if len([]rune(pass)) < 6 {
		return "", errors.New("the supervisor passphrase needs at least 6 characters")
	}
	salt := make([]byte, 16)
	if _, err := rand.Read(salt); err != nil {
		return "", err
	}
	p := hashParams
	sum := argon2.IDKey([]byte(pass), salt, p.Time, p.Memory, p.Threads, 32)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=19$m=%d,t=%d,p=%d$%s$%s", p.Memory, p.Time, p.Threads, b64.EncodeToString(salt), b64.EncodeToString(sum)), nil
}

// CheckPassphrase returns nil when pass matches the hash, else
// ErrWrongPassphrase (or an error naming what is wrong with the hash).
func CheckPassphrase(hash, pass string) error {
	p, parts, err := parseHash(hash)
	if err != nil {
		return err
	}
	salt, _ := base64.RawStdEncoding.DecodeString(parts[0])
	want, _ := base64.RawStdEncoding.DecodeString(parts[1])
	got := argon2.IDKey([]byte(pass), salt, p.Time, p.Memory, p.Threads, uint32(len(want)))
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return ErrWrongPassphrase
	}
	return nil
}

// parseHash splits a PHC argon2id string; it bounds the parameters so that
// an edited settings file cannot make the app allocate gigabytes.
func parseHash(h string) (kdfParams, [2]string, error) {
	var p kdfParams
	f := strings.Split(h, "$")
	if len(f) != 6 || f[0] != "" || f[1] != "argon2id" || f[2] != "v=19" {
		return p, [2]string{}, fmt.Errorf("supervisor hash %.20q is not an argon2id PHC string", h)
	}
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &p.Memory, &p.Time, &p.Threads); err != nil ||
		fmt.Sprintf("m=%d,t=%d,p=%d", p.Memory, p.Time, p.Threads) != f[3] {
		return p, [2]string{}, fmt.Errorf("supervisor hash parameters %q are malformed", f[3])
	}
	if p.Memory < 8 || p.Memory > 1<<20 || p.Time < 1 || p.Time > 10 || p.Threads < 1 || p.Threads > 16 {
		return p, [2]string{}, fmt.Errorf("supervisor hash parameters %q are out of range", f[3])
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(f[4])
	sum, err2 := base64.RawStdEncoding.DecodeString(f[5])
	if err1 != nil || err2 != nil || len(salt) < 8 || len(sum) < 16 || len(sum) > 64 {
		return p, [2]string{}, errors.New("supervisor hash salt or digest is malformed")
	}
	return p, [2]string{f[4], f[5]}, nil
}

// Languages the app is translated into.
var Languages = []string{"en", "fr", "ar"}

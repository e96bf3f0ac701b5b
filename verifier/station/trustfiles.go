package station

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/internal/atomicfile"
)

// TrustState is what the trust folder of the data folder holds, loaded:
// the store the verifier uses and what the trust screen says about it.
type TrustState struct {
	Store  *trust.Store
	Policy *trust.Policy // nil when no trust policy is installed
	Bundle *trust.Bundle // the registry bundle in use, nil when none
	// Files are the trust files in use (base names); Problems the ones
	// that could not be used, each with why.
	Files    []string
	Problems []string
	Issuers  int // issuers trusted, from every file
	Lists    int // status lists held
	Certs    int // EU DCC document signer certificates
	Age      time.Duration
	Stale    bool // the bundle is older than the policy's maximum age
}

// LoadTrust reads dir's trust folder: the policy, the registry bundle
// (checked against the policy at now) and every other trust file (VCI
// snapshots, DSC certificates in PEM or DER, status-list tokens). A file
// that cannot be used is listed in Problems and skipped: the others still
// count.
func LoadTrust(dir string, now time.Time) *TrustState {
	st := &TrustState{Store: trust.New()}
	tdir := filepath.Join(dir, TrustDir)
	if data, err := os.ReadFile(filepath.Join(tdir, PolicyFile)); err == nil {
		if p, err := trust.ParsePolicy(data); err != nil {
			st.Problems = append(st.Problems, PolicyFile+": "+err.Error())
		} else {
			st.Policy = p
			st.Store.UsePolicy(p)
		}
	}
	ents, _ := os.ReadDir(tdir)
	names := make([]string, 0, len(ents))
	for _, e := range ents {
		if e.Type().IsRegular() && e.Name() != PolicyFile && !strings.HasPrefix(e.Name(), ".") {
			names = append(names, e.Name())
		}
	}
	sort.Strings(names)
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(tdir, name))
		if err == nil {
			err = loadOne(st, name, data, now)
		}
		if err != nil {
			st.Problems = append(st.Problems, name+": "+err.Error())
			continue
		}
		st.Files = append(st.Files, name)
	}
	for _, b := range st.Store.Bundles() {
		if st.Bundle == nil || b.Version > st.Bundle.Version {
			st.Bundle = b
		}
	}
	if st.Bundle != nil {
		st.Age = now.Sub(st.Bundle.Issued)
		st.Stale = st.Policy != nil && st.Age > st.Policy.MaxAge
		st.Lists += len(st.Bundle.StatusLists)
	}
	st.Issuers = len(st.Store.Issuers())
	st.Certs = len(st.Store.AllDSCs())
	return st
}

// loadOne adds one trust file to st's store.
func loadOne(st *TrustState, name string, data []byte, now time.Time) error {
	trimmed := bytes.TrimSpace(data)
	switch {
	case trust.IsBundle(trimmed):
		if st.Policy == nil {
			return errors.New("a registry trust bundle needs the trust policy: load it first")
		}
		_, err := st.Store.LoadBundle(name, data, st.Policy, now)
		return err
	case bytes.HasPrefix(trimmed, []byte("ey")):
		if err := st.Store.LoadStatus(name, trimmed); err != nil {
			return err
		}
		st.Lists++
		return nil
	}
	return st.Store.Load(name, data)
}

// ImportError reports a file the operator picked that is not a trust file
// the app can use; nothing was saved.
type ImportError struct {
	Name string
	Err  error
}

func (e *ImportError) Error() string {
	return fmt.Sprintf("%q cannot be used: %v", filepath.Base(e.Name), e.Err)
}
func (e *ImportError) Unwrap() error { return e.Err }

// ImportTrust checks a file the operator picked and, when usable, copies it
// into dir's trust folder: a trust policy replaces the installed one, a
// registry bundle replaces the bundle (only with a policy, and only a newer
// version), any other trust file is kept under its own name. It returns
// what the file was, in words.
func ImportTrust(dir, name string, data []byte, now time.Time) (string, error) {
	if len(data) > trust.MaxBundle {
		return "", &ImportError{Name: name, Err: fmt.Errorf("%d bytes, more than any trust file", len(data))}
	}
	tdir := filepath.Join(dir, TrustDir)
	if err := os.MkdirAll(tdir, 0o700); err != nil {
		return "", err
	}
	trimmed := bytes.TrimSpace(data)
	cur := LoadTrust(dir, now)
	switch {
	case bytes.HasPrefix(trimmed, []byte("{")) && bytes.Contains(trimmed, []byte(`"registryKey"`)):
		if _, err := trust.ParsePolicy(data); err != nil {
			return "", &ImportError{Name: name, Err: err}
		}
		return "trust policy", atomicfile.Write(filepath.Join(tdir, PolicyFile), data, 0o600)
	case trust.IsBundle(trimmed):
		if cur.Policy == nil {
			return "", &ImportError{Name: name, Err: errors.New("a registry trust bundle needs the trust policy: load the policy first")}
		}
		return "registry bundle", saveBundle(dir, cur, data, now)
	}
	st := &TrustState{Store: trust.New()}
	if err := loadOne(st, name, data, now); err != nil {
		return "", &ImportError{Name: name, Err: err}
	}
	base := safeName(filepath.Base(name))
	if base == BundleFile || base == PolicyFile {
		base = "imported-" + base
	}
	what := "trust file"
	switch {
	case len(st.Store.AllDSCs()) > 0:
		what = "document signer certificates"
	case st.Lists > 0:
		what = "status list"
	case len(st.Store.Issuers()) > 0:
		what = "issuer directory"
	}
	return what, atomicfile.Write(filepath.Join(tdir, base), data, 0o600)
}

// saveBundle verifies a registry bundle against cur's policy and saves it,
// unless the bundle in use is the same or a newer version.
func saveBundle(dir string, cur *TrustState, data []byte, now time.Time) error {
	b, _, err := trust.VerifyBundle(data, cur.Policy, now)
	if err != nil {
		return err
	}
	if cur.Bundle != nil && cur.Bundle.Registry == b.Registry && cur.Bundle.Version > b.Version {
		return &OlderBundleError{Have: cur.Bundle.Version, Got: b.Version}
	}
	return atomicfile.Write(filepath.Join(dir, TrustDir, BundleFile), data, 0o600)
}

// OlderBundleError: the bundle offered is older than the one in use, which
// is kept (an old bundle could undo a revocation).
type OlderBundleError struct{ Have, Got uint64 }

func (e *OlderBundleError) Error() string {
	return fmt.Sprintf("bundle version %d is older than version %d in use: kept the one in use", e.Got, e.Have)
}

// safeName keeps letters, digits, dots, dashes and underscores.
func safeName(s string) string {
	s = strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_' {
			return r
		}
		return '_'
	}, s)
	s = strings.TrimLeft(s, ".")
	if s == "" {
		s = "trust-file"
	}
	return s
}

// ErrNoRegistry: "Update now" has nowhere to fetch from.
var ErrNoRegistry = errors.New("no registry address: import a registry bundle first, or set the registry address in the settings")

// UpdateResult is what "Update now" did.
type UpdateResult struct {
	Version   uint64
	Unchanged bool // the registry has nothing newer than the bundle in use
}

// Update fetches the registry's current bundle (GET base/v1/bundle, the only
// network call the app makes, and only when the operator asks), checks it
// against the installed policy and saves it. base is Settings.RegistryURL,
// else the registry the bundle in use names.
func Update(ctx context.Context, client *http.Client, dir, base string, now time.Time) (UpdateResult, error) {
	cur := LoadTrust(dir, now)
	if cur.Policy == nil {
		return UpdateResult{}, errors.New("no trust policy: load the trust policy first")
	}
	if base == "" && cur.Bundle != nil {
		base = cur.Bundle.Registry
	}
	if base == "" {
		return UpdateResult{}, ErrNoRegistry
	}
	if !strings.HasPrefix(base, "https://") && !strings.HasPrefix(base, "http://") {
		return UpdateResult{}, fmt.Errorf("registry address %q is not an http(s) URL", base)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(base, "/")+"/v1/bundle", nil)
	if err != nil {
		return UpdateResult{}, fmt.Errorf("registry address %q: %v", base, err)
	}
	if cur.Bundle != nil {
		req.Header.Set("If-None-Match", fmt.Sprintf(`"v%d"`, cur.Bundle.Version))
	}
	resp, err := client.Do(req)
	if err != nil {
		return UpdateResult{}, fmt.Errorf("the registry could not be reached: %v", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotModified && cur.Bundle != nil {
		return UpdateResult{Version: cur.Bundle.Version, Unchanged: true}, nil
	}
	if resp.StatusCode != http.StatusOK {
		return UpdateResult{}, fmt.Errorf("the registry answered %s", resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, trust.MaxBundle+1))
	if err != nil {
		return UpdateResult{}, fmt.Errorf("the registry's answer broke off: %v", err)
	}
	b, _, err := trust.VerifyBundle(data, cur.Policy, now)
	if err != nil {
		return UpdateResult{}, fmt.Errorf("the registry's bundle was refused: %w", err)
	}
	if cur.Bundle != nil && b.Version == cur.Bundle.Version {
		return UpdateResult{Version: b.Version, Unchanged: true}, nil
	}
	if err := saveBundle(dir, cur, data, now); err != nil {
		return UpdateResult{}, err
	}
	return UpdateResult{Version: b.Version}, nil
}

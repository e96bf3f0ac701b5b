package registry

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/immunopass/immunopass/internal/atomicfile"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/keyfile"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/registry/anchorlog"
	"github.com/immunopass/immunopass/registry/witness"
)

// Files of a registry data folder.
const (
	ConfigFile   = "registry.json" // written last by Init: the folder's marker
	KeyFile      = "registry.key"  // the registry signing key (age-encrypted)
	AdminKeyFile = "admin.key"     // the operator's admin key (age-encrypted)
	PolicyFile   = "policy.json"   // the trust policy for verifiers
	DBFile       = "registry.db"   // bbolt metadata
	LogDir       = "log"           // registry/anchorlog's folder
)

// Config is the data folder's configuration (ConfigFile).
type Config struct {
	URL       string           `json:"url"`
	Engine    string           `json:"engine,omitempty"`
	DSN       string           `json:"dsn,omitempty"`
	Witnesses []witness.Remote `json:"witnesses,omitempty"`
	Quorum    int              `json:"quorum"`
	MaxAge    string           `json:"maxAge"`
	AdminKey  json.RawMessage  `json:"adminKey"` // public JWK
	KID       string           `json:"kid"`      // the registry key's kid
}

// InitOptions configure a new registry.
type InitOptions struct {
	URL        string // public base URL
	Origin     string // log origin; default "<host of URL>/immunopass/log"
	Engine     string
	DSN        string
	Witnesses  []witness.Remote
	Quorum     int
	MaxAge     time.Duration // default 168h
	Passphrase string        // seals both key files
	WorkFactor int           // scrypt work factor (default keyfile.WorkFactor)
	Now        time.Time
}

// Created reports what Init made.
type Created struct {
	RegistryKID, AdminKID string
	AdminKeyFile          string
	PolicyFile            string
	LogOrigin, LogKey     string
}

// ErrNotInitialised means a folder is not a registry data folder.
var ErrNotInitialised = errors.New("not an initialised registry folder (run registry init)")

// Init creates a registry data folder: the registry and admin key files, an
// empty log, the trust policy and the configuration, refusing a folder that
// already holds a registry.
func Init(ctx context.Context, dir string, o InitOptions) (*Created, error) {
	if o.URL == "" {
		return nil, errors.New("the registry's public URL is required")
	}
	if !strings.HasPrefix(o.URL, "https://") && !strings.HasPrefix(o.URL, "http://") {
		return nil, fmt.Errorf("url %q is not an http(s) URL", o.URL)
	}
	o.URL = strings.TrimSuffix(o.URL, "/")
	if o.Passphrase == "" {
		return nil, errors.New("a passphrase is required for the key files")
	}
	if o.MaxAge == 0 {
		o.MaxAge = 168 * time.Hour
	}
	if o.WorkFactor == 0 {
		o.WorkFactor = keyfile.WorkFactor
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	if o.Origin == "" {
		host := strings.TrimPrefix(strings.TrimPrefix(o.URL, "https://"), "http://")
		host, _, _ = strings.Cut(host, "/")
		o.Origin = host + "/immunopass/log"
	}
	if o.Quorum > len(o.Witnesses) || o.Quorum < 0 {
		return nil, fmt.Errorf("quorum %d with %d witnesses", o.Quorum, len(o.Witnesses))
	}
	_, cerr := os.Stat(filepath.Join(dir, ConfigFile))
	for _, f := range []string{ConfigFile, KeyFile, AdminKeyFile, DBFile, LogDir} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			if errors.Is(cerr, fs.ErrNotExist) {
				// Init writes the configuration last: without it, serve
				// never ran on this folder.
				return nil, fmt.Errorf("%s holds a registry whose init did not finish (%s exists, %s does not): if init was interrupted, remove the folder and run init again", dir, f, ConfigFile)
			}
			return nil, fmt.Errorf("%s already holds a registry (%s exists)", dir, f)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	reg, err := keyfile.New(o.Now)
	if err != nil {
		return nil, err
	}
	adm, err := keyfile.New(o.Now)
	if err != nil {
		return nil, err
	}
	for _, k := range []struct {
		kf   *keyfile.KeyFile
		name string
	}{{reg, KeyFile}, {adm, AdminKeyFile}} {
		data, err := k.kf.Seal(o.Passphrase, o.WorkFactor)
		if err != nil {
			return nil, err
		}
		if err := writeAtomic(filepath.Join(dir, k.name), data, 0o600); err != nil {
			return nil, err
		}
	}
	l, err := anchorlog.Create(ctx, anchorlog.Config{Engine: o.Engine, Dir: filepath.Join(dir, LogDir), DSN: o.DSN,
		Origin: o.Origin, Witnesses: o.Witnesses, Quorum: o.Quorum})
	if err != nil {
		return nil, fmt.Errorf("creating the log: %w", err)
	}
	origin, logKey := l.Origin(), l.VerifierKey()
	if err := l.Close(); err != nil {
		return nil, err
	}
	var wkeys []string
	for _, w := range o.Witnesses {
		wkeys = append(wkeys, w.VKey)
	}
	p, err := trust.NewPolicy(reg.Key.Public(), origin, logKey, wkeys, o.Quorum, o.MaxAge)
	if err != nil {
		return nil, err
	}
	pdata, err := p.Marshal()
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(dir, PolicyFile), pdata, 0o644); err != nil {
		return nil, err
	}
	cfg := Config{URL: o.URL, Engine: o.Engine, DSN: o.DSN, Witnesses: o.Witnesses, Quorum: o.Quorum,
		MaxAge: o.MaxAge.String(), AdminKey: adm.Key.Public().JWK(), KID: reg.Key.Public().KID()}
	cdata, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeAtomic(filepath.Join(dir, ConfigFile), append(cdata, '\n'), 0o600); err != nil {
		return nil, err
	}
	return &Created{RegistryKID: reg.Key.Public().KID(), AdminKID: adm.Key.Public().Thumbprint(),
		AdminKeyFile: filepath.Join(dir, AdminKeyFile), PolicyFile: filepath.Join(dir, PolicyFile),
		LogOrigin: origin, LogKey: logKey}, nil
}

// ReadConfig reads a data folder's configuration.
func ReadConfig(dir string) (*Config, error) {
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("%s: %w", dir, ErrNotInitialised)
	}
	if err != nil {
		return nil, err
	}
	var c Config
	if err := json.Unmarshal(data, &c); err != nil {
		return nil, fmt.Errorf("%s: %v", ConfigFile, err)
	}
	return &c, nil
}

// Data is an opened registry data folder.
type Data struct {
	Server *Server
	Log    *anchorlog.Log
	Policy *trust.Policy
}

// Close closes the server and the log.
func (d *Data) Close() error {
	err := d.Server.Close()
	if e := d.Log.Close(); err == nil {
		err = e
	}
	return err
}

// OpenData opens an initialised data folder: it refuses a folder never
// initialised and, through anchorlog.Open, one whose log state is missing.
func OpenData(ctx context.Context, dir, passphrase string, logger *slog.Logger, metrics *prometheus.Registry) (*Data, error) {
	cfg, err := ReadConfig(dir)
	if err != nil {
		return nil, err
	}
	if _, err := os.Stat(filepath.Join(dir, DBFile)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	kdata, err := os.ReadFile(filepath.Join(dir, KeyFile))
	if err != nil {
		return nil, err
	}
	kf, err := keyfile.Open(kdata, passphrase)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", KeyFile, err)
	}
	admin, err := jose.ParseJWK(cfg.AdminKey)
	if err != nil {
		return nil, fmt.Errorf("%s: admin key: %v", ConfigFile, err)
	}
	pdata, err := os.ReadFile(filepath.Join(dir, PolicyFile))
	if err != nil {
		return nil, err
	}
	p, err := trust.ParsePolicy(pdata)
	if err != nil {
		return nil, err
	}
	l, err := anchorlog.Open(ctx, anchorlog.Config{Engine: cfg.Engine, Dir: filepath.Join(dir, LogDir), DSN: cfg.DSN,
		Witnesses: cfg.Witnesses, Quorum: cfg.Quorum, Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("opening the log: %w", err)
	}
	s, err := Open(Options{BaseURL: cfg.URL, DB: filepath.Join(dir, DBFile), Key: kf.Key, AdminKey: admin, Log: l,
		Checkpoints: p.Checkpoints(), Logger: logger, Metrics: metrics})
	if err != nil {
		l.Close()
		return nil, err
	}
	return &Data{Server: s, Log: l, Policy: p}, nil
}

// OpenAdminKey decrypts an admin key file.
func OpenAdminKey(path, passphrase string) (*jose.PrivateKey, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	kf, err := keyfile.Open(data, passphrase)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return kf.Key, nil
}

// writeAtomic writes a file through a synced temporary and a rename.
func writeAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.Write(path, data, perm)
}

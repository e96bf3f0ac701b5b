// Package service is the clinic's issuing service without HTTP: its data
// folder (the age-encrypted signing key, its configuration and one bbolt
// file), staff accounts and sessions, EMR API tokens, the issuance ledger
// and the audit log. Package issuer/web puts HTTP in front of it.
//
// # The data folder
//
//	key.age      the signing key and rid secret (credential/keyfile), as the CLI's keygen writes it
//	config.json  the issuer URL and the status list URI
//	site/        the signing key's CRL and the JWKS with its crlVersion (issuer.Site)
//	clinic.db    bbolt: accounts, sessions, tokens, ledger, audit, idempotency keys, revoked rids,
//	             the status list of the SD-JWT VCs, anchoring indexes
//	outbox/      credentials waiting to be anchored in the registry (issuer.Outbox), if one is configured
//
// # What is stored, and how
//
// Passwords are argon2id hashes (PHC string form); session ids and API
// tokens are stored as their SHA-256 only, so a copy of clinic.db lets
// nobody sign in. Every staff or EMR action that changes something is
// written to the audit log in the same bbolt transaction as the change:
// either both are stored or neither. Each audit entry carries the SHA-256 of
// the previous one, so an edited or removed entry breaks the chain
// (VerifyAudit).
package service

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/keyfile"
	"github.com/immunopass/immunopass/internal/atomicfile"
	"github.com/immunopass/immunopass/issuer"
)

// Files in the data folder.
const (
	KeyFileName    = "key.age"
	ConfigFileName = "config.json"
	StatusFileName = "status.json" // earlier versions' status list, imported into clinic.db by Open
	DBFileName     = "clinic.db"
	SiteDirName    = "site" // .well-known/jwks.json and .well-known/crl/{kid}.json
)

// Public paths below the issuer URL, for verifiers.
const (
	JWKSPath   = "/.well-known/jwks.json"
	CRLPath    = "/.well-known/crl/" // + kid + ".json"
	StatusPath = "/status/1"         // the Token Status List of the SD-JWT VCs
)

var (
	bucketAccounts = []byte("accounts")
	bucketSessions = []byte("sessions")
	bucketTokens   = []byte("tokens")
	bucketLedger   = []byte("ledger")
	bucketAudit    = []byte("audit")
	bucketCRL      = []byte("crl")
	bucketIdem     = []byte("idempotency")
	allBuckets     = [][]byte{bucketAccounts, bucketSessions, bucketTokens, bucketLedger, bucketAudit, bucketCRL, bucketIdem, bucketAnchors, bucketStatus, bucketKeys, bucketAuditAnchors}
)

// Config is config.json.
type Config struct {
	Version   int    `json:"version"`
	Issuer    string `json:"issuer"`    // iss of every credential
	StatusURI string `json:"statusUri"` // the SD-JWT VC status list
	// Registry is the registry's base URL that anchors every credential
	// ("": no anchoring); Options.Registry overrides it.
	Registry string `json:"registry,omitempty"`
}

// InitOptions says how to create a data folder.
type InitOptions struct {
	Issuer        string // the issuer URL (iss)
	Passphrase    string // seals key.age
	WorkFactor    int    // scrypt work factor of key.age (0: keyfile.WorkFactor)
	AdminUser     string // default "admin"
	AdminPassword string // the first administrator's password
	Registry      string // the registry's base URL that anchors every credential ("": none)
	Now           time.Time
}

// Init creates a data folder: the signing key, config.json and clinic.db
// with the first administrator. It refuses a folder that already holds a
// key or a database, so that nothing is overwritten.
func Init(dir string, o InitOptions) error {
	u, err := url.Parse(o.Issuer)
	if err != nil || u.Scheme != "https" && u.Scheme != "http" || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		return fmt.Errorf("issuer URL %q: want an https:// URL", o.Issuer)
	}
	if strings.TrimSuffix(u.Path, "/") != "" {
		return fmt.Errorf("issuer URL %q: the service publishes its keys, CRLs and status list at the root of its origin; give the origin (%s://%s) as the issuer", o.Issuer, u.Scheme, u.Host)
	}
	if o.AdminUser == "" {
		o.AdminUser = "admin"
	}
	if err := checkUsername(o.AdminUser); err != nil {
		return err
	}
	if err := checkPassword(o.AdminPassword); err != nil {
		return err
	}
	statusURI := strings.TrimSuffix(o.Issuer, "/") + StatusPath
	if o.Registry != "" {
		if r, err := url.Parse(o.Registry); err != nil || r.Scheme != "https" && r.Scheme != "http" || r.Host == "" {
			return fmt.Errorf("registry URL %q: want http(s)://host[:port]", o.Registry)
		}
	}
	if o.WorkFactor == 0 {
		o.WorkFactor = keyfile.WorkFactor
	}
	if o.Now.IsZero() {
		o.Now = time.Now()
	}
	for _, f := range []string{KeyFileName, DBFileName, ConfigFileName} {
		if _, err := os.Stat(filepath.Join(dir, f)); err == nil {
			return fmt.Errorf("%s already holds %s: refusing to overwrite a clinic's data", dir, f)
		}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return err
	}
	kf, err := keyfile.New(o.Now)
	if err != nil {
		return err
	}
	sealed, err := kf.Seal(o.Passphrase, o.WorkFactor)
	if err != nil {
		return err
	}
	cfg, _ := json.MarshalIndent(Config{Version: 1, Issuer: strings.TrimSuffix(o.Issuer, "/"), StatusURI: statusURI, Registry: strings.TrimRight(o.Registry, "/")}, "", "  ")
	db, err := bolt.Open(filepath.Join(dir, DBFileName), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return err
	}
	defer db.Close()
	hash, err := hashPassword(o.AdminPassword)
	if err != nil {
		return err
	}
	err = db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		a := Account{User: o.AdminUser, Role: RoleAdmin, Hash: hash, Created: o.Now.UTC()}
		if err := putJSON(tx.Bucket(bucketAccounts), a.User, a); err != nil {
			return err
		}
		return appendAudit(tx, o.Now, "init", "init", "account:"+a.User, "first administrator; key "+kf.Key.Public().KID())
	})
	if err != nil {
		return err
	}
	if err := atomicfile.Create(filepath.Join(dir, KeyFileName), sealed, 0o600); err != nil {
		return err
	}
	return atomicfile.Create(filepath.Join(dir, ConfigFileName), append(cfg, '\n'), 0o600)
}

// Service is an open data folder.
type Service struct {
	dir        string
	cfg        Config
	keyMu      sync.RWMutex
	key        *issuer.KeyFile            // the active key; nil after it was reported compromised
	keys       map[string]*issuer.KeyFile // every key of the clinic, by kid
	passphrase string                     // seals new keys like key.age
	workFactor int
	db         *bolt.DB
	now        func() time.Time
	limits     *limiter

	mu     sync.Mutex // the status list, the CRL files
	status *statusStore
	idemMu [64]sync.Mutex // idempotent issuances with the same key, one at a time (striped by key)

	commits    chan *pendingIssue // to the group committer
	commitDone chan struct{}
	groups     atomic.Int64
	closeMu    sync.RWMutex
	closed     bool

	reg        *issuer.Registry // nil: no anchoring
	outbox     *issuer.Outbox
	anch       anchoring
	anchorMu   sync.Mutex // one anchoring round at a time
	anchorKick chan struct{}
	anchorDone chan struct{}
	anchorStop func()
}

// ErrClosed reports a use of a closed Service.
var ErrClosed = errors.New("the clinic service is shutting down")

// Options tune an open Service; the zero value is the production setting.
type Options struct {
	Now func() time.Time // the clock (tests)
	// Registry, if set, is the registry's base URL that anchors every
	// credential; it overrides config.json's.
	Registry string
	// KeyWorkFactor is the scrypt work factor of new key files (0:
	// keyfile.WorkFactor; tests lower it).
	KeyWorkFactor int
}

// Open opens a data folder Init made, decrypting the key with passphrase.
func Open(dir, passphrase string, o Options) (*Service, error) {
	raw, err := os.ReadFile(filepath.Join(dir, ConfigFileName))
	if err != nil {
		return nil, fmt.Errorf("%s is not a clinic data folder (run issuer init): %w", dir, err)
	}
	var cfg Config
	if err := json.Unmarshal(raw, &cfg); err != nil || cfg.Version != 1 || cfg.Issuer == "" {
		return nil, fmt.Errorf("%s: not an ImmunoPass clinic configuration (version 1)", filepath.Join(dir, ConfigFileName))
	}
	sealed, err := os.ReadFile(filepath.Join(dir, KeyFileName))
	if err != nil {
		return nil, err
	}
	kf, err := keyfile.Open(sealed, passphrase)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, KeyFileName), err)
	}
	db, err := bolt.Open(filepath.Join(dir, DBFileName), 0o600, &bolt.Options{Timeout: time.Second})
	if err != nil {
		return nil, fmt.Errorf("%s: %w (is another issuer serve running on this folder?)", filepath.Join(dir, DBFileName), err)
	}
	if err := db.Update(func(tx *bolt.Tx) error {
		for _, b := range allBuckets {
			if _, err := tx.CreateBucketIfNotExists(b); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		db.Close()
		return nil, err
	}
	if err := buildIndexes(db); err != nil {
		db.Close()
		return nil, fmt.Errorf("%s: %w", filepath.Join(dir, DBFileName), err)
	}
	st, err := openStatus(db, dir, cfg.StatusURI)
	if err != nil {
		db.Close()
		return nil, err
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	s := &Service{dir: dir, cfg: cfg, db: db, now: now, status: st, limits: newLimiter(), passphrase: passphrase, workFactor: o.KeyWorkFactor,
		commits: make(chan *pendingIssue, maxGroup), commitDone: make(chan struct{})}
	if s.workFactor == 0 {
		s.workFactor = keyfile.WorkFactor
	}
	if err := s.loadKeys(&issuer.KeyFile{KeyFile: kf}, passphrase); err != nil {
		db.Close()
		return nil, err
	}
	reg := cfg.Registry
	if o.Registry != "" {
		reg = o.Registry
	}
	if err := s.openAnchoring(reg); err != nil {
		db.Close()
		return nil, err
	}
	go s.commitLoop()
	return s, nil
}

// Close stops the anchoring sender, stores what is being issued, and
// closes the database.
func (s *Service) Close() error {
	s.closeMu.Lock()
	if s.closed {
		s.closeMu.Unlock()
		return nil
	}
	s.closed = true
	close(s.commits)
	s.closeMu.Unlock()
	<-s.commitDone
	if s.anchorStop != nil {
		s.anchorStop()
		<-s.anchorDone
	}
	return s.db.Close()
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.now() }

// Config returns the folder's configuration.
func (s *Service) Config() Config { return s.cfg }

// KID is the active signing key's id ("" when there is none).
func (s *Service) KID() string {
	kf, err := s.signer()
	if err != nil {
		return ""
	}
	return kf.Key.Public().KID()
}

// Ping checks that the database answers (for /healthz).
func (s *Service) Ping() error {
	return s.db.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketLedger) == nil {
			return errors.New("ledger bucket missing")
		}
		return nil
	})
}

func putJSON(b *bolt.Bucket, key string, v any) error {
	data, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return b.Put([]byte(key), data)
}

func getJSON(b *bolt.Bucket, key string, v any) (bool, error) {
	data := b.Get([]byte(key))
	if data == nil {
		return false, nil
	}
	return true, json.Unmarshal(data, v)
}

func randomToken(n int) string {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never returns an error on supported platforms
	}
	return base64.RawURLEncoding.EncodeToString(b)
}

package service

import (
	"bytes"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	bolt "go.etcd.io/bbolt"
	"golang.org/x/crypto/argon2"
)

// Roles. A nurse records and issues; an administrator also revokes and
// manages users and API tokens.
const (
	RoleNurse = "nurse"
	RoleAdmin = "admin"
)

// Security settings.
const (
	MaxFailures     = 5                // wrong passwords in a row before the account locks
	LockoutDuration = 15 * time.Minute // how long a locked account stays locked
	IdleTimeout     = 15 * time.Minute // a session unused this long is over
	SessionLifetime = 12 * time.Hour   // a session is over this long after sign-in, used or not
	MinPasswordLen  = 12
	// Per client address: LoginBurst sign-in attempts, then one per LoginEvery.
	LoginBurst = 10
	LoginEvery = 6 * time.Second
)

// touchEvery is how often a session's last use is written: the idle
// timeout is counted from a use at most this much earlier than the last.
const touchEvery = 30 * time.Second

// argon2id parameters (RFC 9106 second recommended option, OWASP's 19 MiB line).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024
	argonThreads = 1
	argonKeyLen  = 32
)

// Errors callers branch on.
var (
	ErrBadCredentials = errors.New("wrong user name or password")
	ErrLocked         = errors.New("account locked after too many failed sign-ins; try again later or ask an administrator")
	ErrRateLimited    = errors.New("too many sign-in attempts from this address; wait a minute")
	ErrNoSession      = errors.New("not signed in, or the session is over")
	ErrBadToken       = errors.New("unknown or revoked API token")
	ErrScope          = errors.New("the API token does not have the scope this needs")
	ErrExists         = errors.New("already exists")
	ErrNotFound       = errors.New("not found")
)

// Account is a staff member's local account.
type Account struct {
	User        string    `json:"user"`
	Role        string    `json:"role"`
	Hash        string    `json:"hash"` // argon2id, PHC string
	Created     time.Time `json:"created"`
	Failures    int       `json:"failures"`
	LockedUntil time.Time `json:"lockedUntil,omitzero"`
	Disabled    bool      `json:"disabled,omitempty"`
}

func checkUsername(u string) error {
	if len(u) < 2 || len(u) > 64 {
		return fmt.Errorf("user name %q: want 2 to 64 characters", u)
	}
	for _, r := range u {
		if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' || r == '_') {
			return fmt.Errorf("user name %q: use lowercase letters, digits, '.', '-' and '_'", u)
		}
	}
	return nil
}

func checkPassword(p string) error {
	if utf8.RuneCountInString(p) < MinPasswordLen {
		return fmt.Errorf("password too short: want at least %d characters", MinPasswordLen)
	}
	if len(p) > 1024 {
		return errors.New("password too long: at most 1024 bytes")
	}
	return nil
}

func checkRole(r string) error {
	if r != RoleNurse && r != RoleAdmin {
		return fmt.Errorf("role %q: want %q or %q", r, RoleNurse, RoleAdmin)
	}
	return nil
}

func hashPassword(p string) (string, error) {
	salt := randomToken(16)
	saltRaw, _ := base64.RawURLEncoding.DecodeString(salt)
	key := argon2.IDKey([]byte(p), saltRaw, argonTime, argonMemory, argonThreads, argonKeyLen)
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, argonMemory, argonTime, argonThreads,
		base64.RawStdEncoding.EncodeToString(saltRaw), base64.RawStdEncoding.EncodeToString(key)), nil
}

// hashSlots bounds the argon2id computations running at once (19 MiB
// each), so that a burst of sign-ins from many addresses cannot exhaust
// memory.
var hashSlots = make(chan struct{}, 4)

// checkHash compares p with a PHC argon2id string.
func checkHash(phc, p string) (bool, error) {
	hashSlots <- struct{}{}
	defer func() { <-hashSlots }()
	parts := strings.Split(phc, "$")
	if len(parts) != 6 || parts[1] != "argon2id" {
		return false, errors.New("stored password hash is not argon2id")
	}
	var v int
	var m uint32
	var t uint32
	var th uint8
	if _, err := fmt.Sscanf(parts[2], "v=%d", &v); err != nil || v != argon2.Version {
		return false, errors.New("stored password hash: unknown argon2 version")
	}
	if _, err := fmt.Sscanf(parts[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || m == 0 || t == 0 || th == 0 || m > 1<<20 || t > 16 {
		return false, errors.New("stored password hash: bad parameters")
	}
	salt, err1 := base64.RawStdEncoding.DecodeString(parts[4])
	want, err2 := base64.RawStdEncoding.DecodeString(parts[5])
	if err1 != nil || err2 != nil || len(want) == 0 {
		return false, errors.New("stored password hash: bad encoding")
	}
	got := argon2.IDKey([]byte(p), salt, t, m, th, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

// dummyHash is compared against when the user does not exist, so that the
// answer takes as long as for a real account.
var dummyHash, _ = hashPassword("not a real password, only spends time")

// limiter is a token bucket per client address for sign-in attempts.
type limiter struct {
	mu sync.Mutex
	m  map[string]*bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newLimiter() *limiter { return &limiter{m: map[string]*bucket{}} }

func (l *limiter) allow(addr string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.m) > 100000 { // forget everyone rather than grow without bound
		l.m = map[string]*bucket{}
	}
	b, ok := l.m[addr]
	if !ok {
		b = &bucket{tokens: LoginBurst, last: now}
		l.m[addr] = b
	}
	b.tokens += now.Sub(b.last).Seconds() / LoginEvery.Seconds()
	if b.tokens > LoginBurst {
		b.tokens = LoginBurst
	}
	b.last = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// CreateAccount adds a staff account; by is the administrator who did it.
func (s *Service) CreateAccount(by, user, password, role string) error {
	if err := checkUsername(user); err != nil {
		return err
	}
	if err := checkRole(role); err != nil {
		return err
	}
	if err := checkPassword(password); err != nil {
		return err
	}
	hash, err := hashPassword(password)
	if err != nil {
		return err
	}
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		if b.Get([]byte(user)) != nil {
			return fmt.Errorf("user %q: %w", user, ErrExists)
		}
		if err := putJSON(b, user, Account{User: user, Role: role, Hash: hash, Created: now.UTC()}); err != nil {
			return err
		}
		return appendAudit(tx, now, by, "account.create", "account:"+user, "role "+role)
	})
}

// Unlock clears an account's failed sign-ins and lockout; by is the
// administrator who did it.
func (s *Service) Unlock(by, user string) error {
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		var a Account
		found, err := getJSON(b, user, &a)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("user %q: %w", user, ErrNotFound)
		}
		a.Failures, a.LockedUntil = 0, time.Time{}
		if err := putJSON(b, user, a); err != nil {
			return err
		}
		return appendAudit(tx, now, by, "account.unlock", "account:"+user, "")
	})
}

// SetDisabled disables an account (its sessions end at their next use) or
// enables it again. An administrator cannot disable their own account, so
// that a clinic always keeps one.
func (s *Service) SetDisabled(by, user string, disabled bool) error {
	if by == user && disabled {
		return errors.New("you cannot disable your own account")
	}
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		var a Account
		found, err := getJSON(b, user, &a)
		if err != nil {
			return err
		}
		if !found {
			return fmt.Errorf("user %q: %w", user, ErrNotFound)
		}
		a.Disabled = disabled
		if err := putJSON(b, user, a); err != nil {
			return err
		}
		action := "account.enable"
		if disabled {
			action = "account.disable"
		}
		return appendAudit(tx, now, by, action, "account:"+user, "")
	})
}

// Accounts lists the staff accounts (without their hashes).
func (s *Service) Accounts() ([]Account, error) {
	var out []Account
	err := s.db.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketAccounts).ForEach(func(k, v []byte) error {
			var a Account
			if _, err := getJSON(tx.Bucket(bucketAccounts), string(k), &a); err != nil {
				return err
			}
			a.Hash = ""
			out = append(out, a)
			return nil
		})
	})
	return out, err
}

// Session is a signed-in staff member.
type Session struct {
	User     string    `json:"user"`
	Role     string    `json:"role"`
	CSRF     string    `json:"csrf"` // the token every form of this session must carry
	Created  time.Time `json:"created"`
	LastSeen time.Time `json:"lastSeen"`
}

func sessionKey(id string) string {
	h := sha256.Sum256([]byte("session\x00" + id))
	return hex.EncodeToString(h[:])
}

// Login checks a user's password and opens a session. addr is the client's
// address, for rate limiting. It returns the session id (for the cookie,
// stored only hashed) and the session.
func (s *Service) Login(addr, user, password string) (string, *Session, error) {
	now := s.now()
	if !s.limits.allow(addr, now) {
		return "", nil, ErrRateLimited
	}
	var a Account
	var found bool
	err := s.db.View(func(tx *bolt.Tx) error {
		var err error
		found, err = getJSON(tx.Bucket(bucketAccounts), user, &a)
		return err
	})
	if err != nil {
		return "", nil, err
	}
	if !found || a.Disabled {
		checkHash(dummyHash, password)
		return "", nil, ErrBadCredentials
	}
	if now.Before(a.LockedUntil) {
		return "", nil, ErrLocked
	}
	ok, err := checkHash(a.Hash, password)
	if err != nil {
		return "", nil, err
	}
	id := randomToken(32)
	sess := &Session{User: a.User, Role: a.Role, CSRF: randomToken(32), Created: now.UTC(), LastSeen: now.UTC()}
	var result error
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketAccounts)
		var cur Account
		if found, err := getJSON(b, user, &cur); err != nil || !found {
			return ErrBadCredentials
		}
		if !ok {
			cur.Failures++
			result = ErrBadCredentials
			detail := fmt.Sprintf("failure %d", cur.Failures)
			if cur.Failures >= MaxFailures {
				cur.LockedUntil = now.Add(LockoutDuration).UTC()
				cur.Failures = 0
				result = ErrLocked
				detail += "; locked until " + cur.LockedUntil.Format(time.RFC3339)
			}
			if err := putJSON(b, user, cur); err != nil {
				return err
			}
			return appendAudit(tx, now, user, "login.fail", "account:"+user, detail+" from "+addr)
		}
		cur.Failures = 0
		cur.LockedUntil = time.Time{}
		if err := putJSON(b, user, cur); err != nil {
			return err
		}
		if err := sweepSessions(tx.Bucket(bucketSessions), now); err != nil {
			return err
		}
		if err := putJSON(tx.Bucket(bucketSessions), sessionKey(id), sess); err != nil {
			return err
		}
		return appendAudit(tx, now, user, "login", "account:"+user, "from "+addr)
	})
	if err != nil {
		return "", nil, err
	}
	if result != nil {
		return "", nil, result
	}
	return id, sess, nil
}

// sweepSessions removes the sessions that are over, so that sessions
// nobody signed out of do not pile up.
func sweepSessions(b *bolt.Bucket, now time.Time) error {
	var over [][]byte
	err := b.ForEach(func(k, v []byte) error {
		var sess Session
		if err := json.Unmarshal(v, &sess); err != nil || now.Sub(sess.LastSeen) > IdleTimeout || now.Sub(sess.Created) > SessionLifetime {
			over = append(over, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range over {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// Sessions counts the open sessions (for tests and metrics).
func (s *Service) Sessions() (int, error) {
	n := 0
	err := s.db.View(func(tx *bolt.Tx) error {
		n = tx.Bucket(bucketSessions).Stats().KeyN
		return nil
	})
	return n, err
}

// Session returns the open session with this id and marks it used; a
// session idle longer than IdleTimeout, or older than SessionLifetime, is
// removed and ErrNoSession returned.
func (s *Service) Session(id string) (*Session, error) {
	if id == "" {
		return nil, ErrNoSession
	}
	now := s.now()
	key := sessionKey(id)
	var sess Session
	var expired bool
	err := s.db.View(func(tx *bolt.Tx) error {
		found, err := getJSON(tx.Bucket(bucketSessions), key, &sess)
		if err != nil || !found {
			return ErrNoSession
		}
		expired = now.Sub(sess.LastSeen) > IdleTimeout || now.Sub(sess.Created) > SessionLifetime
		var a Account
		if found, _ := getJSON(tx.Bucket(bucketAccounts), sess.User, &a); !found || a.Disabled || a.Role != sess.Role {
			expired = true
		}
		return nil
	})
	if err == nil && !expired && now.Sub(sess.LastSeen) < touchEvery {
		return &sess, nil // a read only: no write, no fsync
	}
	if err != nil {
		return nil, err
	}
	err = s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		found, err := getJSON(b, key, &sess)
		if err != nil || !found {
			return ErrNoSession
		}
		if now.Sub(sess.LastSeen) > IdleTimeout || now.Sub(sess.Created) > SessionLifetime {
			b.Delete([]byte(key))
			return ErrNoSession
		}
		var a Account
		if found, _ := getJSON(tx.Bucket(bucketAccounts), sess.User, &a); !found || a.Disabled || a.Role != sess.Role {
			b.Delete([]byte(key))
			return ErrNoSession
		}
		if now.Sub(sess.LastSeen) < touchEvery {
			return nil // recent enough: spare the write (and its fsync)
		}
		sess.LastSeen = now.UTC()
		return putJSON(b, key, sess)
	})
	if err != nil {
		if errors.Is(err, ErrNoSession) {
			return nil, ErrNoSession
		}
		return nil, err
	}
	return &sess, nil
}

// CheckCSRF compares a form's token with the session's, in constant time.
func (sess *Session) CheckCSRF(token string) bool {
	return token != "" && subtle.ConstantTimeCompare([]byte(token), []byte(sess.CSRF)) == 1
}

// Logout ends a session.
func (s *Service) Logout(id string) error {
	now := s.now()
	return s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketSessions)
		var sess Session
		found, _ := getJSON(b, sessionKey(id), &sess)
		if !found {
			return nil
		}
		if err := b.Delete([]byte(sessionKey(id))); err != nil {
			return err
		}
		return appendAudit(tx, now, sess.User, "logout", "account:"+sess.User, "")
	})
}

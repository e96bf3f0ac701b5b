package service

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/oid4vci"
	"github.com/immunopass/immunopass/credential/shc"
)

// Delivery into the wallet with OpenID4VCI (the pre-authorized code flow
// with a PIN): staff or the EMR create an offer for a ledger entry; the
// wallet redeems its code with the PIN for an access token, fetches a
// nonce, and sends key proofs; the service signs one SD-JWT VC per proof,
// bound to its key, and adds them to the entry (so that revoking the
// entry revokes them too).
//
// Everything lives in clinic.db's "oid4vci" bucket, keyed by the SHA-256
// of the secret (pre-authorized code, access token, nonce, transaction
// id): a copy of the database redeems nothing. The PIN is stored as a
// SHA-256 over the code and the PIN, so it cannot be tried offline without
// the code. An offer works once, expires, and is burned after
// MaxPINTries wrong PINs. Creating and redeeming an offer and issuing
// through it are written to the audit log in the same transaction.

var bucketOID4VCI = []byte("oid4vci")

// Delivery errors. The web layer maps each to its OAuth error.
var (
	ErrOfferUnknown   = errors.New("this offer is not known here")
	ErrOfferUsed      = errors.New("this offer has already been used")
	ErrOfferExpired   = errors.New("this offer has expired")
	ErrOfferBurned    = errors.New("this offer was blocked after too many wrong PINs")
	ErrWrongPIN       = errors.New("the PIN is not right")
	ErrPINMissing     = errors.New("this offer needs the PIN the clinic showed")
	ErrBadAccessToken = errors.New("unknown, expired or already used access token")
	ErrBadNonce       = errors.New("unknown, expired or already used nonce")
	ErrBadTransaction = errors.New("unknown, finished or expired transaction id")
	ErrNotDeliverable = errors.New("this record cannot be delivered")
)

// DeliverySettings tune offers; the zero value is the production setting.
type DeliverySettings struct {
	OfferTTL time.Duration // how long an offer works (default 10 minutes)
	TokenTTL time.Duration // how long an access token works (default 5 minutes)
	NonceTTL time.Duration // how long a nonce works (default 5 minutes)
	// DeferredTTL is how long a deferred transaction waits (default 7 days).
	DeferredTTL time.Duration
	// DeferredInterval is how long a wallet is told to wait before asking
	// again for a deferred credential (default 5 s; whole seconds).
	DeferredInterval time.Duration
	// Pending reports that a ledger entry's anchoring is not done yet: its
	// credentials are then deferred (transaction id) until it is. Nil: the
	// service's own anchoring state (anchoringPending).
	Pending func(e *Entry) bool
	// Name is the clinic's name in the metadata.
	Name string
	// CampaignOfferTTL is how long a campaign's offers work (default 14
	// days): they go out by mail merge, not across the desk.
	CampaignOfferTTL time.Duration
}

// MaxPINTries is how many wrong PINs burn an offer.
const MaxPINTries = 5

func (d DeliverySettings) withDefaults() DeliverySettings {
	if d.OfferTTL <= 0 {
		d.OfferTTL = 10 * time.Minute
	}
	if d.TokenTTL <= 0 {
		d.TokenTTL = 5 * time.Minute
	}
	if d.NonceTTL <= 0 {
		d.NonceTTL = 5 * time.Minute
	}
	if d.DeferredInterval < time.Second {
		d.DeferredInterval = 5 * time.Second
	}
	if d.DeferredTTL <= 0 {
		d.DeferredTTL = 7 * 24 * time.Hour
	}
	if d.CampaignOfferTTL <= 0 {
		d.CampaignOfferTTL = 14 * 24 * time.Hour
	}
	return d
}

// Delivery is the OpenID4VCI side of a Service.
type Delivery struct {
	s   *Service
	set DeliverySettings

	pruneMu   sync.Mutex
	lastPrune time.Time
}

// pruneEvery is how often CreateOffer removes what has expired.
const pruneEvery = time.Hour

// Delivery returns the service's OpenID4VCI delivery with these settings.
func (s *Service) Delivery(set DeliverySettings) (*Delivery, error) {
	err := s.db.Update(func(tx *bolt.Tx) error {
		_, err := tx.CreateBucketIfNotExists(bucketOID4VCI)
		return err
	})
	if err != nil {
		return nil, err
	}
	if set.Pending == nil {
		set.Pending = s.anchoringPending
	}
	return &Delivery{s: s, set: set.withDefaults()}, nil
}

// Settings returns the settings in force.
func (d *Delivery) Settings() DeliverySettings { return d.set }

type offerRec struct {
	Entry   string    `json:"entry"`
	By      string    `json:"by"`
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	PIN     string    `json:"pin"` // hex SHA-256 over code and PIN
	Tries   int       `json:"tries"`
	Used    time.Time `json:"used,omitzero"`
}

type tokenRec struct {
	Entry   string    `json:"entry"`
	Offer   string    `json:"offer"` // the offer's key
	Expires time.Time `json:"expires"`
	Used    bool      `json:"used"`
}

type nonceRec struct {
	Expires time.Time `json:"expires"`
}

type txRec struct {
	Entry   string    `json:"entry"`
	Token   string    `json:"token"` // the access token's key: the deferred request must carry it
	Keys    []string  `json:"keys"`  // holder keys, as did:key
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
}

func secretKey(kind, secret string) string {
	h := sha256.Sum256([]byte("oid4vci\x00" + kind + "\x00" + secret))
	return kind + "/" + hex.EncodeToString(h[:])
}

func pinHash(code, pin string) string {
	h := sha256.Sum256([]byte("oid4vci-pin\x00" + code + "\x00" + pin))
	return hex.EncodeToString(h[:])
}

// OfferGrant is a new offer: what the staff screen shows once.
type OfferGrant struct {
	Offer   *oid4vci.Offer
	PIN     string
	Expires time.Time
}

// randomPIN is PINLength uniformly random decimal digits.
func randomPIN() string {
	var b strings.Builder
	for range oid4vci.PINLength {
		n, err := rand.Int(rand.Reader, big.NewInt(10))
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		b.WriteByte(byte('0' + n.Int64()))
	}
	return b.String()
}

// CreateOffer makes an offer of a valid ledger entry's credentials, for
// the wallet: a pre-authorized code (in the offer) and a PIN (shown
// beside it, typed by the parent).
func (d *Delivery) CreateOffer(by, entryID string) (*OfferGrant, error) {
	gs, err := d.createOffers(by, []string{entryID}, d.set.OfferTTL, "offer to a wallet", "The PIN the clinic showed you with the QR code")
	if err != nil {
		return nil, err
	}
	return gs[0], nil
}

// CreateCampaignOffers makes one offer per valid ledger entry of a
// campaign, working for CampaignOfferTTL, in one transaction (an audit
// entry each). The grants follow entryIDs; an entry that is not valid
// (revoked since) gets nil.
func (d *Delivery) CreateCampaignOffers(by string, entryIDs []string) ([]*OfferGrant, error) {
	return d.createOffers(by, entryIDs, d.set.CampaignOfferTTL, "campaign offer to a wallet", "The PIN the clinic sent you with this link")
}

func (d *Delivery) createOffers(by string, entryIDs []string, ttl time.Duration, what, pinHint string) ([]*OfferGrant, error) {
	single := len(entryIDs) == 1
	now := d.s.now()
	d.pruneMu.Lock()
	if now.Sub(d.lastPrune) >= pruneEvery {
		d.lastPrune = now
		if err := d.Prune(); err != nil {
			d.pruneMu.Unlock()
			return nil, err
		}
	}
	d.pruneMu.Unlock()
	grants := make([]*OfferGrant, len(entryIDs))
	err := d.s.db.Update(func(tx *bolt.Tx) error {
		for i, id := range entryIDs {
			var e Entry
			found, err := getJSON(tx.Bucket(bucketLedger), id, &e)
			switch {
			case err != nil:
				return err
			case !found:
				if single {
					return fmt.Errorf("ledger entry %q: %w", id, ErrNotFound)
				}
				continue
			case e.Status != StatusValid:
				if single {
					return fmt.Errorf("ledger entry %q is %s: %w", id, e.Status, ErrNotDeliverable)
				}
				continue
			}
			code, pin := randomToken(32), randomPIN()
			rec := offerRec{Entry: id, By: by, Created: now.UTC(), Expires: now.Add(ttl).UTC(), PIN: pinHash(code, pin)}
			if err := putJSON(tx.Bucket(bucketOID4VCI), secretKey("offer", code), rec); err != nil {
				return err
			}
			if err := appendAudit(tx, now, by, "oid4vci.offer", "ledger:"+id, what+", expires "+rec.Expires.Format(time.RFC3339)); err != nil {
				return err
			}
			o := &oid4vci.Offer{CredentialIssuer: d.s.cfg.Issuer, ConfigurationIDs: []string{oid4vci.ConfigSDJWT}, PreAuthorizedCode: code,
				TxCode: &oid4vci.TxCode{InputMode: "numeric", Length: oid4vci.PINLength, Description: pinHint}}
			grants[i] = &OfferGrant{Offer: o, PIN: pin, Expires: rec.Expires}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return grants, nil
}

// Redeem exchanges a pre-authorized code and its PIN for an access token
// (once). A wrong PIN counts towards MaxPINTries; the offer is then
// burned.
func (d *Delivery) Redeem(code, pin string) (token string, expiresIn time.Duration, err error) {
	now := d.s.now()
	key := secretKey("offer", code)
	var refused error // an answer to the wallet; the transaction still commits (the try is counted)
	err = d.s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOID4VCI)
		var rec offerRec
		found, err := getJSON(b, key, &rec)
		switch {
		case err != nil:
			return err
		case !found:
			refused = ErrOfferUnknown
			return nil
		case !rec.Used.IsZero():
			refused = ErrOfferUsed
			return nil
		case rec.Tries >= MaxPINTries:
			refused = ErrOfferBurned
			return nil
		case !now.Before(rec.Expires):
			refused = ErrOfferExpired
			return nil
		}
		if subtle.ConstantTimeCompare([]byte(pinHash(code, pin)), []byte(rec.PIN)) != 1 {
			if pin == "" {
				refused = ErrPINMissing
				return nil
			}
			rec.Tries++
			if err := putJSON(b, key, rec); err != nil {
				return err
			}
			refused = ErrWrongPIN
			if rec.Tries >= MaxPINTries {
				refused = ErrOfferBurned
				return appendAudit(tx, now, "wallet", "oid4vci.burn", "ledger:"+rec.Entry, fmt.Sprintf("offer blocked after %d wrong PINs", rec.Tries))
			}
			return nil
		}
		rec.Used = now.UTC()
		if err := putJSON(b, key, rec); err != nil {
			return err
		}
		token = randomToken(32)
		if err := putJSON(b, secretKey("token", token), tokenRec{Entry: rec.Entry, Offer: key, Expires: now.Add(d.set.TokenTTL).UTC()}); err != nil {
			return err
		}
		return appendAudit(tx, now, "wallet", "oid4vci.redeem", "ledger:"+rec.Entry, "offer of "+rec.Created.Format(time.RFC3339)+" by "+rec.By+" redeemed with its PIN")
	})
	if err == nil {
		err = refused
	}
	if err != nil {
		return "", 0, err
	}
	return token, d.set.TokenTTL, nil
}

// NewNonce hands out a fresh c_nonce.
func (d *Delivery) NewNonce() (string, error) {
	n := randomToken(24)
	now := d.s.now()
	err := d.s.db.Update(func(tx *bolt.Tx) error {
		return putJSON(tx.Bucket(bucketOID4VCI), secretKey("nonce", n), nonceRec{Expires: now.Add(d.set.NonceTTL).UTC()})
	})
	return n, err
}

// Prune removes expired nonces, tokens and offers (offers a day after
// they expire, so that "already used" and "expired" stay distinguishable
// meanwhile).
func (d *Delivery) Prune() error {
	now := d.s.now()
	return d.s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOID4VCI)
		var dead [][]byte
		err := b.ForEach(func(k, v []byte) error {
			var rec struct {
				Expires time.Time `json:"expires"`
			}
			if getJSON(b, string(k), &rec); rec.Expires.IsZero() {
				return nil
			}
			grace := time.Duration(0)
			switch {
			case strings.HasPrefix(string(k), "offer/"):
				grace = 24 * time.Hour
			case strings.HasPrefix(string(k), "token/"):
				grace = d.set.DeferredTTL // a deferred request carries it
			}
			if now.After(rec.Expires.Add(grace)) {
				dead = append(dead, append([]byte(nil), k...))
			}
			return nil
		})
		for _, k := range dead {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
		return err
	})
}

// Result is what the credential endpoint answers: credentials, or a
// transaction id to come back with.
type Result struct {
	Credentials   []string
	TransactionID string
}

// CheckToken reports whether an access token is live (known, unused, not
// expired), so that a request without one is refused before its proofs are
// checked. Issue checks it again.
func (d *Delivery) CheckToken(token string) error {
	now := d.s.now()
	return d.s.db.View(func(tx *bolt.Tx) error {
		var tok tokenRec
		found, err := getJSON(tx.Bucket(bucketOID4VCI), secretKey("token", token), &tok)
		if err == nil && (!found || tok.Used || !now.Before(tok.Expires)) {
			err = ErrBadAccessToken
		}
		return err
	})
}

// Issue signs one SD-JWT VC per proof key for the entry the access token
// was granted for, after consuming the proofs' nonces (each once). The
// token works for one request. While the entry's anchoring is pending the
// result is a transaction id instead.
func (d *Delivery) Issue(token string, nonces []string, keys []*jose.Key) (*Result, error) {
	now := d.s.now()
	tkey := secretKey("token", token)
	var tok tokenRec
	err := d.s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOID4VCI)
		found, err := getJSON(b, tkey, &tok)
		if err != nil {
			return err
		}
		if !found || tok.Used || !now.Before(tok.Expires) {
			return ErrBadAccessToken
		}
		for _, n := range nonces {
			nk := secretKey("nonce", n)
			var nr nonceRec
			found, err := getJSON(b, nk, &nr)
			if err != nil {
				return err
			}
			if !found || !now.Before(nr.Expires) {
				return ErrBadNonce
			}
			if err := b.Delete([]byte(nk)); err != nil {
				return err
			}
		}
		tok.Used = true
		return putJSON(b, tkey, tok)
	})
	if err != nil {
		return nil, err
	}
	e, err := d.s.Entry(tok.Entry)
	if err != nil {
		return nil, err
	}
	if d.set.Pending != nil && d.set.Pending(e) {
		id := randomToken(24)
		rec := txRec{Entry: e.ID, Token: tkey, Created: now.UTC(), Expires: now.Add(d.set.DeferredTTL).UTC()}
		for _, k := range keys {
			rec.Keys = append(rec.Keys, k.DIDKey())
		}
		err := d.s.db.Update(func(tx *bolt.Tx) error {
			if err := putJSON(tx.Bucket(bucketOID4VCI), secretKey("tx", id), rec); err != nil {
				return err
			}
			return appendAudit(tx, now, "wallet", "oid4vci.defer", "ledger:"+e.ID, fmt.Sprintf("%d SD-JWT VC deferred until anchoring is done", len(keys)))
		})
		if err != nil {
			return nil, err
		}
		return &Result{TransactionID: id}, nil
	}
	creds, err := d.sign(e.ID, keys, now)
	if err != nil {
		if !errors.Is(err, ErrNotDeliverable) {
			// A server failure: the token works again, so that the wallet
			// can retry (with a new nonce) instead of needing a new offer.
			err = errors.Join(err, d.s.db.Update(func(tx *bolt.Tx) error {
				tok.Used = false
				return putJSON(tx.Bucket(bucketOID4VCI), tkey, tok)
			}))
		}
		return nil, err
	}
	return &Result{Credentials: creds}, nil
}

// Deferred answers a deferred credential request made with the access
// token of the request that was deferred: the credentials once the
// entry's anchoring is done (then the transaction id is spent), or
// pending.
func (d *Delivery) Deferred(token, id string) (creds []string, pending bool, err error) {
	now := d.s.now()
	key := secretKey("tx", id)
	var rec txRec
	err = d.s.db.View(func(tx *bolt.Tx) error {
		found, err := getJSON(tx.Bucket(bucketOID4VCI), key, &rec)
		if err == nil && (!found || !now.Before(rec.Expires)) {
			err = ErrBadTransaction
		}
		if err == nil && subtle.ConstantTimeCompare([]byte(rec.Token), []byte(secretKey("token", token))) != 1 {
			err = ErrBadAccessToken
		}
		return err
	})
	if err != nil {
		return nil, false, err
	}
	e, err := d.s.Entry(rec.Entry)
	if err != nil {
		return nil, false, err
	}
	if d.set.Pending != nil && d.set.Pending(e) {
		return nil, true, nil
	}
	var keys []*jose.Key
	for _, did := range rec.Keys {
		k, err := jose.ParseDIDKey(did)
		if err != nil {
			return nil, false, err
		}
		keys = append(keys, k)
	}
	// Spend the transaction id first: a second request with it fails
	// rather than signing twice.
	err = d.s.db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOID4VCI)
		if b.Get([]byte(key)) == nil {
			return ErrBadTransaction
		}
		return b.Delete([]byte(key))
	})
	if err != nil {
		return nil, false, err
	}
	creds, err = d.sign(rec.Entry, keys, now)
	return creds, false, err
}

// sign issues the SD-JWT VCs of a ledger entry for holder keys, from the
// record its SMART Health Card holds, and adds them to the entry (so that
// revoking the entry revokes them): storeDelivered (delivery_store.go).
func (d *Delivery) sign(entryID string, keys []*jose.Key, now time.Time) ([]string, error) {
	s := d.s
	s.mu.Lock()
	defer s.mu.Unlock()
	e, err := s.Entry(entryID)
	if err != nil {
		return nil, err
	}
	if e.Status != StatusValid {
		return nil, fmt.Errorf("ledger entry %q is %s: %w", entryID, e.Status, ErrNotDeliverable)
	}
	card, err := shc.Parse(e.SHC)
	if err != nil {
		return nil, fmt.Errorf("ledger entry %q: its card: %w", entryID, err)
	}
	rec, _, err := card.Record()
	if err != nil {
		return nil, fmt.Errorf("ledger entry %q: its card's record: %w", entryID, err)
	}
	added, err := s.storeDelivered(e, rec, keys, now)
	if err != nil {
		return nil, err
	}
	out := make([]string, len(added))
	for i, a := range added {
		out[i] = a.SDJWT
	}
	return out, nil
}

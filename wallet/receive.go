package wallet

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/oid4vci"
	"github.com/immunopass/immunopass/credential/qr"
	"github.com/immunopass/immunopass/internal/strictjson"
)

// "Receive from clinic": the wallet's side of OpenID4VCI 1.0 (the
// pre-authorized code flow with a PIN). This is the wallet's only network
// access, made only when the user asks for it: HTTPS to the clinic named in
// the offer (plain HTTP only to this machine, for tests), with a timeout on
// every request, a size limit on every answer and no redirects.

// ReceiveLimits.
const (
	receiveTimeout  = 20 * time.Second // per request
	maxAnswer       = 512 << 10        // bytes of one answer
	maxDeferredWait = 2 * time.Minute  // polling a deferred credential
)

// ReceiveProblem says what went wrong, for the screen to choose its words.
type ReceiveProblem int

// Receive problems.
const (
	ProblemOffer    ReceiveProblem = iota + 1 // not a usable offer
	ProblemWrongPIN                           // the PIN is not right
	ProblemPIN                                // no PIN typed
	ProblemUsed                               // the offer was used already
	ProblemExpired                            // the offer expired
	ProblemBlocked                            // too many wrong PINs
	ProblemNetwork                            // the clinic could not be reached
	ProblemClinic                             // the clinic answered with something unusable or refused
	ProblemPending                            // the clinic will have it ready later
)

// ReceiveError is a failure of Receive, with a message a parent can read.
type ReceiveError struct {
	Problem ReceiveProblem
	// Message is the sentence to show.
	Message string
	// Err is the technical cause (for a "details" fold).
	Err error
}

func (e *ReceiveError) Error() string {
	if e.Err == nil {
		return e.Message
	}
	return e.Message + " (" + e.Err.Error() + ")"
}

func (e *ReceiveError) Unwrap() error { return e.Err }

func receiveError(p ReceiveProblem, err error, format string, args ...any) *ReceiveError {
	return &ReceiveError{Problem: p, Message: fmt.Sprintf(format, args...), Err: err}
}

// ReadOffer reads an offer from what the user gives: the text of the
// clinic's QR code, a pasted link or offer, or an image of the QR code
// (PNG, JPEG, GIF).
func ReadOffer(data []byte) (*oid4vci.Offer, error) {
	text := strings.TrimSpace(string(data))
	if !strings.HasPrefix(text, "{") && !strings.Contains(text, "credential_offer") {
		if texts, err := qr.Decode(data); err == nil {
			for _, t := range texts {
				if o, err := oid4vci.ParseOffer(t); err == nil {
					return o, nil
				}
			}
			return nil, receiveError(ProblemOffer, nil, "This QR code is not an offer from a clinic. Scan the code the clinic shows under \"Send to wallet\".")
		}
	}
	o, err := oid4vci.ParseOffer(text)
	if err != nil {
		if errors.Is(err, oid4vci.ErrOfferByReference) {
			return nil, receiveError(ProblemOffer, err, "This offer link points elsewhere instead of holding the offer; ask the clinic for the QR code.")
		}
		return nil, receiveError(ProblemOffer, err, "This is not an offer from a clinic. Scan or paste the code the clinic shows under \"Send to wallet\".")
	}
	return o, nil
}

// ClinicHost is the host the wallet will contact for an offer, to show the
// user before anything is sent.
func ClinicHost(o *oid4vci.Offer) string {
	u, err := url.Parse(o.CredentialIssuer)
	if err != nil {
		return o.CredentialIssuer
	}
	return u.Host
}

// checkReachable allows https, and http only to a loopback address.
func checkReachable(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return err
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		host := u.Hostname()
		if host == "localhost" {
			return nil
		}
		if ip := net.ParseIP(host); ip != nil && ip.IsLoopback() {
			return nil
		}
	}
	return fmt.Errorf("%q: the wallet connects to clinics over HTTPS only", raw)
}

// ReceiveStep is where Receive is, for the screen to show.
type ReceiveStep int

// Receive steps, in order (StepWait only for a deferred credential).
const (
	StepConnect ReceiveStep = iota + 1 // reading the clinic's metadata
	StepPIN                            // exchanging the code and the PIN
	StepReceive                        // asking for the credentials
	StepWait                           // the clinic defers: waiting
	StepCheck                          // verifying what arrived
)

func (s ReceiveStep) String() string {
	switch s {
	case StepConnect:
		return "connecting to the clinic"
	case StepPIN:
		return "checking the PIN"
	case StepReceive:
		return "receiving the record"
	case StepWait:
		return "waiting for the clinic to finish the record"
	case StepCheck:
		return "checking the record"
	}
	return "step " + strconv.Itoa(int(s))
}

// ReceiveOptions tune Receive.
type ReceiveOptions struct {
	// Client is the HTTP client (tests); nil: one with TLS 1.2+, timeouts
	// and no redirects.
	Client *http.Client
	// Progress is told each step (from Receive's goroutine).
	Progress func(step ReceiveStep)
	// Copies is how many copies of the record to ask for (DefaultCopies
	// when 0; at most the clinic's batch size, 1 from a clinic without
	// batch issuance). Each is bound to a holder key made for it alone,
	// so presentations of different copies cannot be linked.
	Copies int
}

// Received is what Receive brought back.
type Received struct {
	Clinic string // the clinic's host
	// Kept are the records that verified and were kept, as Credentials
	// lists them (the copies of one record once, with Copies set).
	Kept []Credential
	// Unverified are records that arrived but did not verify against the
	// wallet's trust (an unknown clinic, say), one candidate per record
	// standing for all its copies: the screen shows why and offers
	// KeepUnverified, which keeps every copy with its key.
	Unverified []Candidate
}

type receiver struct {
	c        *http.Client
	progress func(ReceiveStep)
	host     string
}

func newClient() *http.Client {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   10 * time.Second,
		ResponseHeaderTimeout: receiveTimeout,
		MaxIdleConns:          2,
		IdleConnTimeout:       30 * time.Second,
	}
	return &http.Client{Transport: tr, Timeout: receiveTimeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// do sends a request and reads at most maxAnswer bytes of the answer.
func (r *receiver) do(ctx context.Context, method, target, ctype string, body []byte, token string) (int, []byte, error) {
	if err := checkReachable(target); err != nil {
		return 0, nil, receiveError(ProblemClinic, err, "The clinic's server gave an address the wallet will not use.")
	}
	ctx, cancel := context.WithTimeout(ctx, receiveTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, target, bytes.NewReader(body))
	if err != nil {
		return 0, nil, receiveError(ProblemClinic, err, "The clinic's server gave an address the wallet cannot use.")
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := r.c.Do(req)
	if err != nil {
		if errors.Is(ctx.Err(), context.Canceled) {
			return 0, nil, receiveError(ProblemNetwork, err, "Cancelled.")
		}
		return 0, nil, receiveError(ProblemNetwork, err, "The wallet could not reach the clinic (%s). Check the internet connection and try again.", r.host)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return 0, nil, receiveError(ProblemNetwork, err, "The connection to the clinic (%s) broke. Try again.", r.host)
	}
	if len(data) > maxAnswer {
		return 0, nil, receiveError(ProblemClinic, fmt.Errorf("answer larger than %d bytes", maxAnswer), "The clinic's server sent far more than a vaccination record.")
	}
	return resp.StatusCode, data, nil
}

// oauthFailure turns an error answer into words.
func (r *receiver) oauthFailure(status int, data []byte, what string) *ReceiveError {
	e, ok := oid4vci.ParseError(data, status)
	if !ok {
		return receiveError(ProblemClinic, fmt.Errorf("%s: HTTP %d", what, status), "The clinic's server did not answer as expected (%s). Try again later or ask the clinic.", what)
	}
	if e.Code == oid4vci.ErrInvalidGrant {
		switch e.Description {
		case oid4vci.DescWrongPIN:
			return receiveError(ProblemWrongPIN, e, "The PIN is not right. Check the %d digits the clinic showed and try again.", oid4vci.PINLength)
		case oid4vci.DescPINMissing:
			return receiveError(ProblemPIN, e, "Type the PIN the clinic showed with the QR code.")
		case oid4vci.DescUsed:
			return receiveError(ProblemUsed, e, "This offer has already been used. If you did not receive the record, ask the clinic for a new offer.")
		case oid4vci.DescExpired:
			return receiveError(ProblemExpired, e, "This offer has expired — ask the clinic for a new one.")
		case oid4vci.DescBlocked:
			return receiveError(ProblemBlocked, e, "This offer was blocked after too many wrong PINs — ask the clinic for a new one.")
		}
		return receiveError(ProblemClinic, e, "The clinic refused this offer. Ask the clinic for a new one.")
	}
	if e.Code == oid4vci.ErrCredentialReqDenied {
		return receiveError(ProblemClinic, e, "The clinic withdrew this record. Ask the clinic.")
	}
	return receiveError(ProblemClinic, e, "The clinic's server refused the request (%s). Try again, or ask the clinic.", e.Code)
}

// Receive fetches the credentials an offer gives, for the person
// profileID: it reads the clinic's metadata, exchanges the offer's code
// and the PIN for an access token, gets a nonce, proves possession of the
// holder keys it makes for the copies it asks for (one fresh P-256 key per
// copy), and receives SD-JWT VCs, each bound to one of them. Each is
// verified with the wallet's usual verification; the copies of the record
// are kept together, each with its key, when they verify. A failure keeps
// nothing (no credential, no key). Every failure is a *ReceiveError.
func (w *Wallet) Receive(ctx context.Context, o *oid4vci.Offer, pin, profileID string, opt ReceiveOptions) (*Received, error) {
	if o == nil {
		return nil, receiveError(ProblemOffer, nil, "No offer: scan or paste the clinic's code first.")
	}
	r := &receiver{c: opt.Client, progress: opt.Progress, host: ClinicHost(o)}
	if r.c == nil {
		r.c = newClient()
	}
	if r.progress == nil {
		r.progress = func(ReceiveStep) {}
	}
	if err := checkReachable(o.CredentialIssuer); err != nil {
		return nil, receiveError(ProblemOffer, err, "This offer names a clinic the wallet will not contact (not HTTPS).")
	}
	if o.TxCode != nil && strings.TrimSpace(pin) == "" {
		return nil, receiveError(ProblemPIN, nil, "Type the PIN the clinic showed with the QR code.")
	}
	pin = strings.TrimSpace(pin)
	if o.TxCode != nil && (o.TxCode.InputMode == "" || o.TxCode.InputMode == "numeric") && strings.Trim(pin, "0123456789") != "" {
		return nil, receiveError(ProblemWrongPIN, nil, "The PIN is only digits. Check the digits the clinic showed.")
	}
	if _, err := w.Profile(profileID); err != nil {
		return nil, err
	}
	copies := opt.Copies
	if copies <= 0 {
		copies = DefaultCopies
	}
	copies = min(copies, oid4vci.MaxBatch)
	base := strings.TrimSuffix(o.CredentialIssuer, "/")

	r.progress(StepConnect)
	status, data, err := r.do(ctx, http.MethodGet, base+oid4vci.IssuerMetadataPath, "", nil, "")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, receiveError(ProblemClinic, fmt.Errorf("metadata: HTTP %d", status), "%s does not deliver records to wallets (no issuer metadata).", r.host)
	}
	meta, err := oid4vci.ParseIssuerMetadata(data, o.CredentialIssuer)
	if err != nil {
		return nil, receiveError(ProblemClinic, err, "The clinic's server describes itself wrongly. Ask the clinic.")
	}
	cfgID := ""
	for _, id := range o.ConfigurationIDs {
		if c, ok := meta.Configurations[id]; ok && c.Format == oid4vci.FormatSDJWTVC {
			cfgID = id
			break
		}
	}
	if cfgID == "" {
		return nil, receiveError(ProblemOffer, nil, "This offer is for a kind of credential ImmunoPass does not hold (it takes SD-JWT VC vaccination records).")
	}
	if meta.Batch == nil {
		copies = 1
	} else {
		copies = min(copies, meta.Batch.BatchSize)
	}
	as := o.CredentialIssuer
	if len(meta.AuthorizationServers) > 0 {
		as = meta.AuthorizationServers[0]
	}
	status, data, err = r.do(ctx, http.MethodGet, strings.TrimSuffix(as, "/")+oid4vci.ServerMetadataPath, "", nil, "")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, receiveError(ProblemClinic, fmt.Errorf("authorization server metadata: HTTP %d", status), "The clinic's server is missing a part the wallet needs. Ask the clinic.")
	}
	asMeta, err := oid4vci.ParseServerMetadata(data, as)
	if err != nil {
		return nil, receiveError(ProblemClinic, err, "The clinic's server describes itself wrongly. Ask the clinic.")
	}

	r.progress(StepPIN)
	treq := &oid4vci.TokenRequest{Code: o.PreAuthorizedCode}
	if o.TxCode != nil {
		treq.TxCode = pin // sent only when the offer asks for one
	}
	form := treq.Form().Encode()
	status, data, err = r.do(ctx, http.MethodPost, asMeta.TokenEndpoint, "application/x-www-form-urlencoded", []byte(form), "")
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, r.oauthFailure(status, data, "token")
	}
	var tok oid4vci.TokenResponse
	if err := strictUnmarshal(data, &tok); err != nil || tok.AccessToken == "" || !strings.EqualFold(tok.TokenType, oid4vci.TokenTypeBearer) {
		return nil, receiveError(ProblemClinic, err, "The clinic's server did not answer as expected (token). Try again later or ask the clinic.")
	}

	nonce := ""
	if meta.NonceEndpoint != "" {
		status, data, err = r.do(ctx, http.MethodPost, meta.NonceEndpoint, "", nil, "")
		if err != nil {
			return nil, err
		}
		var nr oid4vci.NonceResponse
		if status != http.StatusOK || strictUnmarshal(data, &nr) != nil || nr.CNonce == "" {
			return nil, receiveError(ProblemClinic, fmt.Errorf("nonce: HTTP %d", status), "The clinic's server did not answer as expected (nonce). Try again later.")
		}
		nonce = nr.CNonce
	}

	r.progress(StepReceive)
	req := oid4vci.CredentialRequest{ConfigurationID: cfgID}
	keys := map[string]*jose.PrivateKey{} // did:key → the copy's key
	for range copies {
		key, err := jose.GenerateKey()
		if err != nil {
			return nil, err
		}
		keys[key.Public().DIDKey()] = key
		p, err := oid4vci.SignProof(key, o.CredentialIssuer, nonce, w.now())
		if err != nil {
			return nil, err
		}
		req.Proofs = append(req.Proofs, p)
	}
	status, data, err = r.do(ctx, http.MethodPost, meta.CredentialEndpoint, "application/json", req.JSON(), tok.AccessToken)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK && status != http.StatusAccepted {
		return nil, r.oauthFailure(status, data, "credential")
	}
	cr, err := oid4vci.ParseCredentialResponse(data)
	if err != nil {
		return nil, receiveError(ProblemClinic, err, "The clinic's server did not answer as expected (credential). Try again later or ask the clinic.")
	}
	if cr.TransactionID != "" {
		if cr, err = r.awaitDeferred(ctx, meta, tok.AccessToken, cr); err != nil {
			return nil, err
		}
	}

	r.progress(StepCheck)
	out := &Received{Clinic: r.host}
	// Everything is checked before anything is kept: a bad copy keeps
	// none of them, and none of the keys made for them.
	var batch []received
	for i, c := range cr.Credentials {
		cands, err := w.Import(fmt.Sprintf("%s (received %d)", r.host, i+1), []byte(c.Credential))
		if err != nil {
			return out, receiveError(ProblemClinic, err, "The clinic sent something that is not a readable vaccination record.")
		}
		for _, cand := range cands {
			did := holderDID(cand.Text)
			key := keys[did]
			if key == nil {
				return out, receiveError(ProblemClinic, nil, "The clinic sent a record that is not bound to a key this wallet sent; nothing was kept.")
			}
			delete(keys, did) // one copy per key
			batch = append(batch, received{cand: cand, key: key})
		}
	}
	if len(batch) == 0 {
		return out, receiveError(ProblemClinic, nil, "The clinic sent no record.")
	}
	trusted := true
	for _, b := range batch {
		trusted = trusted && b.cand.Status.Trusted()
	}
	if !trusted {
		// One candidate stands for the record; KeepUnverified keeps every
		// copy. The worst verdict is the one shown.
		first := batch[0].cand
		for _, b := range batch {
			if !b.cand.Status.Trusted() {
				first = b.cand
				break
			}
		}
		first.batch = batch
		out.Unverified = append(out.Unverified, first)
		return out, nil
	}
	kept, err := w.keepBatch(batch, profileID, false)
	if err != nil {
		return out, receiveError(ProblemClinic, err, "The record could not be kept; nothing was stored.")
	}
	out.Kept = append(out.Kept, kept)
	return out, nil
}

func (r *receiver) awaitDeferred(ctx context.Context, meta *oid4vci.IssuerMetadata, token string, cr *oid4vci.CredentialResponse) (*oid4vci.CredentialResponse, error) {
	if meta.DeferredEndpoint == "" {
		return nil, receiveError(ProblemClinic, nil, "The clinic's server asked the wallet to come back later but gave no address for it.")
	}
	deadline := time.Now().Add(maxDeferredWait)
	for {
		r.progress(StepWait)
		wait := time.Duration(min(max(cr.Interval, 1), 30)) * time.Second
		if time.Now().Add(wait).After(deadline) {
			return nil, receiveError(ProblemPending, nil, "The clinic has not finished the record yet. Ask the clinic for a new offer in a few minutes.")
		}
		select {
		case <-ctx.Done():
			return nil, receiveError(ProblemNetwork, ctx.Err(), "Cancelled.")
		case <-time.After(wait):
		}
		body := []byte(`{"transaction_id":` + quoteJSON(cr.TransactionID) + `}`)
		status, data, err := r.do(ctx, http.MethodPost, meta.DeferredEndpoint, "application/json", body, token)
		if err != nil {
			return nil, err
		}
		if status != http.StatusOK && status != http.StatusAccepted {
			return nil, r.oauthFailure(status, data, "deferred credential")
		}
		next, err := oid4vci.ParseCredentialResponse(data)
		if err != nil {
			return nil, receiveError(ProblemClinic, err, "The clinic's server did not answer as expected (deferred credential).")
		}
		if next.TransactionID == "" {
			return next, nil
		}
		cr = next
	}
}

func strictUnmarshal(data []byte, v any) error { return strictjson.Unmarshal(data, v) }

func quoteJSON(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}

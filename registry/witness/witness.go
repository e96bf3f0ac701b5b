// Package witness is a C2SP tlog-witness: a small server that another agency runs to cosign the registry
// log's checkpoints, and the client the log uses to collect those cosignatures up to a quorum.
//
// # What a witness checks
//
// A witness trusts a fixed set of log keys (note verifier keys, [Witness.AddLog]). For every checkpoint
// submitted to POST /add-checkpoint it checks, in the order c2sp.org/tlog-witness gives: the request
// parses ([ParseRequest]); the origin is known (else 404); a trusted key signed it (else 403); the old
// size is not above the new size (else 400); the old size is the size it last cosigned for that origin
// (else 409 with its size, Content-Type text/x.tlog.size); at equal sizes the root hashes match (else
// 409); the RFC 6962 consistency proof from its recorded checkpoint verifies (else 422). Only then does
// it record the new checkpoint — durably, before it answers — and return a timestamped cosignature/v1
// (Ed25519) signature line. A log that forks, rewrites or rolls back its history never gets a
// cosignature from a witness that saw the earlier view.
//
// # What it keeps
//
// The folder given to [Init] holds witness.key (the private note key, mode 0600), witness.vkey, logs
// (one trusted log vkey a line) and state.json (per origin: the size and root hash last cosigned). The
// check of the old size and the write of the new state happen under one lock, so two racing requests
// can never roll the recorded state back.
//
// # The client side
//
// [Cosigner] submits a checkpoint to the configured witnesses in parallel, with the consistency proof
// each needs from the size it last reported (learning it from a 409 when unknown), verifies every
// cosignature it gets back against that witness's key, and returns the checkpoint carrying them when at
// least the quorum answered.
package witness

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"

	"github.com/immunopass/immunopass/internal/atomicfile"
	"github.com/immunopass/immunopass/internal/vfs"

	f_log "github.com/transparency-dev/formats/log"
	f_note "github.com/transparency-dev/formats/note"
	"github.com/transparency-dev/merkle/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
)

// File names inside a witness folder.
const (
	keyFile   = "witness.key"
	vkeyFile  = "witness.vkey"
	logsFile  = "logs"
	stateFile = "state.json"
)

// MaxRequestSize bounds an add-checkpoint body: 63 proof lines and a checkpoint with a few signatures
// fit many times over.
const MaxRequestSize = 64 << 10

// ErrNotInitialised is returned by [Open] for a folder [Init] never set up.
var ErrNotInitialised = errors.New("witness folder not initialised")

// Witness is an open witness folder. It is safe for concurrent use.
type Witness struct {
	fs     vfs.FS
	dir    string
	signer note.Signer
	vkey   string

	mu    sync.Mutex
	logs  map[string][]note.Verifier // origin → trusted log keys
	state map[string]treeHead        // origin → last cosigned
}

type treeHead struct {
	Size uint64 `json:"size"`
	Hash []byte `json:"hash"`
}

// Init creates a witness folder with a new Ed25519 cosignature/v1 key named name (a note key name such
// as "witness.example.org"; empty: "immunopass-witness-" and 8 random hex digits) and returns its
// verifier key, the text a log operator configures. It refuses a folder that already holds a key.
func Init(dir string, name ...string) (vkey string, err error) {
	return InitFS(vfs.OS, dir, name...)
}

// InitFS is [Init] on fsys. A folder that a crash left half initialised (no key yet) is initialised
// again: the key is written last, so a folder without one holds nothing worth keeping.
func InitFS(fsys vfs.FS, dir string, name ...string) (vkey string, err error) {
	n := ""
	if len(name) > 0 {
		n = name[0]
	}
	if n == "" {
		var b [4]byte
		if _, err := rand.Read(b[:]); err != nil {
			return "", err
		}
		n = fmt.Sprintf("immunopass-witness-%x", b)
	}
	if err := fsys.MkdirAll(dir, 0o700); err != nil {
		return "", err
	}
	if _, err := fsys.Lstat(filepath.Join(dir, keyFile)); err == nil {
		return "", fmt.Errorf("witness folder %q is already initialised", dir)
	}
	skey, plain, err := note.GenerateKey(rand.Reader, n)
	if err != nil {
		return "", fmt.Errorf("witness name %q: %w", n, err)
	}
	vkey, err = f_note.VKeyToCosignatureV1(plain)
	if err != nil {
		return "", err
	}
	// Replace, not create: these may be left from an Init that a crash interrupted.
	if err := writeFileSync(fsys, filepath.Join(dir, logsFile), nil, 0o600, false); err != nil {
		return "", err
	}
	if err := writeFileSync(fsys, filepath.Join(dir, stateFile), []byte("{}\n"), 0o600, false); err != nil {
		return "", err
	}
	if err := writeFileSync(fsys, filepath.Join(dir, vkeyFile), []byte(vkey+"\n"), 0o644, false); err != nil {
		return "", err
	}
	// The key last, and never replaced: it is what marks the folder as initialised.
	if err := writeFileSync(fsys, filepath.Join(dir, keyFile), []byte(skey+"\n"), 0o600, true); err != nil {
		return "", err
	}
	return vkey, nil
}

// Open opens a folder made by [Init].
func Open(dir string) (*Witness, error) {
	return OpenFS(vfs.OS, dir)
}

// OpenFS is [Open] on fsys.
func OpenFS(fsys vfs.FS, dir string) (*Witness, error) {
	skey, err := fsys.ReadFile(filepath.Join(dir, keyFile))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%w: %q has no %s", ErrNotInitialised, dir, keyFile)
	}
	if err != nil {
		return nil, err
	}
	signer, err := f_note.NewSignerForCosignatureV1(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, fmt.Errorf("witness key in %q: %w", dir, err)
	}
	vkey, err := fsys.ReadFile(filepath.Join(dir, vkeyFile))
	if err != nil {
		return nil, err
	}
	// A second Init racing the first may have replaced the verifier key after the first's key won.
	if v, err := f_note.NewVerifierForCosignatureV1(strings.TrimSpace(string(vkey))); err != nil || v.Name() != signer.Name() || v.KeyHash() != signer.KeyHash() {
		return nil, fmt.Errorf("witness folder %q: %s does not match %s", dir, vkeyFile, keyFile)
	}
	w := &Witness{fs: fsys, dir: dir, signer: signer, vkey: strings.TrimSpace(string(vkey)), logs: map[string][]note.Verifier{}}
	logs, err := fsys.ReadFile(filepath.Join(dir, logsFile))
	if err != nil {
		return nil, err
	}
	for _, line := range strings.Split(string(logs), "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		v, err := note.NewVerifier(line)
		if err != nil {
			return nil, fmt.Errorf("log key %q in %q: %w", line, filepath.Join(dir, logsFile), err)
		}
		w.logs[v.Name()] = append(w.logs[v.Name()], v)
	}
	st, err := fsys.ReadFile(filepath.Join(dir, stateFile))
	if err != nil {
		return nil, err
	}
	if err := json.Unmarshal(st, &w.state); err != nil {
		return nil, fmt.Errorf("witness state %q: %w", filepath.Join(dir, stateFile), err)
	}
	if w.state == nil {
		w.state = map[string]treeHead{}
	}
	return w, nil
}

// VerifierKey returns the witness's cosignature/v1 verifier key.
func (w *Witness) VerifierKey() string { return w.vkey }

// AddLog trusts a log's note verifier key (its name is the log's origin) from now on, durably.
func (w *Witness) AddLog(vkey string) error {
	v, err := note.NewVerifier(strings.TrimSpace(vkey))
	if err != nil {
		return fmt.Errorf("log key %q: %w", vkey, err)
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	for _, have := range w.logs[v.Name()] {
		if have.KeyHash() == v.KeyHash() {
			return nil
		}
	}
	var b strings.Builder
	old, err := w.fs.ReadFile(filepath.Join(w.dir, logsFile))
	if err != nil {
		return err
	}
	b.Write(old)
	b.WriteString(strings.TrimSpace(vkey) + "\n")
	if err := writeFileSync(w.fs, filepath.Join(w.dir, logsFile), []byte(b.String()), 0o600, false); err != nil {
		return err
	}
	w.logs[v.Name()] = append(w.logs[v.Name()], v)
	return nil
}

// Size returns the size of the latest checkpoint cosigned for origin (0 if none).
func (w *Witness) Size(origin string) uint64 {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.state[origin].Size
}

// Request is a parsed add-checkpoint request body.
type Request struct {
	OldSize    uint64
	Proof      [][]byte // RFC 6962 consistency proof from OldSize to the checkpoint's size
	Checkpoint []byte   // the signed note, as received
}

// ParseRequest parses an add-checkpoint body strictly: "old N" (decimal, no leading zeroes), at most 63
// base64 hash lines, an empty line, then the checkpoint note (not verified here). A proof with an old
// size of zero is refused.
func ParseRequest(body []byte) (*Request, error) {
	line, rest, ok := bytes.Cut(body, []byte("\n"))
	if !ok {
		return nil, fmt.Errorf("add-checkpoint body has no old size line")
	}
	num, ok := bytes.CutPrefix(line, []byte("old "))
	if !ok {
		return nil, fmt.Errorf("add-checkpoint first line %q is not \"old <size>\"", line)
	}
	old, err := parseDecimal(string(num))
	if err != nil {
		return nil, fmt.Errorf("add-checkpoint old size %q: %w", num, err)
	}
	r := &Request{OldSize: old}
	for {
		line, rest, ok = bytes.Cut(rest, []byte("\n"))
		if !ok {
			return nil, fmt.Errorf("add-checkpoint body has no empty line before the checkpoint")
		}
		if len(line) == 0 {
			break
		}
		if len(r.Proof) == 63 {
			return nil, fmt.Errorf("add-checkpoint consistency proof has more than 63 lines")
		}
		h, err := base64.StdEncoding.Strict().DecodeString(string(line))
		if err != nil || len(h) != 32 || base64.StdEncoding.EncodeToString(h) != string(line) {
			return nil, fmt.Errorf("add-checkpoint proof line %q is not a base64 SHA-256 hash", line)
		}
		r.Proof = append(r.Proof, h)
	}
	if old == 0 && len(r.Proof) > 0 {
		return nil, fmt.Errorf("add-checkpoint has a consistency proof from size 0")
	}
	if len(rest) == 0 {
		return nil, fmt.Errorf("add-checkpoint body has no checkpoint")
	}
	r.Checkpoint = rest
	return r, nil
}

// Format returns the request body [ParseRequest] reads.
func (r *Request) Format() []byte {
	var b bytes.Buffer
	fmt.Fprintf(&b, "old %d\n", r.OldSize)
	for _, h := range r.Proof {
		b.WriteString(base64.StdEncoding.EncodeToString(h) + "\n")
	}
	b.WriteString("\n")
	b.Write(r.Checkpoint)
	return b.Bytes()
}

func parseDecimal(s string) (uint64, error) {
	if s == "" || (len(s) > 1 && s[0] == '0') || strings.TrimLeft(s, "0123456789") != "" {
		return 0, errors.New("not a decimal without leading zeroes")
	}
	return strconv.ParseUint(s, 10, 64)
}

// Error is a refused add-checkpoint, with the HTTP status the protocol gives it. For a 409, Size is the
// size the witness last cosigned.
type Error struct {
	Status int
	Size   uint64
	Msg    string
	Err    error // the cause of a 500, if any
}

func (e *Error) Error() string { return e.Msg }

func (e *Error) Unwrap() error { return e.Err }

// AddCheckpoint runs the witness checks on a request and, when they pass, records the checkpoint and
// returns the cosignature lines ("— name base64\n"). Refusals are *Error.
func (w *Witness) AddCheckpoint(r *Request) ([]byte, error) {
	origin, _, _ := strings.Cut(string(r.Checkpoint), "\n")
	w.mu.Lock()
	defer w.mu.Unlock()
	vs := w.logs[origin]
	if len(vs) == 0 {
		return nil, &Error{Status: http.StatusNotFound, Msg: fmt.Sprintf("unknown log origin %q", origin)}
	}
	n, err := note.Open(r.Checkpoint, note.VerifierList(vs...))
	if err != nil {
		return nil, &Error{Status: http.StatusForbidden, Msg: fmt.Sprintf("checkpoint for %q has no valid signature by a trusted log key: %v", origin, err)}
	}
	var cp f_log.Checkpoint
	if rest, err := cp.Unmarshal([]byte(n.Text)); err != nil || len(rest) != 0 || cp.Origin != origin {
		return nil, &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf("checkpoint body %q is not a tlog-checkpoint", n.Text)}
	}
	if r.OldSize > cp.Size {
		return nil, &Error{Status: http.StatusBadRequest, Msg: fmt.Sprintf("old size %d is above the checkpoint size %d", r.OldSize, cp.Size)}
	}
	have := w.state[origin]
	if r.OldSize != have.Size {
		return nil, &Error{Status: http.StatusConflict, Size: have.Size, Msg: fmt.Sprintf("old size %d is not the witnessed size %d", r.OldSize, have.Size)}
	}
	switch {
	case r.OldSize == cp.Size:
		if have.Size > 0 && !bytes.Equal(have.Hash, cp.Hash) {
			return nil, &Error{Status: http.StatusConflict, Size: have.Size, Msg: fmt.Sprintf("checkpoint of size %d has root %x, the witness saw %x at that size", cp.Size, cp.Hash, have.Hash)}
		}
		if len(r.Proof) > 0 {
			return nil, &Error{Status: http.StatusUnprocessableEntity, Msg: "consistency proof between equal sizes must be empty"}
		}
	case r.OldSize > 0:
		if err := proof.VerifyConsistency(rfc6962.DefaultHasher, r.OldSize, cp.Size, r.Proof, have.Hash, cp.Hash); err != nil {
			return nil, &Error{Status: http.StatusUnprocessableEntity, Msg: fmt.Sprintf("checkpoint of size %d is not consistent with the witnessed size %d: %v", cp.Size, r.OldSize, err)}
		}
	}
	next := make(map[string]treeHead, len(w.state)+1)
	for k, v := range w.state {
		next[k] = v
	}
	next[origin] = treeHead{Size: cp.Size, Hash: cp.Hash}
	if err := w.saveState(next); err != nil {
		return nil, &Error{Status: http.StatusInternalServerError, Msg: fmt.Sprintf("recording the checkpoint: %v", err), Err: err}
	}
	w.state = next
	signed, err := note.Sign(&note.Note{Text: n.Text}, w.signer)
	if err != nil {
		return nil, &Error{Status: http.StatusInternalServerError, Msg: err.Error()}
	}
	return signed[len(n.Text)+1:], nil
}

func (w *Witness) saveState(st map[string]treeHead) error {
	data, err := json.Marshal(st)
	if err != nil {
		return err
	}
	return writeFileSync(w.fs, filepath.Join(w.dir, stateFile), append(data, '\n'), 0o600, false)
}

// Handler serves POST /add-checkpoint.
func (w *Witness) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /add-checkpoint", func(rw http.ResponseWriter, req *http.Request) {
		body, err := io.ReadAll(http.MaxBytesReader(rw, req.Body, MaxRequestSize))
		if err != nil {
			http.Error(rw, "request body too large or unreadable", http.StatusBadRequest)
			return
		}
		r, err := ParseRequest(body)
		if err != nil {
			http.Error(rw, err.Error(), http.StatusBadRequest)
			return
		}
		sigs, err := w.AddCheckpoint(r)
		var we *Error
		switch {
		case errors.As(err, &we) && we.Status == http.StatusConflict:
			rw.Header().Set("Content-Type", "text/x.tlog.size")
			rw.WriteHeader(http.StatusConflict)
			fmt.Fprintf(rw, "%d\n", we.Size)
		case errors.As(err, &we):
			http.Error(rw, we.Msg, we.Status)
		case err != nil:
			http.Error(rw, err.Error(), http.StatusInternalServerError)
		default:
			rw.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = rw.Write(sigs)
		}
	})
	return mux
}

// writeFileSync writes data to path atomically (temp file, fsync, rename, fsync of the folder).
// exclusive refuses to replace an existing file.
func writeFileSync(fsys vfs.FS, path string, data []byte, perm os.FileMode, exclusive bool) error {
	if exclusive {
		return atomicfile.CreateFS(fsys, path, data, perm)
	}
	return atomicfile.WriteFS(fsys, path, data, perm)
}

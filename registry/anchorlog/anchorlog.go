// Package anchorlog is the registry's transparency log of anchored credentials: an append-only Merkle
// log (Tessera) whose entries are the 32-byte SHA-256 digests of issuer-signed credentials.
//
// # Engines
//
// [Config].Engine chooses where the tiles live: "posix" (the embedded default; Tessera's POSIX driver in
// DIR/log, the digest index in DIR/anchorlog.db, a bbolt file) or "mysql" (Tessera's MySQL driver and the
// digest index in the same database, for logs that outgrow one machine). The data folder DIR always
// holds the log's note signing key (log.key, mode 0600) and the marker anchorlog.json (engine, origin,
// verifier key) that [Create] writes last.
//
// # What Open refuses
//
// Tessera's drivers silently start a new, empty log when their state is missing. [Open] does not: it
// refuses a folder without the marker ([ErrNotInitialised]), a log whose state is gone ([ErrStateMissing]),
// and a log that does not extend the last checkpoint this package saw (a different origin, a smaller
// size, a root hash that is not consistent with it: [ErrRolledBack]).
//
// # Anchors
//
// [Log.Add] is idempotent per digest: a digest already in the log gets its index back, a digest being
// added concurrently shares the other caller's index, and across crashes the index is rebuilt from the
// log itself before [Open] returns (the log, not the index, is the source of truth). Add returns only
// when Tessera has durably sequenced the entries. Entries are batched ([Config].BatchMaxSize and
// BatchMaxAge) so that many concurrent small requests share one fsync.
//
// # Checkpoints and proofs
//
// Tessera publishes a checkpoint signed by the log key every CheckpointInterval. When witnesses are
// configured, each new checkpoint is submitted to them ([witness.Cosigner]) and the latest one that
// reached the quorum becomes the cosigned checkpoint ([Log.CosignedCheckpoint]). [Log.Proof] returns a
// c2sp.org/tlog-proof against the cosigned checkpoint, or [ErrNotIntegrated] while the entry is not in
// it yet. [Log.Handler] serves the c2sp.org/tlog-tiles read API for both engines.
package anchorlog

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	f_log "github.com/transparency-dev/formats/log"
	"github.com/transparency-dev/formats/proof"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/client"
	"golang.org/x/mod/sumdb/note"

	"github.com/immunopass/immunopass/registry/witness"
)

// Engines.
const (
	EnginePOSIX = "posix"
	EngineMySQL = "mysql"
)

const (
	markerFile = "anchorlog.json"
	keyFile    = "log.key"
	logDir     = "log"
	indexFile  = "anchorlog.db"
)

var (
	// ErrNotInitialised: the data folder was never set up by Create.
	ErrNotInitialised = errors.New("log not initialised")
	// ErrStateMissing: the folder was initialised but the log's state is gone.
	ErrStateMissing = errors.New("log state missing")
	// ErrRolledBack: the log on disk does not extend the checkpoint last seen.
	ErrRolledBack = errors.New("log does not extend its last seen checkpoint")
	// ErrExists: Create found a log already there.
	ErrExists = errors.New("log already initialised")
	// ErrUnknownDigest: the digest was never anchored.
	ErrUnknownDigest = errors.New("digest not anchored")
	// ErrNotIntegrated: the digest is sequenced but not yet in the (cosigned) checkpoint.
	ErrNotIntegrated = errors.New("digest not yet integrated in a cosigned checkpoint")
	// ErrClosed: the log was closed.
	ErrClosed = errors.New("log closed")
)

// StateError carries the evidence for ErrNotInitialised, ErrStateMissing and ErrRolledBack.
type StateError struct {
	Err    error  // one of the sentinels above
	Where  string // folder or DSN (password removed)
	Detail string
}

func (e *StateError) Error() string { return fmt.Sprintf("%v: %q: %s", e.Err, e.Where, e.Detail) }
func (e *StateError) Unwrap() error { return e.Err }

// Config selects and tunes a log.
type Config struct {
	Engine string // EnginePOSIX (default) or EngineMySQL
	Dir    string // data folder (required for both engines: key, marker; posix: tiles and index)
	DSN    string // mysql: a go-sql-driver DSN, e.g. "user:pw@unix(/run/mysqld.sock)/immunopass"

	// Origin is the checkpoint origin line; Create only (Open reads it from the marker). Default
	// "localhost/immunopass/log".
	Origin string

	Witnesses  []witness.Remote
	Quorum     int
	HTTPClient *http.Client // for witnesses

	BatchMaxSize       uint          // default 4096
	BatchMaxAge        time.Duration // default 10ms
	CheckpointInterval time.Duration // default 200ms (posix) or 1s (mysql, its minimum)

	Logger *slog.Logger
}

type marker struct {
	Version int    `json:"version"`
	Engine  string `json:"engine"`
	Origin  string `json:"origin"`
	VKey    string `json:"vkey"`
}

// Log is an open anchor log. Its methods are safe for concurrent use.
type Log struct {
	cfg      Config
	origin   string
	vkey     string
	verifier note.Verifier
	log      *slog.Logger

	eng      engine
	idx      index
	appender *tessera.Appender
	shutdown func(context.Context) error
	reader   tessera.LogReader
	cosigner *witness.Cosigner
	cancel   context.CancelFunc
	done     chan struct{}

	followMu sync.Mutex
	mu       sync.Mutex
	closed   bool
	recent   map[[32]byte]uint64 // acknowledged but not yet in the persistent index
	pending  map[[32]byte]*call  // being sequenced now
	gen      uint64              // bumped when entries move from recent to the index
	covered  uint64              // the persistent index holds every entry below this

	cpMu     sync.RWMutex
	cosigned []byte // latest checkpoint that reached the quorum
	cosSize  uint64
}

type call struct {
	done chan struct{}
	idx  uint64
	err  error
}

func (c *Config) defaults() error {
	if c.Engine == "" {
		c.Engine = EnginePOSIX
	}
	if c.Engine != EnginePOSIX && c.Engine != EngineMySQL {
		return fmt.Errorf("unknown log engine %q (want %q or %q)", c.Engine, EnginePOSIX, EngineMySQL)
	}
	if c.Dir == "" {
		return errors.New("log data folder not set")
	}
	if c.Engine == EngineMySQL && c.DSN == "" {
		return errors.New("mysql log engine needs a DSN")
	}
	if c.BatchMaxSize == 0 {
		c.BatchMaxSize = 4096
	}
	if c.BatchMaxAge == 0 {
		c.BatchMaxAge = 10 * time.Millisecond
	}
	if c.CheckpointInterval == 0 {
		c.CheckpointInterval = 200 * time.Millisecond
		if c.Engine == EngineMySQL {
			c.CheckpointInterval = time.Second
		}
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

// Create initialises a new, empty log (key, engine state, index, marker) and returns it open.
// It refuses a folder or database that already holds a log.
func Create(ctx context.Context, cfg Config) (*Log, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	if cfg.Origin == "" {
		cfg.Origin = "localhost/immunopass/log"
	}
	if _, err := os.Stat(filepath.Join(cfg.Dir, markerFile)); err == nil {
		return nil, fmt.Errorf("%w: %q", ErrExists, cfg.Dir)
	}
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	skey, vkey, err := note.GenerateKey(rand.Reader, cfg.Origin)
	if err != nil {
		return nil, fmt.Errorf("log origin %q is not a valid note key name: %w", cfg.Origin, err)
	}
	eng, err := newEngine(ctx, cfg, true)
	if err != nil {
		return nil, err
	}
	if err := eng.create(ctx); err != nil {
		eng.close()
		return nil, err
	}
	eng.close()
	if err := writeFileSync(filepath.Join(cfg.Dir, keyFile), []byte(skey+"\n"), 0o600); err != nil {
		return nil, err
	}
	m, _ := json.MarshalIndent(marker{Version: 1, Engine: cfg.Engine, Origin: cfg.Origin, VKey: vkey}, "", "  ")
	l, err := open(ctx, cfg, true)
	if err != nil {
		return nil, err
	}
	if err := writeFileSync(filepath.Join(cfg.Dir, markerFile), append(m, '\n'), 0o644); err != nil {
		l.Close()
		return nil, err
	}
	return l, nil
}

// Open opens a log made by Create, after checking its state (see the package doc).
func Open(ctx context.Context, cfg Config) (*Log, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	return open(ctx, cfg, false)
}

func open(ctx context.Context, cfg Config, creating bool) (*Log, error) {
	where := cfg.Dir
	var m marker
	if creating {
		m = marker{Engine: cfg.Engine, Origin: cfg.Origin}
	} else {
		data, err := os.ReadFile(filepath.Join(cfg.Dir, markerFile))
		if errors.Is(err, os.ErrNotExist) {
			return nil, &StateError{ErrNotInitialised, where, "no " + markerFile + " (run init first)"}
		}
		if err != nil {
			return nil, err
		}
		if err := json.Unmarshal(data, &m); err != nil || m.Version != 1 || m.Origin == "" {
			return nil, &StateError{ErrNotInitialised, where, fmt.Sprintf("%s is not a log marker: %q", markerFile, data)}
		}
		if m.Engine != cfg.Engine {
			return nil, fmt.Errorf("log in %q uses engine %q, the configuration says %q", where, m.Engine, cfg.Engine)
		}
	}
	skey, err := os.ReadFile(filepath.Join(cfg.Dir, keyFile))
	if err != nil {
		return nil, &StateError{ErrStateMissing, where, fmt.Sprintf("log key: %v", err)}
	}
	signer, err := note.NewSigner(strings.TrimSpace(string(skey)))
	if err != nil {
		return nil, fmt.Errorf("log key in %q: %w", where, err)
	}
	if signer.Name() != m.Origin && !creating {
		return nil, &StateError{ErrStateMissing, where, fmt.Sprintf("log key is for %q, the marker says %q", signer.Name(), m.Origin)}
	}
	m.Origin = signer.Name()
	verifier, vkey, err := verifierOf(string(skey))
	if err != nil {
		return nil, err
	}
	if !creating && m.VKey != vkey {
		return nil, &StateError{ErrStateMissing, where, "log key does not match the marker's verifier key"}
	}
	var cosigner *witness.Cosigner
	if len(cfg.Witnesses) > 0 || cfg.Quorum > 0 {
		if cosigner, err = witness.NewCosigner(cfg.Witnesses, cfg.Quorum, cfg.HTTPClient); err != nil {
			return nil, err
		}
	}
	eng, err := newEngine(ctx, cfg, false)
	if err != nil {
		return nil, err
	}
	if !creating {
		err = eng.check(ctx)
	}
	if err == nil {
		err = eng.start(ctx)
	}
	if err != nil {
		eng.close()
		return nil, err
	}
	idx, err := eng.index(ctx)
	if err != nil {
		eng.close()
		return nil, err
	}
	rctx, cancel := context.WithCancel(context.Background())
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(signer).
		WithBatching(cfg.BatchMaxSize, cfg.BatchMaxAge).
		WithCheckpointInterval(cfg.CheckpointInterval).
		WithCheckpointRepublishInterval(time.Hour).
		WithPushback(1 << 20).
		WithShutdownTimeout(10 * time.Second)
	app, shutdown, reader, err := tessera.NewAppender(rctx, eng.driver(), opts)
	if err != nil {
		cancel()
		idx.close()
		eng.close()
		return nil, fmt.Errorf("starting the log: %w", err)
	}
	l := &Log{
		cfg: cfg, origin: m.Origin, vkey: vkey, verifier: verifier, log: cfg.Logger,
		eng: eng, idx: idx, appender: app, shutdown: shutdown, reader: reader, cosigner: cosigner,
		cancel: cancel, done: make(chan struct{}),
		recent: map[[32]byte]uint64{}, pending: map[[32]byte]*call{},
	}
	fail := func(err error) (*Log, error) {
		cancel()
		idx.close()
		eng.close()
		return nil, err
	}
	if cov, err := idx.get(ctx, metaCovered); err != nil {
		return fail(err)
	} else if len(cov) == 8 {
		l.covered = binary.BigEndian.Uint64(cov)
	}
	if creating {
		// Record the empty log's checkpoint, so that a later Open has something to compare with.
		if err := l.awaitFirstCheckpoint(ctx); err != nil {
			return fail(err)
		}
	}
	if err := l.checkExtends(ctx, where, creating); err != nil {
		return fail(err)
	}
	// Rebuild the index from the log before any Add: whatever Tessera sequenced before a crash is found.
	if err := l.follow(ctx); err != nil {
		return fail(fmt.Errorf("catching the digest index up with the log: %w", err))
	}
	if cs, err := idx.get(ctx, metaCosigned); err == nil && len(cs) > 0 {
		if c, err := l.parseCheckpoint(cs); err == nil {
			l.cosigned, l.cosSize = cs, c.Size
		}
	}
	go l.run(rctx)
	return l, nil
}

func (l *Log) awaitFirstCheckpoint(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		raw, err := l.reader.ReadCheckpoint(ctx)
		if err == nil {
			if _, err := l.parseCheckpoint(raw); err != nil {
				return fmt.Errorf("new log's checkpoint: %w", err)
			}
			return l.idx.put(ctx, metaSeen, raw)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the new log's first checkpoint: %w (last: %v)", ctx.Err(), err)
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func verifierOf(skey string) (note.Verifier, string, error) {
	// A note skey is PRIVATE+KEY+name+hash+base64(alg||seed); derive its vkey.
	parts := strings.SplitN(strings.TrimSpace(skey), "+", 5)
	if len(parts) != 5 {
		return nil, "", errors.New("log key file is not a note signing key")
	}
	vkey, err := vkeyFromSkey(strings.TrimSpace(skey))
	if err != nil {
		return nil, "", err
	}
	v, err := note.NewVerifier(vkey)
	return v, vkey, err
}

// checkExtends compares the engine's current checkpoint with the last one the index recorded.
func (l *Log) checkExtends(ctx context.Context, where string, creating bool) error {
	seen, err := l.idx.get(ctx, metaSeen)
	if err != nil {
		return err
	}
	if len(seen) == 0 {
		if !creating {
			return &StateError{ErrStateMissing, where, "the digest index has no recorded checkpoint"}
		}
		return nil
	}
	old, err := l.parseCheckpoint(seen)
	if err != nil {
		return &StateError{ErrRolledBack, where, fmt.Sprintf("recorded checkpoint: %v", err)}
	}
	raw, err := l.reader.ReadCheckpoint(ctx)
	if err != nil {
		return &StateError{ErrStateMissing, where, fmt.Sprintf("reading the log checkpoint: %v", err)}
	}
	cur, err := l.parseCheckpoint(raw)
	if err != nil {
		return &StateError{ErrRolledBack, where, fmt.Sprintf("log checkpoint: %v", err)}
	}
	if cur.Size < old.Size {
		return &StateError{ErrRolledBack, where, fmt.Sprintf("log checkpoint has size %d, %d was seen before", cur.Size, old.Size)}
	}
	if cur.Size == old.Size {
		if string(cur.Hash) != string(old.Hash) {
			return &StateError{ErrRolledBack, where, fmt.Sprintf("log root at size %d is %x, %x was seen before", cur.Size, cur.Hash, old.Hash)}
		}
		return nil
	}
	if old.Size == 0 {
		return nil
	}
	pb, err := client.NewProofBuilder(ctx, cur.Size, l.readTile)
	if err != nil {
		return &StateError{ErrRolledBack, where, err.Error()}
	}
	p, err := pb.ConsistencyProof(ctx, old.Size, cur.Size)
	if err == nil {
		err = verifyConsistency(old.Size, cur.Size, p, old.Hash, cur.Hash)
	}
	if err != nil {
		return &StateError{ErrRolledBack, where, fmt.Sprintf("size %d is not consistent with size %d seen before: %v", cur.Size, old.Size, err)}
	}
	return nil
}

func (l *Log) parseCheckpoint(raw []byte) (*f_log.Checkpoint, error) {
	cp, _, _, err := f_log.ParseCheckpoint(raw, l.origin, l.verifier)
	return cp, err
}

// Origin returns the log's checkpoint origin line.
func (l *Log) Origin() string { return l.origin }

// VerifierKey returns the log's note verifier key.
func (l *Log) VerifierKey() string { return l.vkey }

// Add anchors digests and returns the index of each, in order. A digest already anchored keeps its index.
// It returns when every new entry is durably sequenced.
func (l *Log) Add(ctx context.Context, digests [][32]byte) ([]uint64, error) {
	out := make([]uint64, len(digests))
	type wait struct {
		i int
		c *call
	}
	var waits []wait
	var fresh []*call
	var freshDigests [][32]byte
	for {
		l.mu.Lock()
		gen := l.gen
		if l.closed {
			l.mu.Unlock()
			return nil, ErrClosed
		}
		var unknown [][32]byte
		for _, d := range digests {
			if _, ok := l.recent[d]; ok {
				continue
			}
			if _, ok := l.pending[d]; ok {
				continue
			}
			unknown = append(unknown, d)
		}
		l.mu.Unlock()
		found, err := l.idx.lookup(ctx, unknown)
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		if l.gen != gen {
			// Entries moved from recent to the index meanwhile: look again.
			l.mu.Unlock()
			continue
		}
		if l.closed {
			l.mu.Unlock()
			return nil, ErrClosed
		}
		for i, d := range digests {
			if n, ok := l.recent[d]; ok {
				out[i] = n
				continue
			}
			if n, ok := found[d]; ok {
				out[i] = n
				continue
			}
			c, ok := l.pending[d]
			if !ok {
				c = &call{done: make(chan struct{})}
				l.pending[d] = c
				fresh = append(fresh, c)
				freshDigests = append(freshDigests, d)
			}
			waits = append(waits, wait{i, c})
		}
		l.mu.Unlock()
		break
	}
	if len(fresh) > 0 {
		futures := make([]tessera.IndexFuture, len(fresh))
		for i, d := range freshDigests {
			futures[i] = l.appender.Add(context.WithoutCancel(ctx), tessera.NewEntry(d[:]))
		}
		for i, f := range futures {
			n, err := f()
			c := fresh[i]
			c.idx, c.err = n.Index, err
		}
		l.mu.Lock()
		for i, d := range freshDigests {
			c := fresh[i]
			if c.err == nil {
				l.recent[d] = c.idx
			}
			delete(l.pending, d)
			close(c.done)
		}
		l.mu.Unlock()
	}
	for _, w := range waits {
		select {
		case <-w.c.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		if w.c.err != nil {
			return nil, fmt.Errorf("sequencing digest: %w", w.c.err)
		}
		out[w.i] = w.c.idx
	}
	return out, nil
}

// Index returns the index of an anchored digest, or ErrUnknownDigest.
func (l *Log) Index(ctx context.Context, d [32]byte) (uint64, error) {
	for {
		l.mu.Lock()
		gen := l.gen
		if n, ok := l.recent[d]; ok {
			l.mu.Unlock()
			return n, nil
		}
		l.mu.Unlock()
		found, err := l.idx.lookup(ctx, [][32]byte{d})
		if err != nil {
			return 0, err
		}
		if n, ok := found[d]; ok {
			return n, nil
		}
		l.mu.Lock()
		same := l.gen == gen
		l.mu.Unlock()
		if same {
			return 0, ErrUnknownDigest
		}
	}
}

// Checkpoint returns the latest checkpoint signed by the log key.
func (l *Log) Checkpoint(ctx context.Context) ([]byte, error) {
	return l.reader.ReadCheckpoint(ctx)
}

// CosignedCheckpoint returns the latest checkpoint that reached the witness quorum (with no witnesses
// configured: the latest checkpoint). Before the first one, it returns ErrNotIntegrated.
func (l *Log) CosignedCheckpoint(ctx context.Context) ([]byte, error) {
	if l.cosigner == nil {
		return l.Checkpoint(ctx)
	}
	l.cpMu.RLock()
	defer l.cpMu.RUnlock()
	if l.cosigned == nil {
		return nil, ErrNotIntegrated
	}
	return l.cosigned, nil
}

// Proof returns a c2sp.org/tlog-proof of the digest's inclusion in the cosigned checkpoint.
func (l *Log) Proof(ctx context.Context, d [32]byte) ([]byte, error) {
	n, err := l.Index(ctx, d)
	if err != nil {
		return nil, err
	}
	cp, err := l.CosignedCheckpoint(ctx)
	if err != nil {
		return nil, err
	}
	c, _, _, err := f_log.ParseCheckpoint(cp, l.origin, l.verifier)
	if err != nil {
		return nil, fmt.Errorf("cosigned checkpoint: %w", err)
	}
	if n >= c.Size {
		return nil, ErrNotIntegrated
	}
	pb, err := client.NewProofBuilder(ctx, c.Size, l.readTile)
	if err != nil {
		return nil, err
	}
	hashes, err := pb.InclusionProof(ctx, n)
	if err != nil {
		return nil, err
	}
	// Check what we hand out: a proof that does not verify is a bug, not a proof.
	leaf := rfc6962.DefaultHasher.HashLeaf(d[:])
	if err := verifyInclusion(n, c.Size, leaf, hashes, c.Hash); err != nil {
		return nil, fmt.Errorf("inclusion proof for index %d does not verify: %w", n, err)
	}
	p := proof.TLogProof{Index: n, Checkpoint: cp}
	for _, h := range hashes {
		p.Hashes = append(p.Hashes, [sha256.Size]byte(h))
	}
	return p.Marshal(), nil
}

// Close stops accepting anchors, waits for the sequenced ones to be published, and releases the storage.
func (l *Log) Close() error {
	l.mu.Lock()
	if l.closed {
		l.mu.Unlock()
		return nil
	}
	l.closed = true
	l.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	err := l.shutdown(ctx)
	l.cancel()
	<-l.done
	if e := l.follow(ctx); err == nil && e != nil && !errors.Is(e, context.Canceled) {
		err = e
	}
	// Record the final checkpoint: the rollback guard compares the next Open with it.
	if raw, e := l.reader.ReadCheckpoint(ctx); e == nil {
		if _, e := l.parseCheckpoint(raw); e == nil {
			err = errors.Join(err, l.idx.put(ctx, metaSeen, raw))
		}
	}
	err = errors.Join(err, l.idx.close(), l.eng.close())
	return err
}

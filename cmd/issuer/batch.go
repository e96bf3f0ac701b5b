package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/internal/vfs"
	"github.com/immunopass/immunopass/issuer"
)

// batchJob is `issue --out FILE.jsonl`: many records, read, signed, written
// and anchored in groups of --batch-size people, so that memory stays
// bounded and each group costs a constant number of fsyncs.
type batchJob struct {
	kf         *issuer.KeyFile
	req        issuer.Request
	wantSHC    bool
	wantSD     bool
	holders    *holderSource
	out        string // FILE.jsonl
	size       int    // people per group
	input      string // path or "-"
	statusFile string // self-hosted status list
	statusURI  string
	h          *hostedFlags // registry flags (h.registry "" : self-hosted)
	runID      string
	onStart    func(people int)
	multi      bool // the input holds more than one record
}

// batchLine is one line of the output: one credential.
type batchLine struct {
	N          int    `json:"n"`      // the record's place in the input, from 1
	Record     string `json:"record"` // its id in the ledger or status file (issuer revoke --record)
	Name       string `json:"name"`
	BirthDate  string `json:"birthDate,omitempty"`
	Format     string `json:"format"`     // "shc" | "sd-jwt"
	Credential string `json:"credential"` // shc:/… (the QR code's text) or the SD-JWT
	RID        string `json:"rid,omitempty"`
	Status     string `json:"status,omitempty"` // URI#IDX
	Holder     string `json:"holder,omitempty"`
	Digest     string `json:"digest"` // its anchor (the proof log's key)
}

// proofLogPath names the proof log next to the output: issued.jsonl →
// issued.proofs.jsonl.
func proofLogPath(out string) string {
	return strings.TrimSuffix(out, ".jsonl") + ".proofs.jsonl"
}

// records calls fn with each group of records of the input.
func (j *batchJob) records(stdin io.Reader, fn func(first int, recs []*vax.Record, bundles [][]byte) error) (people int, err error) {
	whole := func(data []byte) (int, error) {
		recs, bundles, err := issuer.ReadRecords(data)
		if err != nil {
			return 0, err
		}
		now := time.Now()
		for i, rec := range recs {
			if err := rec.Validate(now); err != nil {
				return 0, fmt.Errorf("record %d (%s): %w (nothing was issued)", i+1, rec.Patient.Name(), err)
			}
		}
		return len(recs), j.pairAnd(len(recs), func() error {
			for i := 0; i < len(recs); i += j.size {
				e := min(i+j.size, len(recs))
				if err := fn(i, recs[i:e], bundles[i:e]); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if j.input == "-" {
		data, err := readInput("-", stdin)
		if err != nil {
			return 0, err
		}
		return whole(data)
	}
	f, err := os.Open(j.input)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	if t := bytes.TrimSpace(bytes.TrimPrefix(head[:n], []byte("\ufeff"))); len(t) > 0 && t[0] == '{' {
		data, err := os.ReadFile(j.input) // a FHIR Bundle: one record
		if err != nil {
			return 0, err
		}
		return whole(data)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	sc, err := issuer.ScanCSV(f)
	if errors.Is(err, issuer.ErrNotGrouped) {
		// People's rows are spread out: read the file whole, as
		// vax.ParseCSV does (it refuses files over vax.MaxCSVSize).
		data, rerr := os.ReadFile(j.input)
		if rerr != nil {
			return 0, rerr
		}
		if len(data) > vax.MaxCSVSize {
			return 0, fmt.Errorf("%s: %w", j.input, err)
		}
		return whole(data)
	}
	if err != nil {
		return 0, fmt.Errorf("%s: %w", j.input, err)
	}
	if sc.People == 0 {
		return 0, fmt.Errorf("%s: %w", j.input, &vax.CSVError{Line: 2, Problem: "no rows after the header"})
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	// Every row is checked before anything is issued.
	if err := issuer.CheckCSV(f, j.size, time.Now()); err != nil {
		return 0, fmt.Errorf("%s: %w (nothing was issued)", j.input, err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	return sc.People, j.pairAnd(sc.People, func() error {
		return issuer.ReadCSVChunks(f, j.size, func(first int, recs []*vax.Record, bundles [][]byte) error {
			if err := fn(first, recs, bundles); err != nil {
				return err
			}
			return nil
		})
	})
}

// pairAnd checks the holder keys against the number of records before
// anything is issued, then runs fn.
func (j *batchJob) pairAnd(people int, fn func() error) error {
	if j.wantSD {
		n, err := j.holders.count()
		if err != nil {
			return err
		}
		if n == 0 {
			return errors.New("--format sd-jwt needs holder keys: --holders FILE with the did:key of each person, one a line, in the order of the records")
		}
		if err := issuer.PairHolders(people, n); err != nil {
			return err
		}
	}
	j.multi = people > 1
	if j.onStart != nil {
		j.onStart(people)
	}
	return fn()
}

// issueBatch issues every record of the input to j.out.
func (c *cli) issueBatch(j *batchJob) error {
	if _, err := os.Lstat(j.out); err == nil {
		return fmt.Errorf("--out %s exists: each batch writes a new file (its lines are released credentials)", j.out)
	}
	if j.h.registry == "" {
		return c.issueBatchLocal(j)
	}
	timeout, err := positiveDuration("anchor-timeout", j.h.timeout)
	if err != nil {
		return err
	}
	check, err := proofCheck(j.h.policy)
	if err != nil {
		return err
	}
	r, err := issuer.NewRegistry(j.h.registry, j.kf.Key, j.req.Issuer)
	if err != nil {
		return err
	}
	st, err := issuer.OpenState(j.h.state)
	if err != nil {
		return err
	}
	proofLog, err := filepath.Abs(proofLogPath(j.out))
	if err != nil {
		return err
	}
	kid := j.kf.Key.Public().KID()
	prog := newProgress(c.stderr)
	j.onStart = prog.start
	// Items the anchoring and proving beside signing did not finish: the
	// final flush waits for them (only them: memory stays bounded when
	// all goes well).
	var leftMu sync.Mutex
	var names []string
	addLeft := func(items []*issuer.Item) {
		leftMu.Lock()
		defer leftMu.Unlock()
		for _, it := range items {
			if it.Kind == issuer.KindAnchor && !it.Done() {
				names = append(names, it.Name())
			}
		}
	}
	var lastErr error
	creds := 0
	var stats []string // statistics items, sent by the final flush
	logf := func(string, ...any) {}

	// Anchoring runs beside signing: while a request waits for the log to
	// sequence one group, the next groups are signed and released, and
	// the next request carries all of them.
	toAnchor := make(chan []*issuer.Item, 4)
	var anchoredN atomic.Int64
	var anchorErr atomic.Value
	anchorDone := make(chan struct{})
	// Proofs are fetched beside both, as soon as a group is anchored.
	toProve := make(chan []*issuer.Item, 4)
	var provedN atomic.Int64
	var proveErr atomic.Value
	proveDone := make(chan struct{})
	go func() {
		defer close(proveDone)
		// Groups whose proofs are not all written yet. Each round tries
		// them all, then takes what was anchored meanwhile; groups the log
		// has not integrated yet wait for the next round.
		var inflight [][]*issuer.Item
		open := true
		for open || len(inflight) > 0 {
			if proveErr.Load() != nil {
				for _, g := range inflight {
					addLeft(g)
				}
				for g := range toProve { // drain: the final flush retries
					addLeft(g)
				}
				return
			}
			if len(inflight) == 0 {
				items, ok := <-toProve
				if !ok {
					return
				}
				inflight = append(inflight, items)
			}
		more:
			for open {
				select {
				case items, ok := <-toProve:
					if !ok {
						open = false
						break more
					}
					inflight = append(inflight, items)
				default:
					break more
				}
			}
			var all []*issuer.Item
			for _, g := range inflight {
				all = append(all, g...)
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			n, pending, err := st.Outbox.ProveRound(ctx, r, all, check)
			cancel()
			provedN.Add(int64(n))
			if err != nil {
				proveErr.Store(err)
				continue
			}
			keep := inflight[:0]
			for _, g := range inflight {
				for _, it := range g {
					if it.Kind == issuer.KindAnchor && !it.Done() {
						keep = append(keep, g)
						break
					}
				}
			}
			inflight = keep
			if !open && len(inflight) > 0 {
				// Signing is over: the final flush waits for the rest,
				// within --anchor-timeout.
				for _, g := range inflight {
					addLeft(g)
				}
				return
			}
			if pending > 0 {
				// The log integrates every few hundred milliseconds.
				select {
				case items, ok := <-toProve:
					if ok {
						inflight = append(inflight, items)
					} else {
						open = false
					}
				case <-time.After(100 * time.Millisecond):
				}
			}
		}
	}()
	go func() {
		defer close(anchorDone)
		defer close(toProve)
		for items := range toAnchor {
		more:
			for len(items) < issuer.AnchorBatch {
				select {
				case next, ok := <-toAnchor:
					if !ok {
						break more
					}
					items = append(items, next...)
				default:
					break more
				}
			}
			if anchorErr.Load() != nil {
				addLeft(items) // the registry failed: the final flush retries
				continue
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			n, err := st.Outbox.AnchorAdded(ctx, r, items)
			cancel()
			anchoredN.Add(int64(n))
			if err != nil {
				anchorErr.Store(err)
				addLeft(items)
				continue
			}
			toProve <- items
		}
	}()

	people, err := j.records(c.stdin, func(first int, recs []*vax.Record, bundles [][]byte) error {
		now := time.Now().UTC()
		req := j.req
		req.Now = now
		for i, rec := range recs {
			if err := rec.Validate(now); err != nil {
				return fmt.Errorf("record %d (%s): %w", first+i+1, rec.Patient.Name(), err)
			}
		}
		// What to sign: every card, then every SD-JWT VC with its holder
		// and status entry.
		type job struct {
			rec    int // index in recs
			sd     bool
			holder *jose.Key
			did    string
			entry  issuer.StatusEntry
		}
		var jobs []job
		if j.wantSHC {
			for i := range recs {
				jobs = append(jobs, job{rec: i})
			}
		}
		if j.wantSD {
			hs, dids, err := j.holdersFor(first, len(recs))
			if err != nil {
				return err
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			entries, err := st.TakeStatus(ctx, r, len(hs), max(j.h.reserve, len(hs)))
			cancel()
			if err != nil {
				return err
			}
			for i := range hs {
				jobs = append(jobs, job{rec: min(i, len(recs)-1), sd: true, holder: hs[i], did: dids[i], entry: entries[i]})
			}
		}
		group := make([]issuer.Release, len(jobs))
		err := parallel(len(jobs), func(k int) error {
			jb := jobs[k]
			rec, n := recs[jb.rec], first+jb.rec+1
			line := batchLine{N: n, Record: j.recordID(n, len(recs)), Name: rec.Patient.Name(), BirthDate: rec.Patient.BirthDate.String()}
			led := issuer.LedgerEntry{Time: now, Record: line.Record, KID: kid, Out: j.out}
			var cred string
			if jb.sd {
				sd, err := j.kf.SignSDJWT(rec, req, jb.holder, jb.entry)
				if err != nil {
					return err
				}
				cred = sd.SDJWT
				line.Format, line.Credential, line.Holder = "sd-jwt", cred, jb.did
				line.Status = fmt.Sprintf("%s#%d", jb.entry.URI, jb.entry.Idx)
				e := jb.entry
				led.Status = &e
			} else {
				card, err := j.kf.SignSHC(rec, bundles[jb.rec], req, n)
				if err != nil {
					return err
				}
				cred = card.JWS
				text, err := shc.EncodeQR(card.JWS)
				if err != nil {
					return err
				}
				line.Format, line.Credential, line.RID = "shc", text, card.RID
				led.RID = card.RID
			}
			line.Digest = issuer.DigestHex(cred)
			led.Format, led.Digest = line.Format, line.Digest
			b, err := json.Marshal(line)
			if err != nil {
				return err
			}
			what := fmt.Sprintf("%s of record %d (%s)", map[string]string{"shc": "SMART Health Card", "sd-jwt": "SD-JWT VC"}[line.Format], n, j.out)
			it := &issuer.Item{Kind: issuer.KindAnchor, Digest: line.Digest, What: what, ProofLog: proofLog, Registry: r.Base.String(), Issuer: r.Issuer}
			group[k] = issuer.Release{Item: it, Ledger: led, Line: b}
			return nil
		})
		if err != nil {
			return err
		}
		var extra []*issuer.Item
		if counts := issuer.CountDoses(recs, j.h.region); len(counts) > 0 {
			extra = append(extra, &issuer.Item{Kind: issuer.KindStats, What: "dose counts for " + plural(len(recs), "record", "records"), Counts: counts, Registry: r.Base.String(), Issuer: r.Issuer})
		}
		if err := st.ReleaseBatch(j.out, group, extra...); err != nil {
			return err
		}
		creds += len(group)
		items := make([]*issuer.Item, 0, len(group)+len(extra))
		for _, g := range group {
			items = append(items, g.Item)
		}
		for _, it := range extra {
			stats = append(stats, it.Name())
		}
		toAnchor <- append(items, extra...)
		prog.add(len(recs), len(group), int(anchoredN.Load()))
		return nil
	})
	close(toAnchor)
	<-anchorDone
	<-proveDone
	if e, ok := anchorErr.Load().(error); ok {
		lastErr = e
	}
	if err != nil {
		prog.stop()
		if creds > 0 {
			return &exitError{2, fmt.Errorf("%w (the %s before it are in %s and queued for anchoring in %s)", err, plural(creds, "credential", "credentials"), j.out, st.Outbox.Dir())}
		}
		return err
	}

	// What is left (proofs not fetched yet, anything the registry did not
	// take, the statistics): one flush.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	done := int(provedN.Load())
	if done < creds {
		prog.proofs(done, creds)
	}
	res, err := st.Outbox.Flush(ctx, r, issuer.FlushOptions{Wait: append(names, stats...), CheckProof: check, Log: logf,
		Progress: func(a, p int) { prog.proofs(done+p, creds) }})
	prog.stop()
	if err != nil {
		return err
	}
	if res.LastError != nil {
		lastErr = res.LastError
	}
	left := map[string]*issuer.Item{}
	for _, it := range res.Left {
		left[it.Name()] = it
	}
	unanchored, unproved := 0, 0
	for _, n := range names {
		switch it, ok := left[n]; {
		case !ok:
		case it.Index == nil:
			unanchored++
		default:
			unproved++
		}
	}
	fmt.Fprintf(c.stderr, "issued %s for %s → %s\n", plural(creds, "credential", "credentials"), plural(people, "record", "records"), j.out)
	if unanchored > 0 {
		why := "the registry did not answer"
		if lastErr != nil {
			why = lastErr.Error()
		}
		return &exitError{1, fmt.Errorf("could not anchor %d of the %s within %s (%s); they stay queued in %s: run 'issuer outbox flush' when the registry is reachable",
			unanchored, plural(creds, "credential", "credentials"), timeout, why, st.Outbox.Dir())}
	}
	if unproved > 0 {
		fmt.Fprintf(c.stderr, "warning: %d credentials are anchored but their inclusion proofs are not ready yet: 'issuer outbox flush' appends them to %s\n", unproved, proofLogPath(j.out))
	}
	fmt.Fprintf(c.stderr, "%s anchored in %s; inclusion proofs in %s\n", plural(creds, "credential", "credentials"), r.Base, proofLogPath(j.out))
	return nil
}

// issueBatchLocal is a self-hosted issuer's batch: no registry, status
// indexes from the local status list (saved before each group is written).
func (c *cli) issueBatchLocal(j *batchJob) error {
	var st *issuer.LocalStatus
	if j.wantSD {
		var err error
		if st, err = issuer.OpenLocalStatus(j.statusFile, j.statusURI); err != nil {
			return err
		}
	}
	prog := newProgress(c.stderr)
	j.onStart = prog.start
	creds := 0
	people, err := j.records(c.stdin, func(first int, recs []*vax.Record, bundles [][]byte) error {
		req := j.req
		req.Now = time.Now().UTC()
		var buf bytes.Buffer
		emit := func(line batchLine) error {
			b, err := json.Marshal(line)
			if err != nil {
				return err
			}
			buf.Write(b)
			buf.WriteByte('\n')
			creds++
			return nil
		}
		for i, rec := range recs {
			n := first + i + 1
			base := batchLine{N: n, Record: j.recordID(n, len(recs)), Name: rec.Patient.Name(), BirthDate: rec.Patient.BirthDate.String()}
			if j.wantSHC {
				card, err := j.kf.SignSHC(rec, bundles[i], req, n)
				if err != nil {
					return err
				}
				text, err := shc.EncodeQR(card.JWS)
				if err != nil {
					return err
				}
				l := base
				l.Format, l.Credential, l.RID, l.Digest = "shc", text, card.RID, issuer.DigestHex(card.JWS)
				if err := emit(l); err != nil {
					return err
				}
			}
		}
		if j.wantSD {
			hs, dids, err := j.holdersFor(first, len(recs))
			if err != nil {
				return err
			}
			for i, h := range hs {
				ri := min(i, len(recs)-1)
				rec := recs[ri]
				n := first + ri + 1
				if err := rec.Validate(req.Now); err != nil {
					return fmt.Errorf("record %d (%s): %w", n, rec.Patient.Name(), err)
				}
				rid := j.recordID(n, len(recs))
				idx, err := st.Allocate(rid)
				if err != nil {
					return err
				}
				cred, err := j.kf.SignSDJWT(rec, req, h, issuer.StatusEntry{URI: st.URI, Idx: idx})
				if err != nil {
					return err
				}
				l := batchLine{N: n, Record: rid, Name: rec.Patient.Name(), BirthDate: rec.Patient.BirthDate.String(), Format: "sd-jwt",
					Credential: cred.SDJWT, Status: fmt.Sprintf("%s#%d", st.URI, idx), Holder: dids[i], Digest: issuer.DigestHex(cred.SDJWT)}
				if err := emit(l); err != nil {
					return err
				}
			}
			// The indexes are saved before the credentials that use them
			// are released.
			if err := st.Save(); err != nil {
				return err
			}
		}
		if err := issuer.AppendDurably(vfs.OS, j.out, buf.Bytes()); err != nil {
			return err
		}
		prog.add(len(recs), countLines(buf.Bytes()), 0)
		return nil
	})
	prog.stop()
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stderr, "issued %s for %s → %s\n", plural(creds, "credential", "credentials"), plural(people, "record", "records"), j.out)
	return nil
}

func countLines(b []byte) int { return bytes.Count(b, []byte("\n")) }

// recordID names record n of the batch in the ledger and the status file:
// --rid-user for a single record, else <run>-<n>.
func (j *batchJob) recordID(n, _ int) string {
	return fmt.Sprintf("%s-%d", j.runID, n)
}

// holdersFor returns the holder keys of records first+1…first+count, read
// from the source in order: one each, or, for a one-record input, all of
// them.
func (j *batchJob) holdersFor(first, count int) ([]*jose.Key, []string, error) {
	if !j.multi {
		return j.holders.next(-1)
	}
	return j.holders.next(count)
}

// holderSource yields a batch's holder did:keys in order: the --holder
// flags, then the words of the --holders file, read as the records go, so
// that memory does not grow with the batch.
type holderSource struct {
	flags []string
	path  string
	f     *os.File
	sc    *bufio.Scanner
	used  int // flags used
}

// count checks every did:key (nothing is issued when one is bad) and
// counts them.
func (h *holderSource) count() (int, error) {
	n := 0
	check := func(where, did string) error {
		if _, err := jose.ParseDIDKey(did); err != nil {
			return fmt.Errorf("%s: %w", where, err)
		}
		n++
		return nil
	}
	for _, d := range h.flags {
		if err := check("--holder", d); err != nil {
			return 0, err
		}
	}
	if h.path != "" {
		f, err := os.Open(h.path)
		if err != nil {
			return 0, err
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		line := 0
		for sc.Scan() {
			line++
			for _, w := range strings.Fields(sc.Text()) {
				if err := check(fmt.Sprintf("--holders %s line %d", h.path, line), w); err != nil {
					return 0, err
				}
			}
		}
		if err := sc.Err(); err != nil {
			return 0, fmt.Errorf("--holders %s: %w", h.path, err)
		}
	}
	return n, nil
}

// next returns the next n keys (n < 0: all that are left).
func (h *holderSource) next(n int) ([]*jose.Key, []string, error) {
	var keys []*jose.Key
	var dids []string
	take := func(did string) error {
		k, err := jose.ParseDIDKey(did)
		if err != nil {
			return err
		}
		keys = append(keys, k)
		dids = append(dids, did)
		return nil
	}
	for (n < 0 || len(keys) < n) && h.used < len(h.flags) {
		if err := take(h.flags[h.used]); err != nil {
			return nil, nil, err
		}
		h.used++
	}
	if h.path != "" && h.sc == nil {
		f, err := os.Open(h.path)
		if err != nil {
			return nil, nil, err
		}
		h.f = f
		h.sc = bufio.NewScanner(f)
		h.sc.Split(bufio.ScanWords)
	}
	for h.sc != nil && (n < 0 || len(keys) < n) && h.sc.Scan() {
		if err := take(h.sc.Text()); err != nil {
			return nil, nil, err
		}
	}
	if h.sc != nil {
		if err := h.sc.Err(); err != nil {
			return nil, nil, err
		}
	}
	if n >= 0 && len(keys) != n {
		return nil, nil, fmt.Errorf("--holders %s: %d did:keys left, want %d", h.path, len(keys), n)
	}
	return keys, dids, nil
}

func (h *holderSource) close() {
	if h.f != nil {
		h.f.Close()
	}
}

// parallel runs fn(0…n-1) on as many goroutines as there are CPUs and
// returns the error of the lowest index that failed.
func parallel(n int, fn func(int) error) error {
	errs := make([]error, n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), n) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= n {
					return
				}
				errs[i] = fn(i)
			}
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
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
	kf             *issuer.KeyFile
	req            issuer.Request
	wantSHC        bool
	wantSD         bool
	holders        []*jose.Key
	holderDIDs     []string
	out            string // FILE.jsonl
	size           int    // people per group
	input          string // path or "-"
	statusFile     string // self-hosted status list
	statusURI      string
	h              *hostedFlags // registry flags (h.registry "" : self-hosted)
	runID          string
	anchorDisabled bool // a group could not be anchored: the rest waits for the final flush
	onStart        func(people int)
	multi          bool // the input holds more than one record
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
		if err := issuer.PairHolders(people, len(j.holders)); err != nil {
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
	var names []string
	var lastErr error
	anchored := 0
	creds := 0
	logf := func(string, ...any) {}

	people, err := j.records(c.stdin, func(first int, recs []*vax.Record, bundles [][]byte) error {
		now := time.Now().UTC()
		req := j.req
		req.Now = now
		var group []issuer.Release
		add := func(n int, rec *vax.Record, format, cred, text string, line batchLine, led issuer.LedgerEntry) error {
			d := issuer.DigestHex(cred)
			line.N, line.Record, line.Name, line.Format, line.Credential, line.Digest = n, j.recordID(n, len(recs)), rec.Patient.Name(), format, text, d
			if rec.Patient.BirthDate.String() != "" {
				line.BirthDate = rec.Patient.BirthDate.String()
			}
			b, err := json.Marshal(line)
			if err != nil {
				return err
			}
			led.Time, led.Record, led.Format, led.Digest, led.KID, led.Out = now, line.Record, format, d, kid, j.out
			what := fmt.Sprintf("%s of record %d (%s)", map[string]string{"shc": "SMART Health Card", "sd-jwt": "SD-JWT VC"}[format], n, j.out)
			it := &issuer.Item{Kind: issuer.KindAnchor, Digest: d, What: what, ProofLog: proofLog, Registry: r.Base.String(), Issuer: r.Issuer}
			group = append(group, issuer.Release{Item: it, Ledger: led, Line: b})
			return nil
		}
		if j.wantSHC {
			for i, rec := range recs {
				n := first + i + 1
				card, err := j.kf.SignSHC(rec, bundles[i], req, n)
				if err != nil {
					return err
				}
				text, err := shc.EncodeQR(card.JWS)
				if err != nil {
					return err
				}
				if err := add(n, rec, "shc", card.JWS, text, batchLine{RID: card.RID}, issuer.LedgerEntry{RID: card.RID}); err != nil {
					return err
				}
			}
		}
		if j.wantSD {
			hs, dids := j.holdersFor(first, len(recs))
			for i, rec := range recs {
				if err := rec.Validate(now); err != nil {
					return fmt.Errorf("record %d (%s): %w", first+i+1, rec.Patient.Name(), err)
				}
			}
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			entries, err := st.TakeStatus(ctx, r, len(hs), max(j.h.reserve, len(hs)))
			cancel()
			if err != nil {
				return err
			}
			for i, h := range hs {
				ri := min(i, len(recs)-1)
				n := first + ri + 1
				cred, err := j.kf.SignSDJWT(recs[ri], req, h, entries[i])
				if err != nil {
					return err
				}
				e := entries[i]
				if err := add(n, recs[ri], "sd-jwt", cred.SDJWT, cred.SDJWT, batchLine{Status: fmt.Sprintf("%s#%d", e.URI, e.Idx), Holder: dids[i]}, issuer.LedgerEntry{Status: &e}); err != nil {
					return err
				}
			}
		}
		var extra []*issuer.Item
		if counts := issuer.CountDoses(recs, j.h.region); len(counts) > 0 {
			extra = append(extra, &issuer.Item{Kind: issuer.KindStats, What: "dose counts for " + plural(len(recs), "record", "records"), Counts: counts, Registry: r.Base.String(), Issuer: r.Issuer})
		}
		if err := st.ReleaseBatch(j.out, group, extra...); err != nil {
			return err
		}
		creds += len(group)
		chunk := make([]string, len(group))
		for i, g := range group {
			chunk[i] = g.Item.Name()
		}
		names = append(names, chunk...)
		if !j.anchorDisabled {
			ctx, cancel := context.WithTimeout(context.Background(), timeout)
			res, err := st.Outbox.Flush(ctx, r, issuer.FlushOptions{Wait: chunk, AnchorOnly: true, CheckProof: check, Log: logf})
			cancel()
			if err != nil {
				return err
			}
			anchored += res.Anchored
			if res.LastError != nil {
				lastErr = res.LastError
				// The registry is unavailable: keep issuing; everything
				// left is queued and the final flush tries again.
				j.anchorDisabled = true
			}
		}
		prog.add(len(recs), len(group), anchored)
		return nil
	})
	if err != nil {
		prog.stop()
		if creds > 0 {
			return &exitError{2, fmt.Errorf("%w (the %s before it are in %s and queued for anchoring in %s)", err, plural(creds, "credential", "credentials"), j.out, st.Outbox.Dir())}
		}
		return err
	}

	// Proofs, all at once: the registry integrates the anchors in batches.
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	res, err := st.Outbox.Flush(ctx, r, issuer.FlushOptions{Wait: names, CheckProof: check, Log: logf,
		Progress: func(a, p int) { prog.proofs(p, len(names)) }})
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
			hs, dids := j.holdersFor(first, len(recs))
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

// holdersFor returns the holder keys of records first+1…first+count: one
// each, or, for a one-record input, all of them.
func (j *batchJob) holdersFor(first, count int) ([]*jose.Key, []string) {
	if !j.multi {
		return j.holders, j.holderDIDs
	}
	return j.holders[first : first+count], j.holderDIDs[first : first+count]
}

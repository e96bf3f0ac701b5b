package issuer

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/immunopass/immunopass/internal/vfs"
	"github.com/immunopass/immunopass/issuer/fakeregistry"
)

// TestBatchCrashAtEveryStep runs the batch issuance protocol the CLI runs
// (issuer issue with a multi-record input and a .jsonl output) on vfs.Mem:
// three groups of credentials, each released with ReleaseBatch (outbox
// file, ledger append, output append) and anchored with AnchorAdded, the
// first one proved with ProveRound as the CLI does beside signing, then one
// Flush that fetches every other proof into the proof log and empties the
// outbox. It cuts the power after each operation the
// protocol does on the file system (Mem.CrashAfter, then Mem.Crash:
// unsynced writes and unsynced creates and renames are forgotten), and
// checks what survived:
//
//   - the outbox and the ledger still read without error;
//   - every credential acknowledged (its group's ReleaseBatch returned nil,
//     so the CLI reported it) and every credential line present in the
//     output is still queued in the outbox, or its proof is in the proof
//     log and the registry holds its digest;
//   - every acknowledged credential is in the ledger and in the output;
//   - a flush after the crash anchors and proves everything left.
//
// Removing any one sync makes it fail (each mutation run by hand,
// 2026-12-07, with the step it failed at):
//   - the file fsync in atomicfile (outbox files): "crash after step 6:
//     outbox: /state/outbox/batch-….jsonl is cut short (no final newline)";
//   - the folder fsync in atomicfile (a new outbox file's name): "crash
//     after step 18 of 84: credential g0c0 acknowledged but neither queued
//     nor proved";
//   - the file fsync in AppendDurably (ledger, output, proof log): "crash
//     after step 17 of 82: credential g0c0 acknowledged but missing from
//     the ledger";
//   - that fsync for the proof log only: "crash after step 32 of 88:
//     credential g0c0 acknowledged but neither queued nor proved" (the
//     items left the outbox, their proofs did not survive);
//   - the folder fsync in AppendDurably (the name of a new ledger, output
//     or proof log): "crash after step 17 of 87: credential g0c0
//     acknowledged but missing from the ledger".
func TestBatchCrashAtEveryStep(t *testing.T) {
	kf := testKey(t)
	const groups, perGroup = 3, 2
	type cred struct{ name, digest string }
	var creds [groups][]cred
	for g := range groups {
		for c := range perGroup {
			name := fmt.Sprintf("g%dc%d", g, c)
			creds[g] = append(creds[g], cred{name, DigestHex("credential " + name)})
		}
	}
	const (
		dir      = "/state"
		out      = "/clinic/issued.jsonl"
		proofLog = "/clinic/issued.proofs.jsonl"
	)

	// run runs the protocol; it returns the credentials acknowledged
	// before it stopped, and the error that stopped it.
	run := func(m *vfs.Mem, r *Registry) ([]cred, error) {
		st, err := OpenStateFS(m, dir)
		if err != nil {
			return nil, err
		}
		var acked []cred
		for g := range groups {
			var group []Release
			for _, c := range creds[g] {
				it := &Item{Kind: KindAnchor, Digest: c.digest, What: c.name, ProofLog: proofLog, Registry: r.Base.String(), Issuer: r.Issuer}
				line, _ := json.Marshal(map[string]string{"name": c.name, "digest": c.digest})
				group = append(group, Release{Item: it, Ledger: LedgerEntry{Record: c.name, Format: "shc", Digest: c.digest}, Line: line})
			}
			if err := st.ReleaseBatch(out, group); err != nil {
				return acked, err
			}
			acked = append(acked, creds[g]...)
			// As the CLI does beside signing: anchor the group, then
			// prove it (first group) or leave it to the final flush.
			items := make([]*Item, len(group))
			for i, rel := range group {
				items[i] = rel.Item
			}
			if _, err := st.Outbox.AnchorAdded(context.Background(), r, items); err != nil {
				return acked, err
			}
			if g == 0 {
				for {
					_, pending, err := st.Outbox.ProveRound(context.Background(), r, items, nil)
					if err != nil {
						return acked, err
					}
					if pending == 0 {
						break
					}
					time.Sleep(5 * time.Millisecond)
				}
			}
		}
		res, err := st.Outbox.Flush(context.Background(), r, FlushOptions{Backoff: fastBackoff})
		if err == nil && len(res.Left) > 0 {
			err = fmt.Errorf("%d items left after the flush", len(res.Left))
		}
		return acked, err
	}
	fresh := func() (*vfs.Mem, *fakeregistry.Registry, *Registry) {
		m := vfs.NewMem()
		if err := m.MkdirAll("/clinic", 0o755); err != nil {
			t.Fatal(err)
		}
		fake := fakeregistry.New()
		fake.AddIssuer(testIss, kf.Key.Public())
		base, err := fake.Start("")
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { fake.Stop() })
		r, err := NewRegistry(base, kf.Key, testIss)
		if err != nil {
			t.Fatal(err)
		}
		return m, fake, r
	}

	m, _, r := fresh()
	base := m.Ops()
	if _, err := run(m, r); err != nil {
		t.Fatal(err)
	}
	steps := m.Ops() - base
	if steps < 20 {
		t.Fatalf("protocol has %d steps, want at least 20", steps)
	}
	for k := 0; k <= steps; k++ {
		m, fake, r := fresh()
		m.CrashAfter(k)
		acked, err := run(m, r)
		if err != nil && !errors.Is(err, vfs.ErrCrashed) {
			t.Fatalf("crash after step %d: %v", k, err)
		}
		m.Crash()

		st, err := OpenStateFS(m, dir)
		if err != nil {
			t.Fatal(err)
		}
		items, err := st.Outbox.List()
		if err != nil {
			t.Fatalf("crash after step %d: %v", k, err)
		}
		queued := map[string]bool{}
		for _, it := range items {
			queued[it.Digest] = true
		}
		ledger, err := st.Ledger("")
		if err != nil {
			t.Fatalf("crash after step %d: %v", k, err)
		}
		inLedger := map[string]bool{}
		for _, e := range ledger {
			inLedger[e.Digest] = true
		}
		files := m.Files()
		proved := map[string]bool{}
		for _, line := range strings.Split(files[proofLog], "\n") {
			var p struct{ Digest, Proof string }
			if json.Unmarshal([]byte(line), &p) == nil && strings.Contains(p.Proof, "tlog-proof") {
				proved[p.Digest] = true
			}
		}
		accounted := func(c cred) bool {
			_, anchored := fake.Index(c.digest)
			return queued[c.digest] || proved[c.digest] && anchored
		}
		for _, c := range acked {
			switch {
			case !accounted(c):
				t.Fatalf("crash after step %d of %d: credential %s acknowledged but neither queued nor proved", k, steps, c.name)
			case !inLedger[c.digest]:
				t.Fatalf("crash after step %d of %d: credential %s acknowledged but missing from the ledger", k, steps, c.name)
			case !strings.Contains(files[out], c.digest):
				t.Fatalf("crash after step %d of %d: credential %s acknowledged but missing from the output", k, steps, c.name)
			}
		}
		for g := range groups {
			for _, c := range creds[g] {
				if strings.Contains(files[out], c.digest) && !accounted(c) {
					t.Fatalf("crash after step %d of %d: credential %s is in the output but neither queued nor proved", k, steps, c.name)
				}
			}
		}

		// Recovery: a flush finishes the job.
		res, err := st.Outbox.Flush(context.Background(), r, FlushOptions{Backoff: fastBackoff})
		if err != nil || len(res.Left) > 0 {
			t.Fatalf("crash after step %d: flush after the crash: %v, %d left", k, err, len(res.Left))
		}
		files = m.Files()
		for _, c := range acked {
			if !strings.Contains(files[proofLog], c.digest) {
				t.Fatalf("crash after step %d: no proof of %s after the recovery flush", k, c.name)
			}
		}
	}
}

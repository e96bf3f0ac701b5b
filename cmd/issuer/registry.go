package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/shc"
	"github.com/immunopass/immunopass/credential/trust"
	"github.com/immunopass/immunopass/issuer"
)

// exitError carries an exit status other than 2 (usage or failure before
// anything was issued): 1 means credentials were issued but not anchored yet,
// or a registry write did not go through.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// hostedFlags are issue's flags for a clinic accredited in a registry.
type hostedFlags struct {
	registry, state, timeout, region, policy string
	reserve                                  int
}

func (h *hostedFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&h.registry, "registry", "", "anchor in, and take status indexes from, the registry at `URL`")
	fs.StringVar(&h.state, "state", "issuer-state", "the clinic's registry state `DIR` (outbox, status pool, ledger)")
	fs.StringVar(&h.timeout, "anchor-timeout", "30s", "how long issue waits for the registry (`DURATION`); what is not anchored by then stays queued")
	fs.StringVar(&h.region, "region", "", "the clinic's `REGION` for statistics (default: each dose's country)")
	fs.StringVar(&h.policy, "policy", "", "a trust policy `FILE`: verify proofs' log signature and witness quorum too")
	fs.IntVar(&h.reserve, "status-reserve", 16, "status indexes to keep in reserve for issuing through an outage")
}

func positiveDuration(flagName, s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return 0, fmt.Errorf("--%s %q: want a positive duration such as 30s or 2m", flagName, s)
	}
	return d, nil
}

// proofCheck is CheckProof, or a full verification under --policy.
func proofCheck(policy string) (func([]byte, [32]byte, uint64) error, error) {
	if policy == "" {
		return issuer.CheckProof, nil
	}
	data, err := os.ReadFile(policy)
	if err != nil {
		return nil, err
	}
	p, err := trust.ParsePolicy(data)
	if err != nil {
		return nil, fmt.Errorf("--policy %s: %w", policy, err)
	}
	return issuer.VerifyProof(p.Checkpoints()), nil
}

// proofPath names the proof file next to a credential file: card.png →
// card.proof for a card, card.sdjwt → card.sdjwt.proof for an SD-JWT VC.
// "" (the credential went to stdout) leaves it to the state folder.
func proofPath(name string, sd bool) (string, error) {
	if name == "" {
		return "", nil
	}
	base := strings.TrimSuffix(name, filepath.Ext(name))
	if sd {
		base += ".sdjwt"
	}
	return filepath.Abs(base + ".proof")
}

// released is one credential ready to be written once its digest is queued.
type released struct {
	name, cred string
	render     func(string, string) ([]byte, error)
	item       *issuer.Item
	msg        string
	sd         bool
}

func (c *cli) issueHosted(kf *issuer.KeyFile, h *hostedFlags, input []byte, req issuer.Request, wantSHC, wantSD bool, holders []*jose.Key, shcOut, sdOut string) error {
	timeout, err := positiveDuration("anchor-timeout", h.timeout)
	if err != nil {
		return err
	}
	check, err := proofCheck(h.policy)
	if err != nil {
		return err
	}
	r, err := issuer.NewRegistry(h.registry, kf.Key, req.Issuer)
	if err != nil {
		return err
	}
	st, err := issuer.OpenState(h.state)
	if err != nil {
		return err
	}
	recs, _, err := issuer.ReadRecords(input)
	if err != nil {
		return err
	}
	if wantSD && len(recs) > 1 {
		return fmt.Errorf("the input holds %d records: issue them as a batch with --out FILE.jsonl and --holders FILE (one did:key per record, in their order; each record revocable on its own)", len(recs))
	}
	record := req.RIDUser
	if record == "" {
		record = "record-" + time.Now().UTC().Format("20060102T150405.000000000")
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	now := time.Now().UTC()
	kid := kf.Key.Public().KID()

	var out []released
	var ledger []issuer.LedgerEntry
	item := func(cred, what, proof string) *issuer.Item {
		return &issuer.Item{Kind: issuer.KindAnchor, Digest: issuer.DigestHex(cred), What: what, Proof: proof, Registry: r.Base.String(), Issuer: r.Issuer}
	}
	if wantSHC {
		cards, err := kf.IssueSHC(input, req)
		if err != nil {
			return err
		}
		for i, card := range cards {
			name := numbered(shcOut, i, len(cards))
			proof, err := proofPath(name, false)
			if err != nil {
				return err
			}
			what := "SMART Health Card rid " + card.RID
			if name != "" {
				what += " (" + name + ")"
			}
			it := item(card.JWS, what, proof)
			out = append(out, released{name: name, cred: card.JWS, render: issuer.Render, item: it,
				msg: fmt.Sprintf("issued a SMART Health Card for %s (%d doses, %d characters), rid %s%s",
					card.Record.Patient.Name(), len(card.Record.Immunizations), len(card.JWS), card.RID, where(name))})
			ledger = append(ledger, issuer.LedgerEntry{Time: now, Record: record, Format: "shc", Digest: it.Digest, KID: kid, RID: card.RID, Out: name})
		}
	}
	if wantSD {
		entries, err := st.TakeStatus(ctx, r, len(holders), h.reserve)
		if err != nil {
			return err
		}
		creds, err := kf.IssueSDJWTWithStatus(input, req, holders, entries)
		if err != nil {
			return err
		}
		for i, cred := range creds {
			name := numbered(sdOut, i, len(creds))
			proof, err := proofPath(name, true)
			if err != nil {
				return err
			}
			what := fmt.Sprintf("SD-JWT VC status %s#%d", cred.StatusURI, cred.Index)
			if name != "" {
				what += " (" + name + ")"
			}
			it := item(cred.SDJWT, what, proof)
			out = append(out, released{name: name, cred: cred.SDJWT, render: issuer.RenderSD, item: it, sd: true,
				msg: fmt.Sprintf("issued an SD-JWT VC for %s (%d doses), status %s#%d%s",
					cred.Record.Patient.Name(), len(cred.Record.Immunizations), cred.StatusURI, cred.Index, where(name))})
			ledger = append(ledger, issuer.LedgerEntry{Time: now, Record: record, Format: "sd-jwt", Digest: it.Digest, KID: kid,
				Status: &issuer.StatusEntry{URI: cred.StatusURI, Idx: cred.Index}, Out: name})
		}
	}

	// Durably queued before anything is released.
	var items []*issuer.Item
	var names []string
	for _, o := range out {
		items = append(items, o.item)
	}
	if counts := issuer.CountDoses(recs, h.region); len(counts) > 0 {
		items = append(items, &issuer.Item{Kind: issuer.KindStats, What: "dose counts for " + plural(len(recs), "record", "records"), Counts: counts, Registry: r.Base.String(), Issuer: r.Issuer})
	}
	if err := st.Outbox.Add(items...); err != nil {
		return fmt.Errorf("nothing was released: %w", err)
	}
	if err := st.AppendLedger(ledger...); err != nil {
		return fmt.Errorf("nothing was released: %w", err)
	}
	for _, o := range out {
		if o.name == "" {
			text := o.cred
			if !o.sd {
				if text, err = shc.EncodeQR(o.cred); err != nil {
					return err
				}
			}
			fmt.Fprintln(c.stdout, text)
		} else {
			b, err := o.render(o.cred, o.name)
			if err != nil {
				return err
			}
			if err := issuer.WriteFileAtomic(o.name, b, 0o644); err != nil {
				return err
			}
		}
		fmt.Fprintln(c.stderr, o.msg)
		names = append(names, o.item.Name())
	}

	res, err := st.Outbox.Flush(ctx, r, issuer.FlushOptions{
		Wait: names, CheckProof: check, ProofDir: st.ProofDir(),
		Log: func(format string, args ...any) { fmt.Fprintf(c.stderr, format+"\n", args...) },
	})
	if err != nil {
		return err
	}
	left := map[string]*issuer.Item{}
	for _, it := range res.Left {
		left[it.Name()] = it
	}
	var unanchored []string
	for _, n := range names {
		it, ok := left[n]
		switch {
		case !ok:
		case it.Index == nil:
			unanchored = append(unanchored, it.What)
		default:
			fmt.Fprintf(c.stderr, "warning: %s is anchored at index %d; its inclusion proof is not ready yet: 'issuer outbox flush' fetches it\n", it.What, *it.Index)
		}
	}
	if len(unanchored) > 0 {
		why := "the registry did not answer"
		if res.LastError != nil {
			why = res.LastError.Error()
		}
		return &exitError{1, fmt.Errorf("issued %s but could not anchor %d within %s (%s); they stay queued in %s: run 'issuer outbox flush' when the registry is reachable",
			plural(len(out), "credential", "credentials"), len(unanchored), timeout, why, st.Outbox.Dir())}
	}
	fmt.Fprintf(c.stderr, "record %q: %s anchored in %s\n", record, plural(len(out), "credential", "credentials"), r.Base)
	return nil
}

// retry runs op until it succeeds, fails for good, or ctx ends.
func retry(ctx context.Context, op func() error) error {
	for n := 1; ; n++ {
		err := op()
		if err == nil || !issuer.IsTemporary(err) {
			return err
		}
		t := time.NewTimer(issuer.DefaultBackoff.Delay(n))
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

func (c *cli) revoke(args []string) error {
	fs := c.flags("revoke")
	reg := fs.String("registry", "", "the registry `URL`")
	key := fs.String("key", "", "issuer key `FILE`")
	iss := fs.String("iss", "", "the issuer `URL` the registry knows the clinic by")
	state := fs.String("state", "issuer-state", "the clinic's registry state `DIR` (its ledger maps records to credentials)")
	to := fs.String("status", issuer.StatusRevoked, "new status of SD-JWT VCs: revoked, suspended or valid (lifts a suspension)")
	timeout := fs.String("timeout", "30s", "give up after `DURATION`")
	var records, rids, entries multi
	fs.Var(&records, "record", "every credential issued for record `ID` (--rid-user at issuance) (repeatable)")
	fs.Var(&rids, "rid", "a SMART Health Card `RID`, or RID@RFC3339 for cards issued before then (repeatable)")
	fs.Var(&entries, "entry", "an SD-JWT VC's status entry `URI#IDX` (repeatable)")
	if _, err := parse(fs, args); err != nil {
		return err
	}
	if *reg == "" {
		return errors.New("--registry is required; a self-hosted issuer revokes with 'issuer crl' and 'issuer status'")
	}
	if err := required("iss", *iss); err != nil {
		return err
	}
	if *to != issuer.StatusRevoked && *to != issuer.StatusSuspended && *to != issuer.StatusValid {
		return fmt.Errorf("--status %q: want revoked, suspended or valid", *to)
	}
	if len(records)+len(rids)+len(entries) == 0 {
		return errors.New("nothing to revoke: give --record ID, --rid RID or --entry URI#IDX")
	}
	if *to != issuer.StatusRevoked && len(rids) > 0 {
		return fmt.Errorf("--rid with --status %s: SMART Health Cards can only be revoked (a CRL has no suspension)", *to)
	}
	d, err := positiveDuration("timeout", *timeout)
	if err != nil {
		return err
	}
	var crl []string
	for _, r := range rids {
		e, err := issuer.ParseRevocation(r)
		if err != nil {
			return err
		}
		crl = append(crl, e)
	}
	var sts []issuer.StatusEntry
	for _, e := range entries {
		uri, idx, ok := strings.Cut(e, "#")
		i, err := strconv.Atoi(idx)
		if !ok || uri == "" || err != nil || i < 0 {
			return fmt.Errorf("--entry %q: want URI#IDX, as issue printed it", e)
		}
		sts = append(sts, issuer.StatusEntry{URI: uri, Idx: i})
	}
	kf, err := c.openKey(*key)
	if err != nil {
		return err
	}
	st, err := issuer.OpenState(*state)
	if err != nil {
		return err
	}
	for _, rec := range records {
		led, err := st.Ledger(rec)
		if err != nil {
			return err
		}
		for _, e := range led {
			if e.Status != nil {
				sts = append(sts, *e.Status)
			}
			if e.RID != "" && *to == issuer.StatusRevoked {
				crl = append(crl, e.RID)
			}
		}
		if *to == issuer.StatusRevoked {
			// Cards issued with --rid-user carry a rid derived from the
			// record id: revoke it even if the ledger predates them.
			crl = append(crl, shc.RID(kf.RIDSecret, kf.Key.Public().KID(), rec))
		}
		if len(led) == 0 {
			fmt.Fprintf(c.stderr, "note: the ledger in %s has no credentials for record %q\n", *state, rec)
		}
	}
	sts, crl = dedupe(sts), dedupe(crl)
	r, err := issuer.NewRegistry(*reg, kf.Key, *iss)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	for _, e := range sts {
		if err := retry(ctx, func() error { return r.UpdateStatus(ctx, e, *to) }); err != nil {
			return &exitError{1, err}
		}
		fmt.Fprintf(c.stdout, "status %s#%d: %s\n", e.URI, e.Idx, *to)
	}
	if len(crl) > 0 {
		if err := retry(ctx, func() error { return r.RevokeRIDs(ctx, kf.Key.Public().KID(), crl) }); err != nil {
			return &exitError{1, err}
		}
		fmt.Fprintf(c.stdout, "crl of key %s: %s revoked\n", kf.Key.Public().KID(), plural(len(crl), "rid", "rids"))
	}
	if len(sts)+len(crl) == 0 {
		return errors.New("nothing to change: the records have no SD-JWT VCs to " + strings.TrimSuffix(*to, "ed"))
	}
	fmt.Fprintln(c.stdout, "verifiers see the change when they refresh their trust bundle")
	return nil
}

func dedupe[T comparable](xs []T) []T {
	seen := map[T]bool{}
	var out []T
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

func (c *cli) outbox(args []string) error {
	if len(args) == 0 || (args[0] != "status" && args[0] != "flush") {
		return errors.New("want 'outbox status' or 'outbox flush'")
	}
	fs := c.flags("outbox " + args[0])
	state := fs.String("state", "issuer-state", "the clinic's registry state `DIR`")
	key := fs.String("key", "", "issuer key `FILE` (flush)")
	reg := fs.String("registry", "", "the registry `URL` (flush; default: the one the items were queued for)")
	iss := fs.String("iss", "", "the issuer `URL` (flush; default: the one the items were queued for)")
	timeout := fs.String("timeout", "2m", "flush: give up after `DURATION`; what is left stays queued")
	policy := fs.String("policy", "", "a trust policy `FILE`: verify proofs' log signature and witness quorum too")
	if _, err := parse(fs, args[1:]); err != nil {
		return err
	}
	st, err := issuer.OpenState(*state)
	if err != nil {
		return err
	}
	items, err := st.Outbox.List()
	if err != nil {
		return err
	}
	if args[0] == "status" {
		c.printOutbox(items, st)
		return nil
	}
	if len(items) == 0 {
		fmt.Fprintf(c.stdout, "outbox %s is empty: everything issued is anchored\n", st.Outbox.Dir())
		return nil
	}
	for _, it := range items {
		if (*reg == "" && it.Registry != items[0].Registry) || (*iss == "" && it.Issuer != items[0].Issuer) {
			return errors.New("the outbox holds items for more than one registry or issuer: give --registry and --iss")
		}
	}
	if *reg == "" {
		*reg = items[0].Registry
	}
	if *iss == "" {
		*iss = items[0].Issuer
	}
	d, err := positiveDuration("timeout", *timeout)
	if err != nil {
		return err
	}
	check, err := proofCheck(*policy)
	if err != nil {
		return err
	}
	kf, err := c.openKey(*key)
	if err != nil {
		return err
	}
	r, err := issuer.NewRegistry(*reg, kf.Key, *iss)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	res, err := st.Outbox.Flush(ctx, r, issuer.FlushOptions{
		CheckProof: check, ProofDir: st.ProofDir(),
		Log: func(format string, args ...any) { fmt.Fprintf(c.stderr, format+"\n", args...) },
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(c.stdout, "flushed: %d anchored, %d proofs written, %d statistics reports sent; %d left\n", res.Anchored, res.Proved, res.Reported, len(res.Left))
	if len(res.Left) > 0 {
		c.printOutbox(res.Left, st)
		why := ""
		if res.LastError != nil {
			why = ": " + res.LastError.Error()
		}
		return &exitError{1, fmt.Errorf("%s still queued%s", plural(len(res.Left), "item", "items"), why)}
	}
	return nil
}

func (c *cli) printOutbox(items []*issuer.Item, st *issuer.State) {
	if len(items) == 0 {
		fmt.Fprintf(c.stdout, "outbox %s is empty: everything issued is anchored\n", st.Outbox.Dir())
		return
	}
	n := map[string]int{}
	for _, it := range items {
		n[it.State()]++
		idx := "-"
		if it.Index != nil {
			idx = strconv.FormatUint(*it.Index, 10)
		}
		fmt.Fprintf(c.stdout, "%-8s  index %-6s  tries %-3d  age %-8s  %s\n", it.State(), idx, it.Attempts, time.Since(it.Created).Round(time.Second), it.What)
		if it.LastError != "" {
			fmt.Fprintf(c.stdout, "          last error: %s\n", it.LastError)
		}
	}
	fmt.Fprintf(c.stdout, "%d queued (not yet anchored), %d anchored awaiting proof, %d statistics reports — in %s\n",
		n["queued"], n["anchored"], n["report"], st.Outbox.Dir())
}

// plural writes n and the noun in the form n calls for: "1 key", "2 keys".
func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

package witness

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"

	f_note "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// Remote is a witness the log submits its checkpoints to.
type Remote struct {
	URL  string // submission prefix; the client POSTs to URL + "/add-checkpoint"
	VKey string // the witness's verifier key (cosignature/v1 or plain Ed25519 vkey)
}

// ConsistencyFunc returns the RFC 6962 consistency proof of the log from size from to size to.
type ConsistencyFunc func(ctx context.Context, from, to uint64) ([][]byte, error)

// Cosigner collects cosignatures for the log's checkpoints. It is safe for concurrent use, but a log
// should submit one checkpoint at a time, in increasing size.
type Cosigner struct {
	quorum  int
	client  *http.Client
	remotes []*remote
}

type remote struct {
	url string
	v   note.Verifier

	mu   sync.Mutex
	size uint64 // the size the witness last reported or cosigned; 0 until known
}

// NewCosigner returns a cosigner for the witnesses, which needs quorum of them to cosign. A nil client
// means http.DefaultClient.
func NewCosigner(remotes []Remote, quorum int, client *http.Client) (*Cosigner, error) {
	if quorum < 0 || quorum > len(remotes) {
		return nil, fmt.Errorf("witness quorum %d is outside 0..%d (the witnesses configured)", quorum, len(remotes))
	}
	if client == nil {
		client = http.DefaultClient
	}
	c := &Cosigner{quorum: quorum, client: client}
	seen := map[string]bool{}
	for _, r := range remotes {
		v, err := f_note.NewVerifierForCosignatureV1(strings.TrimSpace(r.VKey))
		if err != nil {
			return nil, fmt.Errorf("witness key %q: %w", r.VKey, err)
		}
		if seen[v.Name()] {
			return nil, fmt.Errorf("witness %q is configured twice", v.Name())
		}
		seen[v.Name()] = true
		c.remotes = append(c.remotes, &remote{url: strings.TrimSuffix(r.URL, "/") + "/add-checkpoint", v: v})
	}
	return c, nil
}

// Quorum returns the number of cosignatures a checkpoint needs.
func (c *Cosigner) Quorum() int { return c.quorum }

// Verifiers returns the witnesses' cosignature verifiers.
func (c *Cosigner) Verifiers() []note.Verifier {
	vs := make([]note.Verifier, len(c.remotes))
	for i, r := range c.remotes {
		vs[i] = r.v
	}
	return vs
}

// QuorumError says too few witnesses cosigned; Errs holds why each other one did not.
type QuorumError struct {
	Got, Want int
	Errs      []error
}

func (e *QuorumError) Error() string {
	return fmt.Sprintf("checkpoint cosigned by %d witnesses, quorum is %d: %v", e.Got, e.Want, errors.Join(e.Errs...))
}

// Cosign submits checkpoint (a log-signed note of size size) to every witness and returns it with the
// cosignature lines of those that cosigned appended, and how many did. Below quorum, the error is a
// *QuorumError (the partially cosigned note is still returned).
func (c *Cosigner) Cosign(ctx context.Context, checkpoint []byte, size uint64, consistency ConsistencyFunc) ([]byte, int, error) {
	type result struct {
		sigs []byte
		err  error
	}
	results := make([]result, len(c.remotes))
	var wg sync.WaitGroup
	for i, r := range c.remotes {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sigs, err := r.submit(ctx, c.client, checkpoint, size, consistency)
			results[i] = result{sigs, err}
		}()
	}
	wg.Wait()
	out := bytes.Clone(checkpoint)
	got := 0
	var errs []error
	for i, res := range results {
		if res.err != nil {
			errs = append(errs, fmt.Errorf("witness %q: %w", c.remotes[i].v.Name(), res.err))
			continue
		}
		out = append(out, res.sigs...)
		got++
	}
	if got < c.quorum {
		return out, got, &QuorumError{Got: got, Want: c.quorum, Errs: errs}
	}
	return out, got, nil
}

func (r *remote) submit(ctx context.Context, client *http.Client, cp []byte, size uint64, consistency ConsistencyFunc) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for attempt := 0; ; attempt++ {
		old := r.size
		if old > size {
			return nil, fmt.Errorf("witness has size %d, above this checkpoint's %d", old, size)
		}
		req := &Request{OldSize: old, Checkpoint: cp}
		if old > 0 && old < size {
			p, err := consistency(ctx, old, size)
			if err != nil {
				return nil, fmt.Errorf("consistency proof %d→%d: %w", old, size, err)
			}
			req.Proof = p
		}
		hreq, err := http.NewRequestWithContext(ctx, http.MethodPost, r.url, bytes.NewReader(req.Format()))
		if err != nil {
			return nil, err
		}
		resp, err := client.Do(hreq)
		if err != nil {
			return nil, err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, MaxRequestSize))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		switch {
		case resp.StatusCode == http.StatusConflict && resp.Header.Get("Content-Type") == "text/x.tlog.size" && attempt == 0:
			n, err := parseDecimal(strings.TrimSuffix(string(body), "\n"))
			if err != nil {
				return nil, fmt.Errorf("409 body %q is not a size", body)
			}
			if n == old {
				return nil, fmt.Errorf("witness refused the checkpoint at its own size %d (a different root hash)", n)
			}
			r.size = n
			continue
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("%s: %q", resp.Status, bytes.TrimSpace(body))
		}
		// Keep only this witness's valid cosignatures.
		n, err := note.Open(append(bytes.Clone(cp), body...), note.VerifierList(r.v))
		if err != nil {
			return nil, fmt.Errorf("cosignature does not verify: %w", err)
		}
		var sigs []byte
		for _, s := range n.Sigs {
			sigs = fmt.Appendf(sigs, "— %s %s\n", s.Name, s.Base64)
		}
		r.size = size
		return sigs, nil
	}
}

package wallet

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// HistoryEntry is one presentation, logged locally.
type HistoryEntry struct {
	ID          string    `json:"id"`
	At          time.Time `json:"at"`
	ProfileID   string    `json:"profileId"`
	Person      string    `json:"person"`            // the profile's name at the time
	To          string    `json:"to,omitempty"`      // who it was for, if known (a challenge's verifier, or what the user typed)
	Purpose     string    `json:"purpose,omitempty"` // preset or challenge purpose
	Mode        string    `json:"mode"`
	Credentials []string  `json:"credentials"` // credential IDs
	Claims      []string  `json:"claims"`      // disclosed claim paths
	Withheld    int       `json:"withheld"`
}

// log stores a history entry for a presentation and returns its ID. IDs
// sort by time.
func (w *Wallet) log(h HistoryEntry, p *Presentation) (string, error) {
	for _, it := range p.Items {
		if !slices.Contains(h.Credentials, it.CredentialID) {
			h.Credentials = append(h.Credentials, it.CredentialID)
		}
		for _, c := range it.Disclosed {
			if !slices.Contains(h.Claims, c) {
				h.Claims = append(h.Claims, c)
			}
		}
		h.Withheld += it.Withheld
	}
	err := w.update(func(t tx) error {
		// IDs sort by time, and a later entry always sorts after an earlier
		// one, even when the clock stands still or steps back.
		n := h.At.UnixNano()
		err := t.ForEach(kindHistory, func(id string, _ []byte) error {
			if v, err := strconv.ParseUint(id[:min(16, len(id))], 16, 64); err == nil && int64(v) >= n {
				n = int64(v) + 1
			}
			return nil
		})
		if err != nil {
			return err
		}
		h.ID = fmt.Sprintf("%016x-%s", n, newID()[:8])
		// Each copy's count, for Present to rotate through the copies;
		// kept when the history is deleted.
		for _, id := range h.Credentials {
			if err := countUse(t, id); err != nil {
				return err
			}
		}
		return putJSON(t, kindHistory, h.ID, &h)
	})
	return h.ID, err
}

// History lists presentations, newest first.
func (w *Wallet) History() ([]HistoryEntry, error) {
	var out []HistoryEntry
	err := w.view(func(t tx) error {
		return forEachJSON(t, kindHistory, func(id string, h *HistoryEntry) error {
			out = append(out, *h)
			return nil
		})
	})
	slices.Reverse(out)
	return out, err
}

// ExportHistory writes the history, newest first, as "csv" (a header row,
// then one row per presentation; lists ";"-separated) or "json" (an array).
func (w *Wallet) ExportHistory(out io.Writer, format string) error {
	hs, err := w.History()
	if err != nil {
		return err
	}
	switch format {
	case "json":
		if hs == nil {
			hs = []HistoryEntry{}
		}
		enc := json.NewEncoder(out)
		enc.SetIndent("", "  ")
		return enc.Encode(hs)
	case "csv":
		cw := csv.NewWriter(out)
		_ = cw.Write([]string{"id", "at", "person", "to", "purpose", "mode", "credentials", "claims", "withheld"})
		for _, h := range hs {
			_ = cw.Write([]string{h.ID, h.At.Format(time.RFC3339), csvSafe(h.Person), csvSafe(h.To), csvSafe(h.Purpose), h.Mode,
				strings.Join(h.Credentials, ";"), strings.Join(h.Claims, ";"), strconv.Itoa(h.Withheld)})
		}
		cw.Flush()
		return cw.Error()
	}
	return fmt.Errorf("unknown export format %q (want csv or json)", format)
}

// csvSafe defuses spreadsheet formulas in free text.
func csvSafe(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

// DeleteHistory deletes entries; no IDs deletes everything.
func (w *Wallet) DeleteHistory(ids ...string) error {
	return w.update(func(t tx) error {
		if len(ids) == 0 {
			return t.ForEach(kindHistory, func(id string, _ []byte) error { return t.Delete(kindHistory, id) })
		}
		for _, id := range ids {
			if _, err := t.Get(kindHistory, id); err != nil {
				if isNotFound(err) {
					return &NotFoundError{Kind: "history", ID: id}
				}
				return err
			}
			if err := t.Delete(kindHistory, id); err != nil {
				return err
			}
		}
		return nil
	})
}

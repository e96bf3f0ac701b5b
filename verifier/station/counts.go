package station

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/immunopass/immunopass/internal/atomicfile"
)

// Counts are the only trace the app may keep of its work, and only when the
// operator turns counting on: how many verifications per local day ended
// in each verdict. File form (counts.json):
//
//	{"2026-12-07":{"valid":12,"invalid":1,"manual":2}}
type Counts map[string]DayCount

// DayCount is one day's counts.
type DayCount struct {
	Valid   int `json:"valid"`
	Invalid int `json:"invalid"`
	Manual  int `json:"manual"`
}

// countDays bounds the file: older days are dropped.
const countDays = 400

// AddCount adds one verdict to the day of at in dir's counts file. A
// count that cannot be read starts again (it is a convenience, never a
// reason to stop verifying).
func AddCount(dir string, at time.Time, v Verdict) error {
	path := filepath.Join(dir, CountsFile)
	c := Counts{}
	if data, err := os.ReadFile(path); err == nil {
		if json.Unmarshal(data, &c) != nil {
			c = Counts{}
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return err
	}
	day := at.Local().Format(time.DateOnly)
	d := c[day]
	switch v {
	case VerdictValid:
		d.Valid++
	case VerdictInvalid:
		d.Invalid++
	default:
		d.Manual++
	}
	c[day] = d
	cut := at.AddDate(0, 0, -countDays).Format(time.DateOnly)
	for k := range c {
		if k < cut {
			delete(c, k)
		}
	}
	data, err := json.Marshal(c)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, append(data, '\n'), 0o600)
}

// LoadCounts reads dir's counts file (empty when there is none).
func LoadCounts(dir string) (Counts, error) {
	c := Counts{}
	data, err := os.ReadFile(filepath.Join(dir, CountsFile))
	if errors.Is(err, os.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, err
	}
	return c, json.Unmarshal(data, &c)
}

package forecast

import (
	"fmt"
	"sort"
	"strings"
)

// schedules are the schedules that ship, by id.
var schedules = map[string]func() (*Schedule, error){
	"us-cdsi": US,
	"who":     WHO,
	"ae":      UAE,
	"fr":      France,
}

// aliases are other names of schedule ids.
var aliases = map[string]string{"cdsi": "us-cdsi", "us": "us-cdsi", "uae": "ae", "france": "fr"}

// UnknownScheduleError names a schedule id that does not exist.
type UnknownScheduleError struct{ ID string }

func (e *UnknownScheduleError) Error() string {
	return fmt.Sprintf("unknown schedule %q (have %s)", e.ID, strings.Join(ScheduleIDs(), ", "))
}

// ScheduleIDs lists the ids of the schedules that ship.
func ScheduleIDs() []string {
	var ids []string
	for id := range schedules {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

// Lookup returns a shipped schedule by id ("us-cdsi" or its alias "cdsi",
// "who", "ae", "fr").
func Lookup(id string) (*Schedule, error) {
	id = strings.ToLower(strings.TrimSpace(id))
	if a, ok := aliases[id]; ok {
		id = a
	}
	f, ok := schedules[id]
	if !ok {
		return nil, &UnknownScheduleError{ID: id}
	}
	return f()
}

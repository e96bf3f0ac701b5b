package wallet

import (
	"github.com/immunopass/immunopass/credential/vax"
	"github.com/immunopass/immunopass/verifier"
)

// DiseaseGroup is every dose against one disease, oldest first.
type DiseaseGroup struct {
	Disease string // "Measles", "Polio", … or "Other"
	Doses   []Dose
}

// Dose is one vaccination event, merged across the credentials that state it.
type Dose struct {
	Date    vax.Date
	Vaccine verifier.Vaccine
	Dose    int // dose number as stated, 0 if unknown
	Lot     string
	Clinic  string
	Country string
	// Diseases are every disease the vaccine targets (a hexavalent dose
	// appears under six groups).
	Diseases []string
	// Sources are the IDs of the credentials that state this dose.
	Sources []string
}

// DueState says where a scheduled dose stands.
type DueState string

// Due states.
const (
	Done     DueState = "done"
	Due      DueState = "due"      // its age has come, still within the window
	Overdue  DueState = "overdue"  // past the window
	Upcoming DueState = "upcoming" // within the next 90 days
	Later    DueState = "later"
)

// DueItem is one scheduled dose and where the person stands with it.
type DueItem struct {
	Disease string
	Vaccine string // what the schedule gives ("MMR", "DTaP-IPV-Hib-HepB")
	Dose    int    // 1-based within the disease's series in this schedule
	Of      int    // series length in this schedule
	State   DueState
	From    vax.Date // the date the dose becomes due
	By      vax.Date // the date after which it is overdue; zero: no limit
	Note    string
	// Schedule names the schedule, its source and date (informational).
	Schedule ScheduleInfo
}

// ScheduleInfo identifies an embedded schedule.
type ScheduleInfo struct {
	ID        string // "who", "ae", "fr"
	Name      string
	Country   string // ISO alpha-2, "" for WHO
	Source    string // URL or document title
	Published string // the date of the table it was written from
	Notice    string // "Informational: …"
}

// Immunizations returns a profile's doses merged across its credentials,
// de-duplicated, grouped by disease. Doses of credentials marked invalid are
// left out.
func (w *Wallet) Immunizations(profileID string) ([]DiseaseGroup, error) {
	return nil, ErrNotImplemented
}

// Due returns the scheduled doses for the profile's country (WHO when it has
// none) and where the person stands with each, computed from the birth date
// and the doses received. It needs the profile's birth date.
func (w *Wallet) Due(profileID string) ([]DueItem, error) { return nil, ErrNotImplemented }

// Schedules lists the embedded schedules.
func Schedules() []ScheduleInfo { return nil }

package wallet

// Match says how well a credential's subject matches a profile.
type Match int

// Match levels, weakest first.
const (
	MatchNone      Match = iota
	MatchName            // the names match, the birth date is unknown on one side
	MatchFull            // names and birth date match
	MatchHolderKey       // an SD-JWT VC bound to the profile's own holder key
)

func (m Match) String() string {
	switch m {
	case MatchName:
		return "name"
	case MatchFull:
		return "name and birth date"
	case MatchHolderKey:
		return "holder key"
	}
	return "none"
}

package trust

import "bytes"

// Policies returns the context policy file carried by the newest loaded
// bundle that holds one (its form is checked by credential/policy when it
// is used: a broken policy file does not make the bundle's keys unusable),
// or nil.
func (s *Store) Policies() []byte {
	var best *loadedBundle
	for _, b := range s.bundles {
		if len(b.bundle.Policies) == 0 {
			continue
		}
		if best == nil || b.bundle.Issued.After(best.bundle.Issued) {
			best = b
		}
	}
	if best == nil {
		return nil
	}
	return bytes.Clone(best.bundle.Policies)
}

package scan

import "testing"

func TestUndoFixedLayout(t *testing.T) {
	for _, c := range []struct {
		layout, typed, want string
		ok                  bool
	}{
		{"fr", "shcM!(-è'", "shc:/5674", true},
		{"de", "shcÖ-5676", "shc:/5676", true},
		{"us", "shc:/5676", "shc:/5676", true},
		// A character French AZERTY cannot type from a US key position.
		{"fr", "shc§ß", "shc§ß", false},
		{"de", "shcÖ-56\n", "shc:/56", true},
		{"fr", "\xff", "\xff", false},
	} {
		got, ok := LayoutByID(c.layout).Undo(c.typed)
		if got != c.want || ok != c.ok {
			t.Errorf("%s %q: %q %v, want %q %v", c.layout, c.typed, got, ok, c.want, c.ok)
		}
	}
}

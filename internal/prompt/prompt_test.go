package prompt

import "testing"

func TestPassphraseFromEnv(t *testing.T) {
	t.Setenv(Env, "correct horse")
	if p, err := Passphrase(true); err != nil || p != "correct horse" {
		t.Fatalf("Passphrase = %q, %v", p, err)
	}
	for _, blank := range []string{"", "  \t"} {
		t.Setenv(Env, blank)
		if _, err := Passphrase(false); err == nil {
			t.Errorf("blank %q accepted", blank)
		}
	}
}

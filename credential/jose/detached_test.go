package jose

import (
	"errors"
	"strings"
	"testing"
)

func TestDetached(t *testing.T) {
	k, err := GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	body := []byte(`{"a":"b"}`)
	d, err := k.SignDetached(Header{Typ: "x"}, body)
	if err != nil {
		t.Fatal(err)
	}
	if parts := strings.Split(d, "."); len(parts) != 3 || parts[1] != "" {
		t.Fatalf("not header..signature: %q", d)
	}
	j, err := ParseDetached(d, body)
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(k.Public()); err != nil || string(j.Payload) != string(body) || j.Header.Typ != "x" {
		t.Fatalf("verify: %v %+v", err, j.Header)
	}
	j, err = ParseDetached(d, []byte(`{"a":"c"}`))
	if err != nil {
		t.Fatal(err)
	}
	if err := j.Verify(k.Public()); !errors.Is(err, ErrBadSignature) {
		t.Fatalf("other payload: %v", err)
	}
	attached, _ := k.Sign(Header{}, body)
	for _, bad := range []string{attached, "abc", "a.b", "..", d + "."} {
		if _, err := ParseDetached(bad, body); err == nil {
			t.Errorf("ParseDetached(%q) accepted", bad)
		}
	}
}

package keyfile

import (
	"bytes"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestSealOpen(t *testing.T) {
	kf, err := New(time.Now())
	if err != nil {
		t.Fatal(err)
	}
	sealed, err := kf.Seal("correct horse", 10)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(sealed, []byte("age-encryption.org/v1\n")) || bytes.Contains(sealed, kf.Key.MarshalPrivateJWK()) {
		t.Fatal("not an age file, or the key is in clear")
	}
	back, err := Open(sealed, "correct horse")
	if err != nil || !back.Key.Public().Equal(kf.Key.Public()) || back.RIDSecret != kf.RIDSecret {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := Open(sealed, "wrong"); !errors.Is(err, ErrWrongPassphrase) {
		t.Fatalf("wrong passphrase: %v", err)
	}
	var kfe *KeyFileError
	if _, err := Open([]byte("hello"), "x"); !errors.As(err, &kfe) {
		t.Fatalf("not age: %v", err)
	}
	if _, err := Open(sealed[:len(sealed)-5], "correct horse"); err == nil {
		t.Fatal("truncated file opened")
	}
	if _, err := kf.Seal("  ", 10); err == nil {
		t.Fatal("blank passphrase accepted")
	}
	if strings.Contains(kf.String(), kf.RIDSecret) {
		t.Fatal("String leaks the secret")
	}
}

func FuzzOpen(f *testing.F) {
	kf, _ := New(time.Now())
	sealed, _ := kf.Seal("p", 2)
	f.Add(sealed)
	f.Fuzz(func(t *testing.T, b []byte) {
		Open(b, "p")
	})
}

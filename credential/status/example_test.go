package status_test

import (
	"crypto/rand"
	"fmt"
	"time"

	"github.com/immunopass/immunopass/credential/jose"
	"github.com/immunopass/immunopass/credential/status"
)

// An issuer allocates an index for a new credential, later revokes it and
// publishes the list; a verifier checks the credential's reference.
func Example() {
	key, _ := jose.GenerateKey()
	list, _ := status.New(1, status.MinSize)

	idx, _ := list.Allocate(rand.Reader)
	ref := status.Reference{Idx: idx, URI: "https://registry.example/status/1"}
	list.Set(idx, status.Revoked)
	token, _ := list.Token(key, ref.URI, time.Now(), time.Now().Add(24*time.Hour), time.Hour)

	tok, err := status.ParseToken(token)
	if err != nil {
		panic(err)
	}
	if err := tok.Verify(key.Public()); err != nil {
		panic(err)
	}
	s, err := tok.StatusOf(ref)
	fmt.Println(s == status.Revoked, err)
	// Output: true <nil>
}

package fakeregistry

import (
	"strings"
	"testing"

	"github.com/immunopass/immunopass/internal/httpserver/httpservertest"
)

// The fake registry's server cuts slow and idle clients and marks every
// answer nosniff, like the real one.
func TestServerCutsSlowClients(t *testing.T) {
	r := New()
	r.Server = httpservertest.Short
	base, err := r.Start("")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Stop()
	httpservertest.CheckSlowClients(t, strings.TrimPrefix(base, "http://"), "/healthz", "/v1/anchors")
	httpservertest.CheckNosniff(t, base, "/v1/anchors", "/healthz", "/v1/bundle", "/no-such-page")
}

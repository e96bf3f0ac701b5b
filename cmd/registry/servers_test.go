package main

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/immunopass/immunopass/internal/httpserver"
	"github.com/immunopass/immunopass/internal/httpserver/httpservertest"
	"github.com/immunopass/immunopass/registry"
	"github.com/immunopass/immunopass/registry/witness"
)

// "registry serve" cuts slow and idle clients and marks every answer
// nosniff (its own timeouts, shortened for the test).
func TestRegistryServerCutsSlowClients(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	if _, err := registry.Init(ctx, dir, registry.InitOptions{URL: "https://registry.example", Passphrase: "pw", WorkFactor: 10}); err != nil {
		t.Fatal(err)
	}
	d, err := registry.OpenData(ctx, dir, "pw", nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Close() })
	addr := httpservertest.Serve(t, httpserver.New(d.Server.Handler(), httpservertest.Shorten(registryServing)))
	httpservertest.CheckSlowClients(t, addr, "/healthz", "/v1/admin/issuers")
	httpservertest.CheckNosniff(t, "http://"+addr, "/v1/admin/issuers", "/healthz", "/v1/bundle", "/v1/directory", "/log/checkpoint", "/no-such-page")
}

// "witness serve" likewise: before, it set only ReadHeaderTimeout, and an
// idle keep-alive or a 1 byte/s POST stayed open.
func TestWitnessServerCutsSlowClients(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "witness")
	if _, err := witness.Init(dir, "test-witness"); err != nil {
		t.Fatal(err)
	}
	w, err := witness.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	addr := httpservertest.Serve(t, httpserver.New(witnessHandler(w), httpservertest.Shorten(witnessServing)))
	httpservertest.CheckSlowClients(t, addr, "/healthz", "/add-checkpoint")
	httpservertest.CheckNosniff(t, "http://"+addr, "/add-checkpoint", "/healthz", "/no-such-page")
}

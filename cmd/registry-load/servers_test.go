package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/immunopass/immunopass/internal/httpserver"
	"github.com/immunopass/immunopass/internal/httpserver/httpservertest"
	"github.com/immunopass/immunopass/registry/anchorlog"
	"github.com/immunopass/immunopass/registry/loadtest"
)

// Both servers this tool runs cut slow and idle clients and mark every
// answer nosniff (their own options, timeouts shortened for the test).
func TestServersCutSlowClients(t *testing.T) {
	t.Run("registry", func(t *testing.T) {
		t.Parallel()
		r, err := StartRegistry(context.Background(), t.TempDir(), anchorlog.EnginePOSIX, "", httpservertest.Shorten(serving))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Close() })
		httpservertest.CheckSlowClients(t, strings.TrimPrefix(r.URL, "http://"), "/healthz", "/v1/anchors")
		httpservertest.CheckNosniff(t, r.URL, "/v1/anchors", "/healthz", "/no-such-page")
	})
	t.Run("log", func(t *testing.T) {
		t.Parallel()
		ctx := context.Background()
		l, err := anchorlog.Create(ctx, anchorlog.Config{Engine: anchorlog.EnginePOSIX, Dir: filepath.Join(t.TempDir(), "log"), Origin: "load.test/immunopass/log"})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		addr := httpservertest.Serve(t, httpserver.New(loadtest.Handler(l), httpservertest.Shorten(serving)))
		httpservertest.CheckSlowClients(t, addr, "/log/checkpoint", "/v1/anchors")
		httpservertest.CheckNosniff(t, "http://"+addr, "/v1/anchors", "/log/checkpoint", "/no-such-page")
	})
}

// Command registry-load measures the anchor log over HTTP on loopback: anchors/s (durable, batched),
// p50/p99 latency to index and to proof, and tile reads/s.
//
//	registry-load [-url URL] [-engine posix|mysql] [-dsn DSN] [-c 16] [-batch 100] [-d 5s] [-tiles 3s]
//
// Without -url it creates a log in a temporary folder (or the -dsn database) and serves it on a
// loopback port with registry/loadtest's unsigned anchor API, so that it measures the log itself.
package main

import (
	"context"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/immunopass/immunopass/registry/anchorlog"
	"github.com/immunopass/immunopass/registry/loadtest"
)

func main() {
	url := flag.String("url", "", "registry base URL (default: serve a fresh log on loopback)")
	engine := flag.String("engine", anchorlog.EnginePOSIX, "log engine for the self-served log")
	dsn := flag.String("dsn", "", "MySQL DSN for -engine mysql")
	c := flag.Int("c", 16, "concurrent clients")
	batch := flag.Int("batch", 100, "digests per request")
	d := flag.Duration("d", 5*time.Second, "anchoring duration")
	tiles := flag.Duration("tiles", 3*time.Second, "tile-read duration (0: skip)")
	flag.Parse()
	if err := run(*url, *engine, *dsn, *c, *batch, *d, *tiles); err != nil {
		fmt.Fprintln(os.Stderr, "registry-load:", err)
		os.Exit(1)
	}
}

func run(url, engine, dsn string, c, batch int, d, tiles time.Duration) error {
	ctx := context.Background()
	if url == "" {
		dir, err := os.MkdirTemp("", "registry-load-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(dir)
		l, err := anchorlog.Create(ctx, anchorlog.Config{Engine: engine, Dir: dir, DSN: dsn, Origin: "load.test/immunopass/log"})
		if err != nil {
			return err
		}
		defer l.Close()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return err
		}
		srv := &http.Server{Handler: loadtest.Handler(l)}
		go srv.Serve(ln)
		defer srv.Close()
		url = "http://" + ln.Addr().String()
		fmt.Printf("serving a fresh %s log at %s\n", engine, url)
	}
	r, err := loadtest.Run(ctx, loadtest.Options{URL: url, Concurrency: c, Batch: batch, Duration: d})
	if err != nil {
		return err
	}
	fmt.Printf("anchors: %v\n", r)
	if tiles > 0 {
		rps, n, err := loadtest.TileReads(ctx, url, c, tiles)
		if err != nil {
			return err
		}
		fmt.Printf("tile reads: %d requests, %.0f requests/s with %d clients\n", n, rps, c)
	}
	return nil
}

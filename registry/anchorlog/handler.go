package anchorlog

import (
	"context"
	"errors"
	"net/http"
	"os"
	"strings"

	"github.com/transparency-dev/tessera/api/layout"
)

// Cache-Control values of the tlog-tiles reads. Tiles and entry bundles (full or partial) never change
// once written; checkpoints move every CheckpointInterval.
const (
	CacheImmutable  = "public, max-age=31536000, immutable"
	CacheCheckpoint = "public, max-age=1, must-revalidate"
)

// Handler serves the c2sp.org/tlog-tiles read API under /log/: /log/checkpoint,
// /log/cosigned-checkpoint, /log/tile/{L}/{N}[.p/{W}] and /log/tile/entries/{N}[.p/{W}].
func (l *Log) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /log/checkpoint", func(w http.ResponseWriter, r *http.Request) {
		l.serveCheckpoint(w, r, l.Checkpoint)
	})
	mux.HandleFunc("GET /log/cosigned-checkpoint", func(w http.ResponseWriter, r *http.Request) {
		l.serveCheckpoint(w, r, l.CosignedCheckpoint)
	})
	mux.HandleFunc("GET /log/tile/", func(w http.ResponseWriter, r *http.Request) {
		rest := strings.TrimPrefix(r.URL.Path, "/log/tile/")
		level, n, ok := strings.Cut(rest, "/")
		if !ok {
			http.Error(w, "bad tile path", http.StatusBadRequest)
			return
		}
		var data []byte
		var err error
		if level == "entries" {
			idx, p, perr := layout.ParseTileIndexPartial(n)
			if perr != nil {
				http.Error(w, "bad entry bundle path "+quote(rest), http.StatusBadRequest)
				return
			}
			data, err = l.readBundle(r.Context(), idx, p)
		} else {
			lv, idx, p, perr := layout.ParseTileLevelIndexPartial(level, n)
			if perr != nil {
				http.Error(w, "bad tile path "+quote(rest), http.StatusBadRequest)
				return
			}
			data, err = l.readTile(r.Context(), lv, idx, p)
		}
		switch {
		case errors.Is(err, os.ErrNotExist):
			http.Error(w, "no such tile", http.StatusNotFound)
		case err != nil:
			l.log.Error("anchorlog: reading a tile", "path", rest, "err", err)
			http.Error(w, "reading the tile failed", http.StatusInternalServerError)
		default:
			w.Header().Set("Content-Type", "application/octet-stream")
			w.Header().Set("Cache-Control", CacheImmutable)
			_, _ = w.Write(data)
		}
	})
	return mux
}

func (l *Log) serveCheckpoint(w http.ResponseWriter, r *http.Request, get func(context.Context) ([]byte, error)) {
	cp, err := get(r.Context())
	switch {
	case errors.Is(err, os.ErrNotExist) || errors.Is(err, ErrNotIntegrated):
		w.Header().Set("Cache-Control", "no-store")
		http.Error(w, "no checkpoint yet", http.StatusNotFound)
	case err != nil:
		l.log.Error("anchorlog: reading the checkpoint", "err", err)
		http.Error(w, "reading the checkpoint failed", http.StatusInternalServerError)
	default:
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", CacheCheckpoint)
		_, _ = w.Write(cp)
	}
}

func quote(s string) string {
	if len(s) > 80 {
		s = s[:80]
	}
	return `"` + strings.ReplaceAll(s, `"`, `\"`) + `"`
}

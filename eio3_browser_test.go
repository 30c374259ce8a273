package actorio_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/actorio/actorio"
	"github.com/rs/zerolog"
)

// The Socket.IO 2.x browser bundle in headless Chromium (run by
// testdata/e2e/eio3_browser.js): what a browser's 2.x client does that
// Node's cannot, XHR2 polling with binary payloads both ways, and JSONP
// polling; then WebSocket (binary frames, or base64 text with forceBase64)
// and the upgrade, as a browser does them.

const eio3BrowserScript = "testdata/e2e/eio3_browser.js"

// eio3Page loads the 2.x bundle; the script runs the client from it.
const eio3Page = `<!doctype html><title>eio3</title><script src="/v2/socket.io.js"></script>`

// wireRecorder notes the polling requests' and responses' content types.
type wireRecorder struct {
	mu               sync.Mutex
	binaryPosts      int // POSTs sent as a binary payload
	binaryPolls      int // GETs answered with a binary payload
	jsonpGets        int // GETs with j=, answered with a ___eio call
	jsonpPosts       int // form POSTs with j=
	jsonpWrapMissing int // j= GETs whose answer was not a ___eio call
}

type recordingWriter struct {
	http.ResponseWriter
	onWrite func(h http.Header, b []byte)
}

func (w *recordingWriter) Write(b []byte) (int, error) {
	if w.onWrite != nil {
		w.onWrite(w.Header(), b)
		w.onWrite = nil
	}
	return w.ResponseWriter.Write(b)
}

func (rec *wireRecorder) wrap(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("transport") != "polling" {
			next.ServeHTTP(w, r)
			return
		}
		jsonp := q.Has("j")
		rec.mu.Lock()
		switch {
		case r.Method == http.MethodPost && jsonp:
			rec.jsonpPosts++
		case r.Method == http.MethodPost && r.Header.Get("Content-Type") == "application/octet-stream":
			rec.binaryPosts++
		}
		rec.mu.Unlock()
		if r.Method != http.MethodGet {
			next.ServeHTTP(w, r)
			return
		}
		next.ServeHTTP(&recordingWriter{ResponseWriter: w, onWrite: func(h http.Header, b []byte) {
			rec.mu.Lock()
			defer rec.mu.Unlock()
			switch {
			case jsonp && h.Get("Content-Encoding") == "" && !strings.HasPrefix(string(b), "___eio["):
				rec.jsonpWrapMissing++
			case jsonp:
				rec.jsonpGets++
			case h.Get("Content-Type") == "application/octet-stream":
				rec.binaryPolls++
			}
		}}, r)
	})
}

func TestEIO3Browser(t *testing.T) {
	requireBrowser(t)
	ctx := e2eContext(t, demoTimeout)
	log := &syncBuffer{}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("server log:\n%s", log.String())
		}
	})
	opts := eio3Options()
	opts.Logger = zerolog.New(log).Level(zerolog.DebugLevel).With().Timestamp().Logger()
	srv := actorio.NewServer(&opts)
	asked := make(chan error, 8)
	srv.Of("/").OnConnection(func(s *actorio.Socket) { eio3BasicHandlers(t, s, asked) })
	rec := &wireRecorder{}
	mux := http.NewServeMux()
	mux.Handle(srv.Path(), rec.wrap(srv))
	mux.HandleFunc("/v2/socket.io.js", func(w http.ResponseWriter, r *http.Request) {
		http.ServeFile(w, r, "node_modules/socket.io-client-v2/dist/socket.io.js")
	})
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(eio3Page))
	})
	hs := httptest.NewServer(mux)
	t.Cleanup(func() {
		srv.Close()
		hs.Close()
	})

	modes := []string{"xhr", "jsonp", "websocket", "default", "websocket-b64"}
	run, _ := runNode(t, ctx, eio3BrowserScript, "eio3 browser", append([]string{hs.URL + "/"}, modes...)...)
	var res struct {
		Runs map[string]struct {
			ID                   string
			Hello, Echoed, Asked json.RawMessage
			Transport, Reason    string
			JSONP                bool
		}
	}
	run.result(ctx, &res)
	for _, mode := range modes {
		r, ok := res.Runs[mode]
		if !ok {
			t.Errorf("no run for %s", mode)
			continue
		}
		for _, check := range []struct {
			what string
			got  json.RawMessage
			want any
		}{
			{"hello", r.Hello, []any{r.ID, "arraybuffer:010203"}},
			{"echo ack", r.Echoed, []any{"text", "arraybuffer:090807", map[string]any{"n": 1}}},
			{"ask me ack", r.Asked, []any{"got q", "arraybuffer:0506ff"}},
		} {
			if got, want := sioCanon(t, check.got), sioCanon(t, check.want); got != want {
				t.Errorf("%s: page got %s = %s, want %s", mode, check.what, got, want)
			}
		}
		wantTransport := map[string]string{"xhr": "polling", "jsonp": "polling", "websocket": "websocket", "default": "websocket", "websocket-b64": "websocket"}[mode]
		if r.Transport != wantTransport || r.JSONP != (mode == "jsonp") || r.Reason != "io client disconnect" {
			t.Errorf("%s: transport %q (jsonp %v), disconnect %q; want %q (jsonp %v), io client disconnect",
				mode, r.Transport, r.JSONP, r.Reason, wantTransport, mode == "jsonp")
		}
	}
	for range modes {
		if err := sioRecv(t, ctx, asked, "the server's EmitWithAck"); err != nil {
			t.Errorf("EmitWithAck(ask) = %v, want the page's answer", err)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	// The xhr run's binary went as binary payloads, both ways; the jsonp
	// run's as ___eio calls and forms.
	if rec.binaryPosts == 0 || rec.binaryPolls == 0 || rec.jsonpGets == 0 || rec.jsonpPosts == 0 || rec.jsonpWrapMissing != 0 {
		t.Errorf("binary POSTs %d, binary polls %d, JSONP GETs %d (%d unwrapped), JSONP POSTs %d; want some of each, none unwrapped",
			rec.binaryPosts, rec.binaryPolls, rec.jsonpGets, rec.jsonpWrapMissing, rec.jsonpPosts)
	}
}

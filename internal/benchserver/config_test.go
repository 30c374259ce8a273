package benchserver

import (
	"context"
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name    string
		in      map[string]string
		want    Config
		wantErr string
	}{
		{name: "nothing set", in: nil, want: Config{}},
		{name: "tick", in: map[string]string{"TICK_HZ": "20", "TICK_BYTES": "300"}, want: Config{TickHz: 20, TickBytes: 300}},
		{name: "not a number", in: map[string]string{"TICK_HZ": "20hz"}, wantErr: `TICK_HZ="20hz"`},
		{name: "negative", in: map[string]string{"TICK_BYTES": "-1"}, wantErr: `TICK_BYTES="-1"`},
		{name: "cluster mode", in: map[string]string{"REDIS_URL": "redis://localhost:6379"}, want: Config{RedisURL: "redis://localhost:6379"}},
		{name: "streams", in: map[string]string{"REDIS_URL": "redis://h:1", "REDIS_ADAPTER": "streams"}, want: Config{RedisURL: "redis://h:1", RedisAdapter: "streams"}},
		{name: "unknown adapter", in: map[string]string{"REDIS_URL": "redis://h:1", "REDIS_ADAPTER": "kafka"}, wantErr: `REDIS_ADAPTER="kafka"`},
		{name: "adapter without url", in: map[string]string{"REDIS_ADAPTER": "streams"}, wantErr: "needs REDIS_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ConfigFromEnv(func(k string) string { return tt.in[k] })
			switch {
			case tt.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("ConfigFromEnv(%q) = %v, want an error with %q", tt.in, err, tt.wantErr)
				}
			case err != nil || got != tt.want:
				t.Errorf("ConfigFromEnv(%q) = %+v, %v, want %+v", tt.in, got, err, tt.want)
			}
		})
	}
}

// The server's options reach the wire: the open packet announces them.
func TestOptionsHonoured(t *testing.T) {
	srv := New(Config{Options: &actorio.Options{EngineOptions: actorio.EngineOptions{
		PingInterval: 3 * time.Second, PingTimeout: 4 * time.Second, MaxHTTPBufferSize: 2_000_000,
	}}})
	web := httptest.NewServer(srv)
	t.Cleanup(func() {
		srv.Close()
		web.Close()
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	conn, br, _, err := ws.Dial(ctx, "ws"+strings.TrimPrefix(web.URL, "http")+"/socket.io/?EIO=4&transport=websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	_ = conn.SetReadDeadline(time.Now().Add(5 * time.Second))
	open, _, err := wsutil.ReadServerData(struct {
		io.Reader
		io.Writer
	}{r, conn})
	if want := `"pingInterval":3000,"pingTimeout":4000,"maxPayload":2000000`; err != nil || !strings.Contains(string(open), want) {
		t.Errorf("open packet = %q, %v, want %s in it", open, err, want)
	}
}

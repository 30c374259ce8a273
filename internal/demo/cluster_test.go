package demo

import (
	"context"
	"net/http/httptest"
	"os/exec"
	"testing"

	"github.com/rs/zerolog"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/adapter/redis"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/testkit/nodecluster"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// The chat on two servers joined through Redis, users on both, driven by
// the official client: one user list, messages across, a name taken on one
// server refused on the other.
func TestChatAcrossTwoServers(t *testing.T) {
	rs := redistest.Start(t)
	var urls []string
	for _, name := range []string{"A", "B"} {
		log := &testkit.SyncBuffer{}
		logger := zerolog.New(log).Level(zerolog.DebugLevel).With().Timestamp().Str("server", name).Logger()
		ad, err := redis.New(context.Background(), rs.Client(), &redis.Options{Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		d := New(Options{Server: &actorio.Options{Adapter: ad, EngineOptions: actorio.EngineOptions{Logger: logger}}})
		web := httptest.NewServer(d)
		t.Cleanup(func() {
			web.Close()
			d.Close()
			if t.Failed() {
				t.Logf("server %s log (end):\n%s", name, log.Tail(16<<10))
			}
		})
		urls = append(urls, web.URL)
	}
	// Longer than the script's own 10 s per step, so a step that hangs is
	// named by the script rather than killed unnamed.
	ctx, cancel := context.WithTimeout(context.Background(), 3*testkit.Timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", "testdata/cluster/demo_check.js", urls[0], urls[1])
	cmd.Dir = nodecluster.Root(t)
	var stderr testkit.SyncBuffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("demo_check.js: %v\n%s", err, stderr.String())
	}
	want := `{"lists":"alice@general,bob@general","toBob":"hi bob","delivered":1,"toAlice":"hi alice","twin":"username taken","afterSwitch":"alice@general,bob@random"}` + "\n"
	if string(out) != want {
		t.Errorf("demo_check.js = %s, want %s", out, want)
	}
}

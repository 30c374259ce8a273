package redis_test

import (
	"regexp"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/internal/testkit/redistest"
)

// A dynamic child namespace joins the cluster when a client creates it,
// as Node gives every namespace, a parent's children included, its adapter.
func TestClusterDynamicNamespace(t *testing.T) {
	rs := redistest.Start(t)
	a := startGo(t, rs, "A", actorio.ParserDefault, nil)
	b := startGo(t, rs, "B", actorio.ParserDefault, nil)
	b.srv.OfRegexp(regexp.MustCompile(`^/game-\d+$`))
	p := startPool(t)
	p.connect("player", b.url, "/game-7", "json") // B creates its child here
	if err := a.srv.Of("/game-7").Emit("tick", 1); err != nil {
		t.Fatal(err)
	}
	if got := p.expect("player", "tick"); got != `[1]` {
		t.Errorf("player got tick%s, want [1]", got)
	}
}

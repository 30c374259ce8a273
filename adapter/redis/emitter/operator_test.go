package emitter_test

import (
	"context"
	"testing"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/redis/emitter"
	"github.com/actorio/actorio/internal/testkit"
	"github.com/actorio/actorio/internal/value"
)

// TestOperatorImmutable checks that a modifier leaves its receiver as it
// was, so an operator can be shared and reused, as in Node.
func TestOperatorImmutable(t *testing.T) {
	addr := startRedis(t)
	client := goredis.NewClient(&goredis.Options{Addr: addr})
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	ps := client.PSubscribe(ctx, "*")
	defer ps.Close()
	if _, err := ps.Receive(ctx); err != nil {
		t.Fatalf("psubscribe: %v", err)
	}

	e := emitter.New(client, nil)
	admin := e.Of("admin")
	base := e.To("a").Compress(true)
	_ = base.To("b")
	_ = base.Except("c")
	_ = base.Volatile()
	_ = base.Compress(false)

	tests := []struct {
		name    string
		call    func() error
		channel string
		want    string // the message as JSON
	}{
		{"base", func() error { return base.Emit(ctx, "ev") }, "socket.io#/#a#",
			`["emitter",{"type":2,"data":["ev"],"nsp":"/"},{"rooms":["a"],"flags":{"compress":true},"except":[]}]`},
		{"emitter", func() error { return e.Emit(ctx, "ev") }, "socket.io#/#",
			`["emitter",{"type":2,"data":["ev"],"nsp":"/"},{"rooms":[],"flags":{},"except":[]}]`},
		{"namespace", func() error { return admin.Emit(ctx, "ev") }, "socket.io#/admin#",
			`["emitter",{"type":2,"data":["ev"],"nsp":"/admin"},{"rooms":[],"flags":{},"except":[]}]`},
	}
	for _, tt := range tests {
		if err := tt.call(); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		m := testkit.Recv(t, ps.Channel(), tt.name)
		v, err := value.UnmarshalAny([]byte(m.Payload))
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		got, _, _ := value.AppendJSON(nil, v, nil, false)
		if m.Channel != tt.channel || string(got) != tt.want {
			t.Errorf("%s: published %s on %q, want %s on %q", tt.name, got, m.Channel, tt.want, tt.channel)
		}
	}
	if got := admin.Namespace(); got != "/admin" {
		t.Errorf(`Of("admin").Namespace() = %q, want "/admin"`, got)
	}
}

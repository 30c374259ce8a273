package actorio_test

import (
	"sync"
	"testing"

	"github.com/actorio/actorio"
	"github.com/actorio/actorio/adapter"
	"github.com/prometheus/client_golang/prometheus"
)

// healthAdapter is a single-server adapter that reports a network state.
type healthAdapter struct {
	*adapter.InMemory
	mu sync.Mutex
	h  adapter.Health
}

func (a *healthAdapter) Health() adapter.Health {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.h
}

func (a *healthAdapter) set(h adapter.Health) {
	a.mu.Lock()
	a.h = h
	a.mu.Unlock()
}

func TestMetricsAdapterHealth(t *testing.T) {
	ad := &healthAdapter{InMemory: adapter.NewInMemory(), h: adapter.Health{Connected: true}}
	srv := actorio.NewServer(&actorio.Options{Adapter: ad})
	t.Cleanup(srv.Close)
	reg := prometheus.NewRegistry()
	reg.MustRegister(srv.Metrics())
	if got := metric(t, reg, "actorio_adapter_connected"); got != 1 {
		t.Errorf("actorio_adapter_connected = %v, want 1", got)
	}
	ad.set(adapter.Health{Connected: false, Reconnects: 2, PublishErrors: 5})
	for name, want := range map[string]float64{"actorio_adapter_connected": 0, "actorio_adapter_reconnects_total": 2, "actorio_adapter_publish_errors_total": 5} {
		if got := metric(t, reg, name); got != want {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
}

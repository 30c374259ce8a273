package main

import (
	"net/http"
	"sync/atomic"

	"github.com/actorio/actorio"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// ops serves what an operator needs besides the application: /healthz
// (the process answers), /readyz (it accepts clients; 503 once shutting
// down) and /metrics on a registry of its own.
type ops struct {
	shuttingDown atomic.Bool
}

func (o *ops) mount(mux *http.ServeMux, srv *actorio.Server, metrics bool) {
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("/readyz", func(w http.ResponseWriter, _ *http.Request) {
		if o.shuttingDown.Load() {
			http.Error(w, "shutting down", http.StatusServiceUnavailable)
			return
		}
		_, _ = w.Write([]byte("ready\n"))
	})
	if metrics && srv != nil {
		reg := prometheus.NewRegistry()
		reg.MustRegister(srv.Metrics(), collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
		mux.Handle("/metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	}
}

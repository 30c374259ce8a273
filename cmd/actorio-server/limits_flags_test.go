package main

import (
	"net/netip"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio"
	"github.com/rs/zerolog"
)

func TestLimitFlags(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		wantErr string
		check   func(o *actorio.Options) bool
	}{
		{name: "off by default", check: func(o *actorio.Options) bool {
			return o.Limits.Rate == actorio.RateLimit{} && o.Limits.PerAddress == 0 && o.Limits.Total == 0 && o.EventLimit == actorio.EventLimit{}
		}},
		{name: "every limit", args: []string{"-limit-conn-rate", "10/1s", "-limit-conn-burst", "20", "-limit-conn-per-ip", "5", "-limit-conns", "1000",
			"-limit-tracked-ips", "500", "-limit-events", "100/s", "-limit-events-burst", "150", "-limit-events-action", "disconnect", "-trusted-proxies", "10.0.0.0/8, ::1"},
			check: func(o *actorio.Options) bool {
				l := o.Limits
				return l.Rate == actorio.RateLimit{Count: 10, Interval: time.Second, Burst: 20} && l.PerAddress == 5 && l.Total == 1000 && l.MaxAddresses == 500 &&
					o.EventLimit == actorio.EventLimit{Rate: actorio.RateLimit{Count: 100, Interval: time.Second, Burst: 150}, Action: actorio.EventLimitDisconnect} &&
					slices.Equal(l.TrustedProxies, []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")})
			}},
		{name: "from the environment", env: map[string]string{"ACTORIO_LIMIT_CONN_RATE": "600/1m", "ACTORIO_LIMIT_CONNS": "7"},
			check: func(o *actorio.Options) bool {
				return o.Limits.Rate == actorio.RateLimit{Count: 600, Interval: time.Minute} && o.Limits.Total == 7
			}},
		{name: "origin check on with cors", args: []string{"-cors-origins", "https://app.example"},
			check: func(o *actorio.Options) bool { return o.CORS != nil && !o.CORS.AnyWebSocketOrigin }},
		{name: "origin check off", args: []string{"-cors-origins", "https://app.example", "-ws-origin-check=false"},
			check: func(o *actorio.Options) bool { return o.CORS.AnyWebSocketOrigin }},
		{name: "rate without interval", args: []string{"-limit-conn-rate", "10"}, wantErr: `-limit-conn-rate "10": want COUNT/INTERVAL`},
		{name: "rate of zero", args: []string{"-limit-events", "0/1s"}, wantErr: `-limit-events "0/1s"`},
		{name: "rate with a bad interval", args: []string{"-limit-events", "5/fortnight"}, wantErr: "the interval must be a positive duration"},
		{name: "negative cap", args: []string{"-limit-conns", "-1"}, wantErr: "must be 0 or more"},
		{name: "unknown action", args: []string{"-limit-events-action", "ban"}, wantErr: `-limit-events-action "ban": want refuse or disconnect`},
		{name: "bad proxy", args: []string{"-trusted-proxies", "10.0.0.0/33"}, wantErr: "-trusted-proxies"},
		{name: "cert without key", args: []string{"-tls-cert", "c.pem"}, wantErr: "-tls-cert and -tls-key go together"},
		{name: "conformance refuses limits", args: []string{"-mode", "conformance", "-limit-conn-per-ip", "1"}, wantErr: "-limit-conn-per-ip is not allowed in conformance mode"},
		{name: "conformance refuses tls", args: []string{"-mode", "conformance", "-tls-cert", "c", "-tls-key", "k"}, wantErr: "-tls-cert is not allowed in conformance mode"},
		{name: "bench honours limits", args: []string{"-mode", "bench", "-limit-conns", "10"}, check: func(o *actorio.Options) bool { return o.Limits.Total == 10 }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, env(tt.env))
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("parseConfig(%q) = %v, want no error", tt.args, err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("parseConfig(%q) = %v, want an error with %q", tt.args, err, tt.wantErr)
			case tt.check != nil && !tt.check(serverOptions(c, zerolog.Nop())):
				t.Errorf("serverOptions(parseConfig(%q)) = %+v, not what the flags say", tt.args, serverOptions(c, zerolog.Nop()))
			}
		})
	}
}

package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/actorio/actorio"
)

// limitConfig is the flags of the limits, the Origin check and TLS.
type limitConfig struct {
	connRate     string
	connBurst    int
	connPerIP    int
	conns        int
	addresses    int
	events       string
	eventsBurst  int
	eventsAction string
	proxies      string
	originCheck  bool
	tlsCert      string
	tlsKey       string
}

func limitFlags(fs *flag.FlagSet, c *limitConfig) {
	fs.StringVar(&c.connRate, "limit-conn-rate", "", "new connections allowed per client IP, as COUNT/INTERVAL (10/1s, 600/1m); past it the handshake gets 429 with Retry-After. Empty: no limit (Node has none built in)")
	fs.IntVar(&c.connBurst, "limit-conn-burst", 0, "connections one IP may open at once before -limit-conn-rate applies; 0: COUNT")
	fs.IntVar(&c.connPerIP, "limit-conn-per-ip", 0, "open connections allowed per client IP (IPv6: per /64); past it 429. 0: no limit")
	fs.IntVar(&c.conns, "limit-conns", 0, "open connections allowed in total; past it 503 \"Server full\". 0: no limit")
	fs.IntVar(&c.addresses, "limit-tracked-ips", actorio.DefaultMaxAddresses, "client IPs the per-IP limits remember at most (bounded memory, ~250 B each); set it above the IPs connected at once")
	fs.StringVar(&c.events, "limit-events", "", "events each socket may send, as COUNT/INTERVAL (100/1s); past it -limit-events-action applies. Empty: no limit")
	fs.IntVar(&c.eventsBurst, "limit-events-burst", 0, "events a socket may send at once before -limit-events applies; 0: COUNT")
	fs.StringVar(&c.eventsAction, "limit-events-action", "refuse", "over -limit-events: refuse (the event is dropped; the socket's error listeners and the client's ack get an error) or disconnect (the socket is disconnected)")
	fs.StringVar(&c.proxies, "trusted-proxies", "", "comma-separated IPs or CIDRs of reverse proxies whose X-Forwarded-For names the client IP for the limits (10.0.0.0/8,::1). Empty: the peer's IP")
	fs.BoolVar(&c.originCheck, "ws-origin-check", true, "refuse WebSocket requests whose Origin -cors-origins does not allow, with 403 (cross-site WebSocket hijacking); false: any Origin, as Node")
	fs.StringVar(&c.tlsCert, "tls-cert", "", "PEM certificate (chain) file: serve HTTPS and WSS (HTTP/1.1) instead of HTTP; needs -tls-key")
	fs.StringVar(&c.tlsKey, "tls-key", "", "PEM private key file of -tls-cert")
}

// parseRate reads COUNT/INTERVAL; the interval may omit its 1 (10/s).
func parseRate(name, s string, burst int) (actorio.RateLimit, error) {
	if s == "" {
		return actorio.RateLimit{}, nil
	}
	count, per, ok := strings.Cut(s, "/")
	n, err := strconv.Atoi(count)
	if !ok || err != nil || n < 1 {
		return actorio.RateLimit{}, fmt.Errorf("-%s %q: want COUNT/INTERVAL, COUNT at least 1 (10/1s, 600/1m)", name, s)
	}
	if per != "" && (per[0] < '0' || per[0] > '9') {
		per = "1" + per
	}
	d, err := time.ParseDuration(per)
	if err != nil || d <= 0 {
		return actorio.RateLimit{}, fmt.Errorf("-%s %q: the interval must be a positive duration (1s, 1m)", name, s)
	}
	if burst < 0 {
		return actorio.RateLimit{}, fmt.Errorf("-%s-burst %d: want 0 or more", name, burst)
	}
	return actorio.RateLimit{Count: n, Interval: d, Burst: burst}, nil
}

// checkLimits refuses limit flags that do not parse or bound nothing.
func checkLimits(c *limitConfig) error {
	_, err := c.apply(&actorio.Options{})
	return err
}

// apply sets the limits' options on o.
func (c *limitConfig) apply(o *actorio.Options) (*actorio.Options, error) {
	var err error
	l := &o.Limits
	if l.Rate, err = parseRate("limit-conn-rate", c.connRate, c.connBurst); err != nil {
		return nil, err
	}
	if c.connPerIP < 0 || c.conns < 0 || c.addresses < 1 {
		return nil, fmt.Errorf("-limit-conn-per-ip and -limit-conns must be 0 or more, -limit-tracked-ips at least 1 (got %d, %d, %d)", c.connPerIP, c.conns, c.addresses)
	}
	l.PerAddress, l.Total, l.MaxAddresses = c.connPerIP, c.conns, c.addresses
	if l.TrustedProxies, err = actorio.ParseTrustedProxies(splitList(c.proxies)); err != nil {
		return nil, fmt.Errorf("-trusted-proxies %q: %w", c.proxies, err)
	}
	if o.EventLimit.Rate, err = parseRate("limit-events", c.events, c.eventsBurst); err != nil {
		return nil, err
	}
	switch c.eventsAction {
	case "refuse":
		o.EventLimit.Action = actorio.EventLimitRefuse
	case "disconnect":
		o.EventLimit.Action = actorio.EventLimitDisconnect
	default:
		return nil, fmt.Errorf("-limit-events-action %q: want refuse or disconnect", c.eventsAction)
	}
	if o.CORS != nil {
		o.CORS.AnyWebSocketOrigin = !c.originCheck
	}
	if (c.tlsCert == "") != (c.tlsKey == "") {
		return nil, fmt.Errorf("-tls-cert and -tls-key go together (got cert %q, key %q)", c.tlsCert, c.tlsKey)
	}
	return o, nil
}

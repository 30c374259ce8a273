package actorio

import (
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

// clientAddr is the address of the client that sent r: the peer's, or,
// when the peer is one of trusted (a reverse proxy or load balancer of
// the deployment), the right-most address of X-Forwarded-For that is not
// a trusted proxy. Addresses to the left of that one were written by the
// client itself and are never believed. The zero Addr when none parses
// (a net.Pipe listener).
func clientAddr(r *http.Request, trusted []netip.Prefix) netip.Addr {
	ap, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil {
		return netip.Addr{}
	}
	addr := ap.Addr().Unmap()
	if len(trusted) == 0 || !isTrusted(addr, trusted) {
		return addr
	}
	hops := r.Header.Values("X-Forwarded-For")
	for _, h := range slices.Backward(hops) {
		parts := strings.Split(h, ",")
		for _, p := range slices.Backward(parts) {
			hop, err := netip.ParseAddr(strings.TrimSpace(p))
			if err != nil {
				return addr // garbage: the last proxy's word is all there is
			}
			addr = hop.Unmap()
			if !isTrusted(addr, trusted) {
				return addr
			}
		}
	}
	return addr
}

func isTrusted(a netip.Addr, trusted []netip.Prefix) bool {
	for _, p := range trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// ParseTrustedProxies reads a list of addresses and CIDR prefixes
// ("10.0.0.0/8", "127.0.0.1", "::1") for ConnLimits.TrustedProxies. Node
// deployments use Express's "trust proxy" setting (the proxy-addr package)
// for the same list; socket.io itself reads no X-Forwarded-For.
func ParseTrustedProxies(list []string) ([]netip.Prefix, error) {
	out := make([]netip.Prefix, 0, len(list))
	for _, s := range list {
		if strings.Contains(s, "/") {
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, err
			}
			out = append(out, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(s)
		if err != nil {
			return nil, err
		}
		a = a.Unmap()
		out = append(out, netip.PrefixFrom(a, a.BitLen()))
	}
	return out, nil
}

package transport

import (
	"net/http"
	"time"
)

// CookieOptions sets a cookie holding the sid on the handshake response, as
// Node's cookie option does (for sticky load balancing). A nil
// *CookieOptions sets none (Node's default).
type CookieOptions struct {
	// Name of the cookie. Empty means "io".
	Name string
	// Path of the cookie. Empty means "/".
	Path string
	// NotHTTPOnly lets page scripts read the cookie; the zero value sets
	// HttpOnly, as Node does.
	NotHTTPOnly bool
	// SameSite of the cookie. Zero means Lax, as Node does.
	SameSite http.SameSite
	// Secure marks the cookie secure.
	Secure bool
	// MaxAge of the cookie. Zero means a session cookie.
	MaxAge time.Duration
}

func (c *CookieOptions) set(h http.Header, sid string) {
	ck := http.Cookie{
		Name: c.Name, Value: sid, Path: c.Path,
		HttpOnly: !c.NotHTTPOnly, SameSite: c.SameSite, Secure: c.Secure,
		MaxAge: int(c.MaxAge / time.Second),
	}
	if ck.Name == "" {
		ck.Name = "io"
	}
	if ck.Path == "" {
		ck.Path = "/"
	}
	if ck.SameSite == 0 {
		ck.SameSite = http.SameSiteLaxMode
	}
	h.Add("Set-Cookie", ck.String())
}

package main

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/actorio/actorio"
	"github.com/rs/zerolog"
)

// adminOptions are the admin UI's options from the flags; nil without
// -admin-ui. The login is explicit: -admin-auth none lets everyone in,
// USER:BCRYPT_HASH checks a password; nothing else is accepted.
func adminOptions(c config) (*actorio.AdminUIOptions, error) {
	if !c.adminUI {
		if c.set["admin-auth"] {
			return nil, errors.New("-admin-auth without -admin-ui: the admin UI is off")
		}
		return nil, nil
	}
	o := &actorio.AdminUIOptions{UIDir: c.adminUIDir, Mode: actorio.AdminUIMode(c.adminUIMode), ReadOnly: c.adminReadonly}
	switch user, hash, ok := strings.Cut(c.adminAuth, ":"); {
	case c.adminAuth == "":
		return nil, errors.New("-admin-ui needs -admin-auth (ACTORIO_ADMIN_AUTH): USER:BCRYPT_HASH, or none to let everyone in")
	case c.adminAuth == "none":
		o.NoAuth = true
	case !ok || user == "" || hash == "":
		return nil, errors.New("-admin-auth: want USER:BCRYPT_HASH or none")
	default:
		o.Auth = &actorio.AdminUIAuth{Username: user, PasswordHash: hash}
	}
	if o.Mode != actorio.AdminUIDevelopment && o.Mode != actorio.AdminUIProduction {
		return nil, fmt.Errorf("-admin-ui-mode %q: want development or production", c.adminUIMode)
	}
	return o, nil
}

// mountAdminUI instruments srv and serves the UI at /admin/ when
// -admin-ui is on. The server's Close stops its stats timer.
func mountAdminUI(mux *http.ServeMux, srv *actorio.Server, c config, logger zerolog.Logger) error {
	o, err := adminOptions(c)
	if err != nil || o == nil {
		return err
	}
	ui, err := actorio.Instrument(srv, *o)
	if err != nil {
		return err
	}
	if _, err := os.Stat(c.adminUIDir); err != nil {
		logger.Warn().Str("dir", c.adminUIDir).Msg("admin UI files not found: run npm ci; /admin/ will 404")
	}
	mux.Handle(ui.UIPath(), ui)
	logger.Info().Str("path", ui.UIPath()).Str("nsp", ui.Namespace().Name()).Bool("auth", o.Auth != nil).Str("mode", string(o.Mode)).Msg("admin UI on")
	return nil
}

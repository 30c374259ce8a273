package transport

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

type retryRefusal struct{ RefusedError }

func (r *retryRefusal) Unwrap() error             { return &r.RefusedError }
func (r *retryRefusal) RetryAfter() time.Duration { return 1500 * time.Millisecond }

// An admission is released exactly once: by the handler when the
// handshake fails before a session exists, else by the session (its
// Handshake.Release). A refusal answers before Open runs.
func TestAdmission(t *testing.T) {
	errOpen := errors.New("open failed")
	tests := []struct {
		name         string
		admitErr     error
		openErr      error
		wantStatus   int
		wantBody     string
		wantRetry    string
		wantOpened   bool
		wantReleased int32 // by the handler
	}{
		{name: "admitted", wantStatus: 200, wantOpened: true},
		{name: "open fails", openErr: errOpen, wantStatus: 403, wantBody: `{"code":4,"message":"open failed"}`, wantOpened: true, wantReleased: 1},
		{name: "refused with a status", admitErr: &retryRefusal{RefusedError{Status: 429, Message: "slow down"}},
			wantStatus: 429, wantBody: `{"code":4,"message":"slow down"}`, wantRetry: "2"},
		{name: "refused", admitErr: errors.New("no"), wantStatus: 403, wantBody: `{"code":4,"message":"no"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pool := NewWriterPool(nil)
			defer pool.Stop()
			var released atomic.Int32
			var opened *Handshake
			h := NewHandler(Config{Pool: pool,
				Admit: func(*http.Request) (func(), error) {
					if tt.admitErr != nil {
						return nil, tt.admitErr
					}
					return func() { released.Add(1) }, nil
				},
				Open: func(hs Handshake) (Session, error) {
					opened = &hs
					if tt.openErr != nil {
						return nil, tt.openErr
					}
					return &readySession{}, nil
				}})
			w := httptest.NewRecorder()
			h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/engine.io/?EIO=4&transport=polling", nil))
			if w.Code != tt.wantStatus || tt.wantBody != "" && w.Body.String() != tt.wantBody {
				t.Errorf("handshake = %d %q, want %d %q", w.Code, w.Body.String(), tt.wantStatus, tt.wantBody)
			}
			if got := w.Header().Get("Retry-After"); got != tt.wantRetry {
				t.Errorf("Retry-After = %q, want %q", got, tt.wantRetry)
			}
			if (opened != nil) != tt.wantOpened {
				t.Fatalf("Open called = %v, want %v", opened != nil, tt.wantOpened)
			}
			if got := released.Load(); got != tt.wantReleased {
				t.Errorf("released %d times by the handler, want %d", got, tt.wantReleased)
			}
			if opened != nil && opened.Release == nil {
				t.Errorf("Handshake.Release = nil, want the admission's release")
			}
		})
	}
}

// readySession answers the first poll with the open packet.
type readySession struct{}

func (s *readySession) Tell(m any) {
	if p, ok := m.(*PollRequested); ok {
		p.Reply <- PollReply{Status: http.StatusOK, Body: []byte("0{}")}
	}
}
func (s *readySession) Done() <-chan struct{} { return nil }
func (s *readySession) Inbound() *Inbound     { return nil }

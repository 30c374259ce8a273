package actorio

import (
	"github.com/actorio/actorio/actors"
	"github.com/actorio/actorio/transport"
)

// Inbound backpressure, documented in actors and transport: every message a
// client sends holds a credit of its session until handled, and past
// EngineOptions.InboundLimits the session pauses reading or closes.
type (
	InboundLimits = transport.InboundLimits
	InboundPolicy = actors.InboundPolicy
	// InboundCredit is what a message holds until handled; see
	// EngineCreditHandler.
	InboundCredit = transport.Credit
	// EngineCreditHandler is an EngineHandler that handles messages after
	// OnMessage would return: it gets each message's credit and releases
	// it when done, so the session's inbound backlog counts that work.
	EngineCreditHandler = actors.EngineCreditHandler
)

// The InboundPolicy values.
const (
	InboundPause = actors.InboundPause
	InboundClose = actors.InboundClose
)

// Inbound is the session's credit, for the transport (transport.Session).
func (r *sessionRef) Inbound() *transport.Inbound { return r.inbound }

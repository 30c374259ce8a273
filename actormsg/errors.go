package actormsg

import "errors"

var (
	// ErrNoAck is returned by Ack.Send for an event that asked for none.
	ErrNoAck = errors.New("actormsg: the client asked for no ack")
	// ErrAckSent is returned by Ack.Send called twice.
	ErrAckSent = errors.New("actormsg: ack already sent")
	// ErrNoSocket is a Done's error for a socket that is not connected.
	ErrNoSocket = errors.New("actormsg: no such socket")
	// ErrNoReplyTo is logged for an EmitWithAck sent with neither ReplyTo
	// nor ctx.Request: its answers would have nowhere to go.
	ErrNoReplyTo = errors.New("actormsg: EmitWithAck needs ReplyTo or ctx.Request")
)

package adapter

import (
	"context"

	"github.com/actorio/actorio/protocol/sio"
)

// InMemory is the default adapter: one server, no cluster. Everything that
// would cross servers is a no-op: the local actors have already done the
// local part, and there is nobody else.
type InMemory struct{}

// NewInMemory returns the default adapter.
func NewInMemory() *InMemory { return &InMemory{} }

func (*InMemory) Attach(Local) error        { return nil }
func (*InMemory) AddNamespace(string) error { return nil }
func (*InMemory) Broadcast(context.Context, *sio.Packet, BroadcastOptions) error {
	return nil
}
func (*InMemory) BroadcastWithAck(context.Context, *sio.Packet, BroadcastOptions, func(int), func(Args)) error {
	return nil
}
func (*InMemory) FetchSockets(context.Context, string, BroadcastOptions) ([]SocketInfo, error) {
	return nil, nil
}
func (*InMemory) AddSockets(context.Context, string, BroadcastOptions, []string) error { return nil }
func (*InMemory) DelSockets(context.Context, string, BroadcastOptions, []string) error { return nil }
func (*InMemory) DisconnectSockets(context.Context, string, BroadcastOptions, bool) error {
	return nil
}
func (*InMemory) ServerSideEmit(context.Context, string, Args) error { return nil }
func (*InMemory) ServerSideEmitWithAck(context.Context, string, Args) ([]Args, error) {
	return nil, nil
}
func (*InMemory) AllRooms(context.Context, string) ([]string, error) { return nil, nil }
func (*InMemory) ServerCount(context.Context) (int, error)           { return 1, nil }
func (*InMemory) Close() error                                       { return nil }

package redisstreams

import "github.com/actorio/actorio/adapter/internal/streamwire"

// streamName is the stream of namespace nsp, as Node's computeStreamName.
func (o *Options) streamName(nsp string) string {
	return streamwire.Stream(o.StreamName, o.StreamCount, nsp)
}

// streamNames are every stream the adapter reads.
func (o *Options) streamNames() []string { return streamwire.Streams(o.StreamName, o.StreamCount) }

func (o *Options) publicChannel(nsp string) string { return o.ChannelPrefix + "#" + nsp + "#" }

func (o *Options) privateChannel(nsp, uid string) string {
	return o.ChannelPrefix + "#" + nsp + "#" + uid + "#"
}

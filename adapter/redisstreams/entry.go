package redisstreams

import (
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	"github.com/actorio/actorio/adapter/internal/cluster"
	"github.com/actorio/actorio/adapter/internal/value"
)

// isEphemeral reports whether m goes over Pub/Sub rather than the stream,
// as Node's isEphemeral: a broadcast with acks, serverSideEmit and
// fetchSockets; their answers are not kept either.
func isEphemeral(m *cluster.Message) bool {
	if m.Type == cluster.Broadcast {
		if m.Data == nil {
			return false
		}
		id, _ := m.Data.Get("requestId")
		return id != nil
	}
	return m.Type == cluster.ServerSideEmit || m.Type == cluster.FetchSockets
}

// entryValues are a stream entry's fields, as Node's encode writes them:
// uid, nsp, type as a decimal string, and data as JSON, or as base64
// msgpack when it holds binary (unless onlyPlaintext).
func entryValues(m *cluster.Message, onlyPlaintext bool) ([]any, error) {
	vals := []any{"uid", m.UID, "nsp", m.Nsp, "type", strconv.Itoa(int(m.Type))}
	if m.Data == nil {
		return vals, nil
	}
	var data string
	if !onlyPlaintext && m.Type.MayContainBinary() && m.HasBinary() {
		b, err := value.MarshalAny(m.Data)
		if err != nil {
			return nil, err
		}
		data = base64.StdEncoding.EncodeToString(b)
	} else {
		b, _, err := value.AppendJSON(nil, m.Data, nil, false)
		if err != nil {
			return nil, err
		}
		data = string(b)
	}
	return append(vals, "data", data), nil
}

var errNoNamespace = errors.New("redisstreams: entry without nsp")

// decodeEntry reads a stream entry's fields, as Node's decode. An entry
// without nsp is not a message (Node skips it).
func decodeEntry(fields map[string]any) (*cluster.Message, error) {
	nsp, _ := fields["nsp"].(string)
	if nsp == "" {
		return nil, errNoNamespace
	}
	uid, _ := fields["uid"].(string)
	ts, _ := fields["type"].(string)
	t, err := strconv.Atoi(ts)
	if err != nil || t < int(cluster.InitialHeartbeat) || t > int(cluster.AdapterClose) {
		return nil, fmt.Errorf("redisstreams: entry type %q", ts)
	}
	m := &cluster.Message{UID: uid, Nsp: nsp, Type: cluster.MessageType(t)}
	if ds, _ := fields["data"].(string); ds != "" {
		if m.Data, err = decodeEntryData(ds); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// decodeEntryData reads an entry's data: JSON when it starts with '{',
// base64 msgpack otherwise.
func decodeEntryData(s string) (*value.Map, error) {
	b := []byte(s)
	if s[0] != '{' {
		var err error
		if b, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("redisstreams: entry data: %w", err)
		}
	}
	return cluster.DecodeData(b)
}

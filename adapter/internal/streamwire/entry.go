package streamwire

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"

	goredis "github.com/redis/go-redis/v9"

	"github.com/actorio/actorio/adapter/internal/cluster"
	"github.com/actorio/actorio/internal/value"
)

// Append adds m to stream as Node's XADD does (MAXLEN ~ maxLen, id "*")
// and returns the entry's id. With onlyPlaintext, data is JSON even when it
// holds binary (the adapter's onlyPlaintext option).
func Append(ctx context.Context, client goredis.Cmdable, stream string, maxLen int64, m *cluster.Message, onlyPlaintext bool) (string, error) {
	vals, err := fields(m, onlyPlaintext)
	if err != nil {
		return "", err
	}
	return client.XAdd(ctx, &goredis.XAddArgs{
		Stream: stream, MaxLen: maxLen, Approx: true, ID: "*", Values: vals,
	}).Result()
}

// fields are a stream entry's fields, as Node's encode writes them: uid,
// nsp, type as a decimal string, and data as JSON, or as base64 msgpack
// when it holds binary (unless onlyPlaintext).
func fields(m *cluster.Message, onlyPlaintext bool) ([]any, error) {
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

// ErrNoNamespace is an entry without nsp: not a message (Node skips it).
var ErrNoNamespace = errors.New("streamwire: entry without nsp")

// Decode reads a stream entry's fields, as Node's decode.
func Decode(fields map[string]any) (*cluster.Message, error) {
	nsp, _ := fields["nsp"].(string)
	if nsp == "" {
		return nil, ErrNoNamespace
	}
	uid, _ := fields["uid"].(string)
	ts, _ := fields["type"].(string)
	t, err := strconv.Atoi(ts)
	if err != nil || t < int(cluster.InitialHeartbeat) || t > int(cluster.AdapterClose) {
		return nil, fmt.Errorf("streamwire: entry type %q", ts)
	}
	m := &cluster.Message{UID: uid, Nsp: nsp, Type: cluster.MessageType(t)}
	if ds, _ := fields["data"].(string); ds != "" {
		if m.Data, err = decodeData(ds); err != nil {
			return nil, err
		}
	}
	return m, nil
}

// decodeData reads an entry's data: JSON when it starts with '{', base64
// msgpack otherwise.
func decodeData(s string) (*value.Map, error) {
	b := []byte(s)
	if s[0] != '{' {
		var err error
		if b, err = base64.StdEncoding.DecodeString(s); err != nil {
			return nil, fmt.Errorf("streamwire: entry data: %w", err)
		}
	}
	return cluster.DecodeData(b)
}

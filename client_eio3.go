package actorio

// A Socket.IO 2.x client (Engine.IO v3, Socket.IO protocol 4;
// EngineOptions.AllowEIO3), as Node's socket.io serves one: it is in "/"
// from the start without a CONNECT; its CONNECT to another namespace
// carries that namespace's query ("/admin?token=x"), which becomes the
// socket's auth and joins the handshake's query; the CONNECT reply has no
// payload; a middleware's refusal is an ERROR packet whose data is the
// error's Data, or else its message (the client's "error" event); a
// socket's id is the Engine.IO session id, prefixed with "<nsp>#" outside
// "/". Events, acks and binary are as in protocol 5. Chosen once per
// client (client.eio3).

import (
	"encoding/json"
	"net/url"
	"strings"

	"github.com/actorio/actorio/protocol/sio"
)

// connectEIO3 connects a 2.x client to nsp, which may carry a query.
func (c *client) connectEIO3(nsp string, credit InboundCredit) {
	name, rawQuery, _ := strings.Cut(nsp, "?")
	hs := c.handshake(nil)
	c.withRequest(&hs)
	hs.Auth = queryObject(rawQuery)
	if rawQuery != "" {
		if q, err := url.ParseQuery(rawQuery); err == nil {
			merged := url.Values{}
			for k, v := range hs.Query {
				merged[k] = v
			}
			for k, v := range q {
				merged[k] = v
			}
			hs.Query = merged
		}
	}
	id := c.es.ID()
	if name != sio.DefaultNamespace {
		id = name + "#" + id
	}
	c.connectWith(name, id, hs, true, credit)
}

// queryObject is the JSON object of a query's parameters, strings in the
// order they come (a repeated key keeps its last value), as Node's
// Object.fromEntries(url.searchParams).
func queryObject(rawQuery string) []byte {
	var keys []string
	vals := map[string]string{}
	for part := range strings.SplitSeq(rawQuery, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		k, errK := url.QueryUnescape(k)
		v, errV := url.QueryUnescape(v)
		if errK != nil || errV != nil {
			continue
		}
		if _, seen := vals[k]; !seen {
			keys = append(keys, k)
		}
		vals[k] = v
	}
	out := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			out = append(out, ',')
		}
		kb, _ := json.Marshal(k) // a string always encodes
		vb, _ := json.Marshal(vals[k])
		out = append(append(append(out, kb...), ':'), vb...)
	}
	return append(out, '}')
}

// sendMiddlewareErrorEIO3 refuses a 2.x client's connection as Node does:
// an ERROR packet with the error's Data if it has any, else its message.
func (c *client) sendMiddlewareErrorEIO3(nsp string, err error) {
	var v any = err.Error()
	if ce, ok := err.(*ConnectError); ok && ce.Data != nil {
		v = ce.Data
	}
	data, encErr := c.srv.codec.object(v)
	if encErr != nil { // Data that does not encode: the message alone
		data, _ = c.srv.codec.object(err.Error())
	}
	c.send(&sio.Packet{Type: sio.ConnectError, Namespace: nsp, Data: data})
}

package sio

import "encoding/json"

func rawArgs(args [][]byte) []json.RawMessage {
	out := make([]json.RawMessage, len(args))
	for i, a := range args {
		out[i] = a
	}
	return out
}

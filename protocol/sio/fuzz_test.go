package sio

import (
	"bytes"
	"encoding/json"
	"testing"
)

var fuzzSeeds = []string{
	`2["foo"]`, `2/admin,13["bar"]`, `0{"token":"123"}`, `4{"message":"x"}`, `1/a,`, `312["bar"]`,
	`51-["baz",{"_placeholder":true,"num":0}]`, `61-/admin,15[{"_placeholder":true,"num":0}]`,
	`2["a",{"b":[1,2.5e3,-0,null,true,false,"\u00e9"]}]`, `2[`, `5`, `2/`, "2[\"\\u\"]",
}

// FuzzDecodeText: no panic, and a decoded packet encodes back to text that
// decodes to the same packet.
func FuzzDecodeText(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		p, n, err := DecodeText(in, 0)
		if err != nil {
			return
		}
		if len(p.Data) > len(in) || n > DefaultMaxAttachments {
			t.Fatalf("DecodeText(%q) = %d data bytes, %d attachments", in, len(p.Data), n)
		}
		p.Attachments = make([][]byte, n)
		enc := AppendPacket(nil, &p)
		q, m, err := DecodeText(enc, 0)
		if err != nil || m != n {
			t.Fatalf("re-decode of %q (from %q): %v, %d attachments, want %d", enc, in, err, m, n)
		}
		q.Attachments = p.Attachments
		if !samePacket(p, q) {
			t.Fatalf("round trip of %q: %+v, want %+v", in, q, p)
		}
	})
}

// FuzzDecoder feeds a text packet and then its attachments through the
// stateful reassembler.
func FuzzDecoder(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), []byte{1, 2, 3}, uint8(1))
	}
	f.Fuzz(func(t *testing.T, text, bin []byte, count uint8) {
		var d Decoder
		if _, _, err := d.Add(text, false); err != nil {
			return
		}
		for range count % 12 {
			p, done, err := d.Add(bin, true)
			if err != nil || done {
				if done && len(p.Attachments) == 0 {
					t.Fatalf("completed binary packet without attachments from %q", text)
				}
				return
			}
		}
	})
}

// FuzzJSONScanner checks the scanner against encoding/json: both must agree
// on validity for every input, and split arrays the same way.
func FuzzJSONScanner(f *testing.F) {
	for _, s := range []string{`[]`, `{"a":[1,{"b":null}]}`, `"x"`, `-0.5e+3`, ` [1 , 2] `, `[01]`, `"\ud800"`, `[1,]`, `{"a" 1}`, "\"\x01\"", `1.`, `tru`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		s := jsonScanner{data: in, collectPlaceholders: true}
		_, err := s.document()
		if want := json.Valid(in); (err == nil) != want {
			t.Fatalf("scanner(%q) error = %v, json.Valid = %v", in, err, want)
		}
		elems, err := SplitArray(in)
		var want []json.RawMessage
		if json.Unmarshal(in, &want) != nil {
			return
		}
		if err != nil || len(elems) != len(want) {
			t.Fatalf("SplitArray(%q) = %d elements, %v; want %d", in, len(elems), err, len(want))
		}
		for i := range want {
			if string(elems[i]) != string(want[i]) {
				t.Fatalf("SplitArray(%q)[%d] = %s, want %s", in, i, elems[i], want[i])
			}
		}
	})
}

// FuzzResolvePlaceholders: never panics; what it returns is valid JSON.
func FuzzResolvePlaceholders(f *testing.F) {
	f.Add([]byte(`["a",{"_placeholder":true,"num":0}]`))
	f.Add([]byte(`[{"_placeholder":true,"num":1,"x":{"_placeholder":true,"num":0}}]`))
	f.Fuzz(func(t *testing.T, in []byte) {
		out, err := ResolvePlaceholders(in, [][]byte{{1}, {2, 3}})
		if err == nil && !json.Valid(out) {
			t.Fatalf("ResolvePlaceholders(%q) = %q: not valid JSON", in, out)
		}
	})
}

// FuzzWhole checks the short path's decoder against the stateful one: a
// message Whole takes is the packet Add completes from it at once, and
// Whole never changes what the decoder waits for.
func FuzzWhole(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s), false, false)
	}
	f.Add([]byte(`51-["a",{"_placeholder":true,"num":0}]`), false, true)
	f.Fuzz(func(t *testing.T, msg []byte, binary, waiting bool) {
		var d Decoder
		if waiting { // a binary packet's attachment is due
			if _, _, err := d.Add([]byte(`51-["a",{"_placeholder":true,"num":0}]`), false); err != nil {
				t.Fatal(err)
			}
		}
		p, ok := d.Whole(msg, binary)
		if d.Pending() != waiting {
			t.Fatalf("Whole(%q) changed the decoder's wait", msg)
		}
		if !ok {
			return
		}
		if waiting || binary {
			t.Fatalf("Whole took %q (binary %v) while an attachment was due or for a binary message", msg, binary)
		}
		q, done, err := d.Add(msg, false)
		if err != nil || !done || q.Type != p.Type || q.Namespace != p.Namespace || q.ID != p.ID || q.HasID != p.HasID || !bytes.Equal(q.Data, p.Data) {
			t.Fatalf("Whole(%q) = %+v; Add = %+v, %v, %v", msg, p, q, done, err)
		}
	})
}

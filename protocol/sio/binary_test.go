package sio

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"
)

type inner struct {
	Blob []byte `json:"blob"`
	Note string `json:"note,omitempty"`
}

type Embedded struct {
	Shared string `json:"shared"`
}

type outer struct {
	Embedded
	Name    string          `json:"name"`
	Files   []inner         `json:"files"`
	Skip    []byte          `json:"-"`
	Raw     json.RawMessage `json:"raw"`
	Maybe   []byte          `json:"maybe,omitempty"`
	private []byte
}

func TestAppendJSON(t *testing.T) {
	tests := []struct {
		name     string
		in       any
		want     string
		wantAtts [][]byte
	}{
		{"top-level bytes", []byte{1, 2}, `{"_placeholder":true,"num":0}`, [][]byte{{1, 2}}},
		{"no binary", map[string]any{"b": 1, "a": "<&>"}, `{"a":"<&>","b":1}`, nil},
		{"list of args", []any{"x", []byte{1}, map[string]any{"k": []byte{2}}}, `["x",{"_placeholder":true,"num":0},{"k":{"_placeholder":true,"num":1}}]`, [][]byte{{1}, {2}}},
		{"nil bytes", []any{[]byte(nil)}, `[null]`, nil},
		{"raw message", []any{json.RawMessage(`{"z":1,"a":2}`)}, `[{"z":1,"a":2}]`, nil},
		{"struct at depth", outer{Embedded: Embedded{"s"}, Name: "n", Files: []inner{{Blob: []byte{9}}, {Blob: []byte{8}, Note: "b"}}, Skip: []byte{7}, Raw: json.RawMessage(`[1]`), private: []byte{6}},
			`{"shared":"s","name":"n","files":[{"blob":{"_placeholder":true,"num":0}},{"blob":{"_placeholder":true,"num":1},"note":"b"}],"raw":[1]}`, [][]byte{{9}, {8}}},
		{"pointer", &inner{Blob: []byte{5}}, `{"blob":{"_placeholder":true,"num":0}}`, [][]byte{{5}}},
		{"nil", nil, `null`, nil},
		{"array of bytes", [2][]byte{{1}, {2}}, `[{"_placeholder":true,"num":0},{"_placeholder":true,"num":1}]`, [][]byte{{1}, {2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, atts, err := AppendJSON(nil, tt.in, nil)
			if err != nil || string(got) != tt.want {
				t.Fatalf("AppendJSON(%#v) = %s, %v; want %s", tt.in, got, err, tt.want)
			}
			if len(atts) != len(tt.wantAtts) {
				t.Fatalf("AppendJSON(%#v) attachments = %v, want %v", tt.in, atts, tt.wantAtts)
			}
			for i := range atts {
				if !bytes.Equal(atts[i], tt.wantAtts[i]) {
					t.Errorf("attachment %d = %v, want %v", i, atts[i], tt.wantAtts[i])
				}
			}
		})
	}
	if _, _, err := AppendJSON(nil, []any{make(chan int)}, nil); err == nil {
		t.Error("AppendJSON(chan) accepted")
	}
}

func TestResolvePlaceholdersRoundTrip(t *testing.T) {
	in := outer{Name: "n", Files: []inner{{Blob: []byte{1, 2, 3}}, {Blob: []byte{}}}, Raw: json.RawMessage(`{}`)}
	data, atts, err := AppendJSON(nil, in, nil)
	if err != nil {
		t.Fatal(err)
	}
	resolved, err := ResolvePlaceholders(data, atts)
	if err != nil {
		t.Fatalf("ResolvePlaceholders(%s): %v", data, err)
	}
	var back outer
	if err := json.Unmarshal(resolved, &back); err != nil {
		t.Fatalf("Unmarshal(%s): %v", resolved, err)
	}
	if !bytes.Equal(back.Files[0].Blob, []byte{1, 2, 3}) || len(back.Files[1].Blob) != 0 || back.Name != "n" {
		t.Errorf("round trip = %+v", back)
	}
}

func TestResolvePlaceholders(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		atts    [][]byte
		want    string
		wantErr error
	}{
		{"none", `["a",1]`, nil, `["a",1]`, nil},
		{"one", `["a",{"_placeholder":true,"num":0}]`, [][]byte{{1, 2, 3, 4}}, `["a","AQIDBA=="]`, nil},
		{"order reversed", `[{"_placeholder":true,"num":1},{"num":0,"_placeholder":true}]`, [][]byte{{1}, {2}}, `["Ag==","AQ=="]`, nil},
		{"nested inside a placeholder", `[{"_placeholder":true,"num":0,"x":{"_placeholder":true,"num":1}}]`, [][]byte{{1}, {2}}, `["AQ=="]`, nil},
		{"placeholder false is data", `[{"_placeholder":false,"num":0}]`, nil, `[{"_placeholder":false,"num":0}]`, nil},
		{"out of range", `[{"_placeholder":true,"num":3}]`, [][]byte{{1}}, "", ErrIllegalAttachments},
		{"invalid json", `[`, nil, "", ErrInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ResolvePlaceholders([]byte(tt.in), tt.atts)
			if !errors.Is(err, tt.wantErr) || string(got) != tt.want {
				t.Errorf("ResolvePlaceholders(%s) = %s, %v; want %s, %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestAppendRenumbered(t *testing.T) {
	src := [][]byte{{1}, {2}, {3}}
	atts := [][]byte{{9}} // one attachment already in the new packet
	out, atts, err := AppendRenumbered([]byte("["), []byte(`{"a":{"_placeholder":true,"num":2},"b":[{"_placeholder":true,"num":0}]}`), src, atts)
	want := `[{"a":{"_placeholder":true,"num":1},"b":[{"_placeholder":true,"num":2}]}`
	if err != nil || string(out) != want {
		t.Fatalf("AppendRenumbered = %s, %v; want %s", out, err, want)
	}
	if len(atts) != 3 || atts[1][0] != 3 || atts[2][0] != 1 {
		t.Errorf("attachments = %v, want [9 3 1]", atts)
	}
	if _, _, err := AppendRenumbered(nil, []byte(`{"_placeholder":true,"num":5}`), src, nil); !errors.Is(err, ErrIllegalAttachments) {
		t.Errorf("out-of-range placeholder error = %v", err)
	}
	if _, _, err := AppendRenumbered(nil, []byte(`[`), src, nil); !errors.Is(err, ErrInvalidJSON) {
		t.Errorf("invalid JSON error = %v", err)
	}
}

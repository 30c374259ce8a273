package streamwire

import (
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// TestStreamRouting checks hashCode and the stream of a namespace against
// the Node adapter's own util.hashCode.
func TestStreamRouting(t *testing.T) {
	names := []string{"/", "/chat", "/admin", "/é", "/😀", "/a-much-longer-namespace-name-to-overflow"}
	script := `const { hashCode } = require("@socket.io/redis-streams-adapter/dist/util");
for (const n of process.argv.slice(1)) process.stdout.write(hashCode(n) + " " + (hashCode(n) % 3) + "\n");`
	out, err := exec.Command("node", append([]string{"-e", script}, names...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("node: %v\n%s", err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	for i, n := range names {
		f := strings.Fields(lines[i])
		want, _ := strconv.Atoi(f[0])
		if got := hashCode(n); int(got) != want {
			t.Errorf("hashCode(%q) = %d, want %d", n, got, want)
		}
		if got, want := Stream("socket.io", 3, n), "socket.io-"+f[1]; got != want {
			t.Errorf("Stream(%q, 3, %q) = %q, want %q", "socket.io", n, got, want)
		}
	}
}

func TestStreams(t *testing.T) {
	tests := []struct {
		count int
		want  []string
	}{
		{0, []string{"s"}},
		{1, []string{"s"}},
		{3, []string{"s-0", "s-1", "s-2"}},
	}
	for _, tt := range tests {
		if got := Streams("s", tt.count); !slices.Equal(got, tt.want) {
			t.Errorf("Streams(%q, %d) = %q, want %q", "s", tt.count, got, tt.want)
		}
		if got := Stream("s", tt.count, "/"); !slices.Contains(tt.want, got) {
			t.Errorf("Stream(%q, %d, %q) = %q, want one of %q", "s", tt.count, "/", got, tt.want)
		}
	}
}

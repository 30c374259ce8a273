// Command actorio-server runs Actorio: a demo chat by default, and the
// conformance and bench modes the test suites and the benchmark drive.
package main

import (
	"flag"
	"fmt"
	"os"
)

func main() {
	mode := flag.String("mode", "demo", "what to serve: demo, conformance or bench")
	addr := flag.String("addr", "127.0.0.1:3000", "listen address")
	flag.Parse()
	// The protocol codecs are done; the Engine.IO server (issue 3), the
	// Socket.IO layer (issue 4) and the demo (issue 6) are not yet.
	fmt.Fprintf(os.Stderr, "actorio-server: mode %q on %s is not available yet: the Engine.IO and Socket.IO server layers are still being built (see README)\n", *mode, *addr)
	os.Exit(2)
}

package testkit

import (
	"bufio"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

// Conn returns what ws.Dial buffered, then reads the connection itself,
// each read with its own deadline: never through the buffer, which would
// read the raw connection with none.
func TestConnReadsBufferedThenWithDeadline(t *testing.T) {
	client, server := net.Pipe()
	defer client.Close()
	defer server.Close()
	br := bufio.NewReader(io.MultiReader(strings.NewReader("early"), client))
	if _, err := br.Peek(5); err != nil { // as ws.Dial leaves frames that came with the 101
		t.Fatal(err)
	}
	c := Wrap(client, br)

	buf := make([]byte, 16)
	if n, err := c.Read(buf); err != nil || string(buf[:n]) != "early" {
		t.Fatalf("Read = %q, %v, want the buffered early", buf[:n], err)
	}
	defer func(d time.Duration) { readTimeout = d }(readTimeout)
	readTimeout = 10 * time.Millisecond
	done := make(chan error, 1)
	go func() {
		_, err := c.Read(buf)
		done <- err
	}()
	if err := Recv(t, done, "a read past its deadline"); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Errorf("Read with nothing to read = %v, want %v", err, os.ErrDeadlineExceeded)
	}
}

package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"io"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/actorio/actorio/internal/testkit"
	"github.com/gobwas/ws"
	"github.com/gobwas/ws/wsutil"
)

// -tls-cert and -tls-key: the server speaks HTTPS and WSS, HTTP/1.1 only
// (a WebSocket upgrade takes its connection over, which HTTP/2 cannot),
// and the official client joins the demo over both transports.
func TestTLSFlags(t *testing.T) {
	cert := testkit.SelfSignedCert(t)
	base := startTLSServer(t, cert)
	tlsConf := &tls.Config{RootCAs: cert.Pool, NextProtos: []string{"h2", "http/1.1"}}

	// HTTPS polling handshake; a client offering h2 gets HTTP/1.1.
	client := &http.Client{Timeout: testkit.Timeout, Transport: &http.Transport{TLSClientConfig: tlsConf, ForceAttemptHTTP2: true}}
	resp, err := client.Get(base + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.HasPrefix(body, []byte("0{")) || resp.Proto != "HTTP/1.1" {
		t.Errorf("GET polling handshake = %s %d %.40q, want HTTP/1.1 200 with an open packet", resp.Proto, resp.StatusCode, body)
	}

	// WSS: the open packet comes over the TLS connection.
	ctx, cancel := context.WithTimeout(context.Background(), testkit.Timeout)
	defer cancel()
	d := ws.Dialer{TLSConfig: &tls.Config{RootCAs: cert.Pool}}
	conn, br, _, err := d.Dial(ctx, "wss"+strings.TrimPrefix(base, "https")+"/socket.io/?EIO=4&transport=websocket")
	if err != nil {
		t.Fatalf("wss dial: %v", err)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(testkit.Timeout))
	var r io.Reader = conn
	if br != nil {
		r = io.MultiReader(br, conn)
	}
	open, _, err := wsutil.ReadServerData(struct {
		io.Reader
		io.Writer
	}{r, conn})
	if err != nil || !bytes.HasPrefix(open, []byte("0{")) {
		t.Errorf("wss open packet = %q, %v; want 0{...", open, err)
	}

	// The official client, over https and wss.
	if _, err := exec.LookPath("node"); err != nil {
		t.Fatalf("node not found on PATH (%v): the end-to-end tests need Node 20", err)
	}
	for _, tr := range []string{"polling", "websocket"} {
		t.Run(tr, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
			defer cancel()
			cmd := exec.CommandContext(ctx, "node", "../../testdata/e2e/limits_client.js", base, "demo", tr, cert.CertFile)
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			out, err := cmd.Output()
			if err != nil {
				t.Fatalf("node limits_client.js demo %s: %v\n%s", tr, err, stderr.String())
			}
			var res struct{ Event, Transport, Username string }
			sc := bufio.NewScanner(bytes.NewReader(out))
			for sc.Scan() {
				_ = json.Unmarshal(sc.Bytes(), &res)
			}
			if res.Event != "result" || res.Transport != tr || res.Username != "tls-"+tr {
				t.Errorf("client result = %+v, want transport %s and a welcome for tls-%s\n%s", res, tr, tr, out)
			}
		})
	}
}

// startTLSServer runs the demo with -tls-cert and -tls-key and returns its
// https:// base URL; it stops when the test ends.
func startTLSServer(t *testing.T, cert testkit.TLSCert) string {
	t.Helper()
	return "https://" + runDemo(t, "-client-dir", "", "-tls-cert", cert.CertFile, "-tls-key", cert.KeyFile)
}

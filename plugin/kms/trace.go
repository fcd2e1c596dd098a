package kms

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/iam"
)

// The CLI's trace (Client.Trace: "true" for stderr, or a file's path) in the layout of the IAM
// client's (plugin/iam/trace.go): REQUEST: and RESPONSE: dumps, with what looks secret hidden by
// iam.Redact (Authorization headers, JWTs, token fields) and the token itself hidden wherever
// it appears, plain or URL-escaped.

type tracer struct {
	rt     http.RoundTripper
	out    io.Writer
	secret string
}

func (c *Client) transport() http.RoundTripper {
	rt := http.RoundTripper(limitAnswers{http.DefaultTransport})
	var out io.Writer
	switch strings.ToLower(c.Trace) {
	case "", "false":
		return rt
	case "true":
		out = os.Stderr
	default:
		f, err := os.OpenFile(filepath.Clean(c.Trace), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintln(os.Stderr, i18n.T("Cannot write the trace to '{{.Path}}': {{.Error}}. Tracing to standard error instead.",
				map[string]any{"Path": iam.Redact(c.Trace), "Error": iam.Redact(errText(err))}))
			out = os.Stderr
		} else {
			out = f // closed when the process exits, after its last line
		}
	}
	return &tracer{rt: rt, out: out, secret: c.jwt()}
}

func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	if dump, err := httputil.DumpRequestOut(req, false); err == nil {
		t.print(fmt.Sprintf("\n%s [%s]\n", i18n.T("REQUEST:"), start.Format(time.RFC3339)), dump)
	}
	resp, err := t.rt.RoundTrip(req)
	if err != nil {
		return resp, err
	}
	end := time.Now()
	dump, dumpErr := httputil.DumpResponse(resp, true)
	if dumpErr != nil {
		// The answer could not be read whole (cut short, or over the limit): say so, and
		// leave the error for the client to classify.
		dump = []byte(resp.Status + "\n" + dumpErr.Error())
	}
	t.print(fmt.Sprintf("\n%s [%s] %s %.0fms\n", i18n.T("RESPONSE:"), end.Format(time.RFC3339), i18n.T("Elapsed:"), end.Sub(start).Seconds()*1000), dump)
	return resp, err
}

var printMu sync.Mutex

func (t *tracer) print(head string, dump []byte) {
	text := string(dump)
	if t.secret != "" {
		text = strings.ReplaceAll(strings.ReplaceAll(text, t.secret, hidden), url.QueryEscape(t.secret), hidden)
	}
	text = iam.Redact(text)
	printMu.Lock()
	defer printMu.Unlock()
	_, _ = io.WriteString(t.out, head+text+"\n")
}

package httpcall

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/kp-token/kp-token/i18n"
)

// The CLI's trace (IBMCLOUD_TRACE=true for stderr, or a file's path) is written here rather than
// through the SDK's trace logger, in the same REQUEST:/RESPONSE: layout: the SDK's trace package
// links its terminal package (go-pretty, go-runewidth, x/text/width), whose initialisation at
// every shell start cost more than kp-token's whole start-up budget (env / sdkfloor went from
// 1.04 to 1.21), and its patterns let secrets through (`"access_token" : "…"` with a space).

// Hidden stands where a secret was.
const Hidden = "[PRIVATE DATA HIDDEN]"

// Hide replaces secret wherever it appears in s, as sent or URL-encoded (as a form carries it):
// for a server's words quoted in a message, which may echo the secret it was sent, and for the
// trace. The one place that knows a secret's spellings.
func Hide(s, secret string) string {
	if secret == "" {
		return s
	}
	s = strings.ReplaceAll(s, secret, Hidden)
	if esc := url.QueryEscape(secret); esc != secret {
		s = strings.ReplaceAll(s, esc, Hidden)
	}
	if esc := url.PathEscape(secret); esc != secret {
		s = strings.ReplaceAll(s, esc, Hidden)
	}
	return s
}

// warned holds the trace paths already said to be unusable; warnTo is where that is said.
var (
	warned sync.Map
	warnTo io.Writer = os.Stderr
)

// tracer dumps requests and answers with every secret hidden.
type tracer struct {
	rt  http.RoundTripper
	out io.Writer

	mu      sync.Mutex
	secrets []string // the exact values to hide wherever they appear, such as the key sent
}

// newTracer returns rt traced as setting asks ("true": stderr; a path: that file, appended to),
// or rt itself when tracing is off or the file cannot be used (openTrace).
func newTracer(rt http.RoundTripper, setting string, secrets ...string) http.RoundTripper {
	var out io.Writer
	switch strings.ToLower(setting) {
	case "", "false":
		return rt
	case "true":
		out = os.Stderr
	default:
		f, err := openTrace(filepath.Clean(setting))
		if err != nil {
			// No trace rather than a hang or a write elsewhere; said once per run, not at
			// every call.
			if _, said := warned.LoadOrStore(setting, true); !said {
				fmt.Fprintln(warnTo, i18n.T("Cannot write the trace to '{{.Path}}': {{.Error}}. No trace is written. Give the path of a regular file of yours, or true for standard error ('ibmcloud config --trace' or IBMCLOUD_TRACE).",
					map[string]any{"Path": Redact(setting), "Error": Redact(err.Error())}))
			}
			return rt
		}
		out = f // closed when the process exits, after its last line
	}
	return &tracer{rt: rt, out: out, secrets: secrets}
}

func (t *tracer) RoundTrip(req *http.Request) (*http.Response, error) {
	start := time.Now()
	if dump, err := httputil.DumpRequestOut(req, true); err == nil {
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
	if _, body, ok := bytes.Cut(dump, []byte("\r\n\r\n")); ok {
		// The secrets of the answer by value, however its JSON spells their names (a
		// "refresh_\u0074oken" decodes as the refresh token too).
		if found := secretValues(body); len(found) > 0 {
			t.mu.Lock()
			t.secrets = append(t.secrets, found...)
			t.mu.Unlock()
		}
	}
	t.print(fmt.Sprintf("\n%s [%s] %s %.0fms\n", i18n.T("RESPONSE:"), end.Format(time.RFC3339), i18n.T("Elapsed:"), end.Sub(start).Seconds()*1000), dump)
	return resp, err
}

// secretValues are the string values of JSON fields named for a token, key, password or secret,
// at any depth of a JSON body.
func secretValues(body []byte) []string {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return nil
	}
	var out []string
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(k, x)
			}
		case []any:
			for _, x := range v {
				walk(key, x)
			}
		case string:
			k := strings.ToLower(key)
			for _, word := range []string{"token", "key", "password", "passcode", "secret"} {
				if strings.Contains(k, word) && len(v) >= 8 { // not "Bearer", a token_type
					out = append(out, v)
					break
				}
			}
		}
	}
	walk("", v)
	return out
}

// printMu keeps the lines of concurrent calls' dumps apart.
var printMu sync.Mutex

func (t *tracer) print(head string, dump []byte) {
	text := Redact(string(dump))
	t.mu.Lock()
	for _, s := range t.secrets {
		text = Hide(text, s)
	}
	t.mu.Unlock()
	printMu.Lock()
	defer printMu.Unlock()
	_, _ = io.WriteString(t.out, head+text+"\n")
}

var (
	redactOnce sync.Once
	redactions []redaction
)

type redaction struct {
	re   *regexp.Regexp
	with string
}

// Redact hides what looks secret in traced text and makes it safe for a terminal: the SDK's
// patterns (Authorization headers, token=, apikey=, password= fields, JSON fields named for a
// token, key or password) with any spacing around the colon, and anything shaped like a JWT.
// Control characters other than newline and tab are escaped, so an answer cannot put escape
// sequences on the user's terminal.
func Redact(s string) string {
	redactOnce.Do(func() {
		redactions = []redaction{
			{regexp.MustCompile(`(?mi)^(Authorization|X-Auth\S*):.*$`), "$1: " + Hidden},
			{regexp.MustCompile(`(?i)([a-z_]*(?:password|token|apikey|passcode)[a-z_]*)=[^&\s]*`), "$1=" + Hidden},
			{regexp.MustCompile(`(?i)("[^"]*(?:password|token|apikey|passcode)[^"]*"\s*:\s*)"(?:[^"\\]|\\.)*"`), `$1"` + Hidden + `"`},
			{regexp.MustCompile(`[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}`), Hidden},
		}
	})
	for _, r := range redactions {
		s = r.re.ReplaceAllString(s, r.with)
	}
	var b strings.Builder
	for _, r := range strings.ReplaceAll(s, "\r\n", "\n") { // dumps end header lines with CRLF
		switch {
		case r == '\n' || r == '\t':
			b.WriteRune(r)
		case r < 0x20 || r == 0x7f || r >= 0x80 && r < 0xa0:
			fmt.Fprintf(&b, `\x%02x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

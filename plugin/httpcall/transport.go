// Package httpcall is the HTTP plumbing kp-token's clients share (IAM's token endpoint in
// plugin/iam, the Resource Controller in plugin/kms): one deadline for every try of a call,
// retries of what another try can fix (honouring Retry-After), a cap on answers, no redirects (a
// secret is never sent elsewhere), and the CLI's trace with every secret hidden. What a failure
// means, and what the user is told, stays with each client: httpcall says nothing to the user
// but the trace.
package httpcall

import (
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// MaxAnswer bounds what is read of one answer: IAM's are a few kilobytes, a page of 100
// Resource Controller records some tens of kilobytes, and a proxy or portal that streams
// without end must not fill the memory of every starting shell.
const MaxAnswer = 1 << 20

// ErrAnswerTooLarge is the error of a read past MaxAnswer.
var ErrAnswerTooLarge = errors.New("the answer is larger than 1 MiB")

// transport is the stack every request of a call goes through, from the top: the Retry-After
// recorder, the trace (when the setting asks for it), the answer limit, http.DefaultTransport.
// The limit is under everything, so that the trace, which reads whole answers, is bounded too.
type transport struct {
	rt http.RoundTripper
	mu sync.Mutex
	d  time.Duration
}

func newTransport(trace string, secrets ...string) *transport {
	return &transport{rt: newTracer(limitAnswers{http.DefaultTransport}, trace, secrets...)}
}

// RoundTrip remembers the Retry-After of the answer (none after a failure), which the SDK's
// clients do not pass on.
func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.rt.RoundTrip(req)
	var d time.Duration
	if err == nil {
		d = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	t.mu.Lock()
	t.d = d
	t.mu.Unlock()
	return resp, err
}

// retryAfter is the wait the latest answer asked for, or 0.
func (t *transport) retryAfter() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.d
}

// parseRetryAfter reads either form of the header: delay-seconds or an HTTP date.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if secs, err := strconv.Atoi(strings.TrimSpace(v)); err == nil {
		if secs < 0 {
			return 0
		}
		return time.Duration(min(secs, 3600)) * time.Second // no overflow; any bound is shorter
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// limitAnswers is the transport under everything else: every answer body it returns is limited
// to MaxAnswer.
type limitAnswers struct{ rt http.RoundTripper }

func (l limitAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.rt.RoundTrip(req)
	if err == nil {
		resp.Body = &limitedBody{ReadCloser: resp.Body, left: MaxAnswer}
	}
	return resp, err
}

// limitedBody fails a read past MaxAnswer, so the answer is refused (not retried) instead of
// read whole. The failure stays: the trace's dump has read the body before the client does.
type limitedBody struct {
	io.ReadCloser
	left int64
	over bool
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.over {
		return 0, ErrAnswerTooLarge
	}
	if b.left <= 0 {
		// One byte more tells a body of exactly MaxAnswer from a longer one.
		var one [1]byte
		if _, err := io.ReadFull(b.ReadCloser, one[:]); err != nil {
			return 0, err // io.EOF at the end of a body of exactly MaxAnswer
		}
		b.over = true
		return 0, ErrAnswerTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// noRedirects makes a redirect an answer of its own: neither IAM's token endpoint nor the
// Resource Controller redirects, and following one would send the refresh token, API key or
// access token to another address.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

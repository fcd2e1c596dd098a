package kms

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"
)

// The same limits as the IAM client's (plugin/iam/retry.go), which keeps its own unexported.

// maxAttempts caps the tries of one request: a persistent outage should fail in seconds, not
// hold a starting shell for the whole bound.
const maxAttempts = 4

// firstBackoff doubles after each failed try. A variable for tests only.
var firstBackoff = 250 * time.Millisecond

// DefaultTimeout bounds the calls of a context that has no deadline of its own.
const DefaultTimeout = 30 * time.Second

// maxAnswer bounds what is read of one answer: a page of 100 records is some tens of
// kilobytes, and a proxy that streams without end must not fill the memory of a starting shell.
const maxAnswer = 1 << 20

var errAnswerTooLarge = errors.New("the answer is larger than 1 MiB")

// get asks for u with the token, until the answer is 200 or a failure another try cannot fix:
// 429, 5xx and connection resets are tried again (at most maxAttempts tries, waiting as
// Retry-After asks, else firstBackoff doubling) while the context's deadline allows.
func (c *Client) get(ctx context.Context, endpoint, u, ref string) ([]byte, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, DefaultTimeout)
		defer cancel()
	}
	deadline, _ := ctx.Deadline()
	rec := &retryAfter{rt: c.transport()}
	hc := &http.Client{Transport: rec, CheckRedirect: noRedirects}
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		if time.Until(deadline) <= 0 || ctx.Err() != nil {
			kind := Timeout
			if attempt == 1 {
				kind = NoTimeLeft // the Resource Controller was never asked: it is not to blame
			}
			return nil, &Error{Kind: kind, Ref: ref, Endpoint: endpoint, Bound: c.Bound}
		}
		status, body, err := c.once(ctx, hc, u)
		if err == nil && status == http.StatusOK {
			return body, nil
		}
		e := c.classify(endpoint, ref, status, body, err)
		if attempt == maxAttempts || !retryable(e, err) {
			return nil, e
		}
		wait := backoff
		if d := rec.last(); d > 0 {
			wait = d
		}
		if wait >= time.Until(deadline) {
			return nil, e // the bound does not allow another try: say what was answered now
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return nil, e
		case <-timer.C:
		}
		backoff *= 2
	}
}

// once makes one request: the status and body of the answer, or why there is none.
func (c *Client) once(ctx context.Context, hc *http.Client, u string) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.jwt())
	req.Header.Set("Accept", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return resp.StatusCode, body, err
}

// classify sorts a failed request into a kind, with the Resource Controller's words cleaned of
// the token.
func (c *Client) classify(endpoint, ref string, status int, body []byte, err error) *Error {
	e := &Error{Ref: ref, Endpoint: endpoint, Bound: c.Bound, Status: status}
	var netErr net.Error
	switch {
	case errors.Is(err, errAnswerTooLarge):
		e.Kind = BadAnswer
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled), errors.As(err, &netErr) && netErr.Timeout():
		e.Kind = Timeout
	case err != nil && status != 0:
		e.Kind = BadAnswer // cut short mid-answer
		e.Err = err
	case err != nil:
		e.Kind = Unreachable
		e.Err = innermost(err)
	default:
		e.Code, e.Message = answerDetail(body, c.jwt())
		e.Kind = byStatus(status)
	}
	return e
}

func byStatus(status int) Kind {
	switch {
	case status < 400:
		return BadAnswer // a redirect, which is not followed, or another answer without records
	case status == http.StatusUnauthorized:
		return Unauthorized
	case status == http.StatusForbidden:
		return Forbidden
	case status == http.StatusNotFound:
		return NotFound
	case status == http.StatusTooManyRequests || status >= 500:
		return Unavailable
	}
	return Refused
}

// answerDetail reads the Resource Controller's error JSON ({"error_code", "message"}, or
// {"errors": [{"code", "message"}]}), without the token if it were echoed.
func answerDetail(body []byte, token string) (code, message string) {
	var a struct {
		ErrorCode string `json:"error_code"`
		Message   string `json:"message"`
		Errors    []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if json.Unmarshal(body, &a) != nil {
		return "", ""
	}
	code, message = a.ErrorCode, a.Message
	if len(a.Errors) > 0 && code == "" && message == "" {
		code, message = a.Errors[0].Code, a.Errors[0].Message
	}
	return hide(code, token), hide(message, token)
}

func retryable(e *Error, err error) bool {
	switch e.Kind {
	case Unavailable:
		return true
	case Unreachable, BadAnswer:
		// A reset or a connection cut mid-answer; a refused connection or an unknown host
		// would fail the same way again.
		return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
	}
	return false
}

// innermost drops the request line ("Get \"https://…\": ") from a transport error and keeps
// the reason, such as "connect: connection refused".
func innermost(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}

// noRedirects makes a redirect an answer of its own: following one would send the token to
// another address.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// limitedBody fails a read past maxAnswer, so the answer is refused (not retried) instead of
// read whole.
type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		// One byte more tells a body of exactly maxAnswer from a longer one.
		var one [1]byte
		if n, _ := b.ReadCloser.Read(one[:]); n == 0 {
			return 0, io.EOF
		}
		return 0, errAnswerTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// limitAnswers is the transport under the trace: every answer body it returns is limited to
// maxAnswer.
type limitAnswers struct{ rt http.RoundTripper }

func (l limitAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.rt.RoundTrip(req)
	if err == nil {
		resp.Body = &limitedBody{ReadCloser: resp.Body, left: maxAnswer}
	}
	return resp, err
}

// retryAfter is a transport that remembers the Retry-After of the latest answer.
type retryAfter struct {
	rt http.RoundTripper
	mu sync.Mutex
	d  time.Duration
}

func (r *retryAfter) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.rt.RoundTrip(req)
	var d time.Duration
	if err == nil {
		d = parseRetryAfter(resp.Header.Get("Retry-After"), time.Now())
	}
	r.mu.Lock()
	r.d = d
	r.mu.Unlock()
	return resp, err
}

func (r *retryAfter) last() time.Duration {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.d
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

// hide replaces secret wherever it appears in s.
func hide(s, secret string) string {
	if secret == "" {
		return s
	}
	return strings.ReplaceAll(s, secret, hidden)
}

const hidden = "[PRIVATE DATA HIDDEN]"

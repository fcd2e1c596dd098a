package iam

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"sync"
	"syscall"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/authentication"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/authentication/iam"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/common/rest"
)

// maxAttempts caps the tries of one refresh: a persistent outage should fail in seconds, not
// hold a starting shell for the whole bound.
const maxAttempts = 4

// firstBackoff doubles after each failed try. No jitter: the single-flight lock means one
// process per machine talks to IAM, so there is no herd to spread.
const firstBackoff = 250 * time.Millisecond

// call asks IAM's token endpoint for a token with the SDK's client, as retry tries.
func (c *Client) call(ctx context.Context, g Grant, req *authentication.TokenRequest, secret string) (*iam.Token, error) {
	var answer *iam.Token
	err := c.retry(ctx, g, c.Endpoint, secret, func(rc *rest.Client) error {
		var err error
		answer, err = iam.NewClient(iam.DefaultConfig(c.Endpoint), rc).GetToken(req)
		return err
	})
	return answer, err
}

// retry runs try with a REST client whose every request ends by the deadline, goes through the
// answer limit and the trace, and follows no redirect. It tries again what another try can fix
// (5xx, 429, a connection reset), waiting as the server's Retry-After asks when it does, for as
// long as the deadline allows; it never retries a refusal. endpoint is where try goes, for
// messages.
func (c *Client) retry(ctx context.Context, g Grant, endpoint, secret string, try func(*rest.Client) error) error {
	rec := &retryAfter{rt: c.transport(secret)}
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		remaining := time.Until(deadline(ctx))
		if remaining <= 0 {
			kind := Timeout
			if attempt == 1 {
				kind = NoTimeLeft // the server was never asked: it is not to blame
			}
			return &Error{Kind: kind, Grant: g, Endpoint: endpoint, Bound: c.Bound, BoundBy: c.BoundBy}
		}
		err := try(&rest.Client{
			HTTPClient:    &http.Client{Timeout: remaining, Transport: rec, CheckRedirect: noRedirects},
			DefaultHeader: make(http.Header),
		})
		if err == nil {
			return nil
		}
		e := c.classify(g, endpoint, err, secret)
		if attempt == maxAttempts || !retryable(e, err) {
			return e
		}
		wait := backoff
		if d := rec.last(); d > 0 {
			wait = d
		}
		if wait >= time.Until(deadline(ctx)) {
			return e // the bound does not allow another try: say what the server said now
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return e
		case <-timer.C:
		}
		backoff *= 2
	}
}

func deadline(ctx context.Context) time.Time {
	d, _ := ctx.Deadline()
	return d
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

// retryAfter is a transport that remembers the Retry-After of the latest answer, which the
// SDK's IAM client does not pass on.
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
	if secs, err := strconv.Atoi(v); err == nil {
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

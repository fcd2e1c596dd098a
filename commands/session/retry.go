package session

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

	"github.com/kp-token/kp-token/commands/token"
)

// maxAttempts caps the tries of one refresh: a persistent outage should fail in seconds, not
// hold a starting shell for the whole bound.
const maxAttempts = 4

// firstBackoff doubles after each failed try. No jitter: the single-flight lock means one
// process per machine talks to IAM, so there is no herd to spread.
const firstBackoff = 250 * time.Millisecond

// exchange trades the refresh token at IAM with the SDK's client. It retries what another
// try can fix (5xx, 429, a connection reset), waiting as IAM's Retry-After asks when it does,
// for as long as the bound allows; it never retries a refusal.
//
// It returns the checked access token and the refresh token to keep.
func (s *Source) exchange(ctx context.Context, endpoint, refresh string, bound time.Duration) (token.Token, string, error) {
	answer, err := callIAM(ctx, s.transport(), endpoint, iam.RefreshTokenRequest(refresh), bound)
	if err != nil {
		return token.Token{}, "", err
	}
	fresh, err := checkAnswer(answer.AccessToken, endpoint, s.now())
	if err != nil {
		return token.Token{}, "", err
	}
	if answer.RefreshToken != "" {
		refresh = answer.RefreshToken
	}
	return fresh, refresh, nil
}

// checkAnswer checks the access token IAM issued: a JWT that says when it expires, and not
// already expired. Printed, one without an expiry would be refreshed at every run; one that
// looks expired on arrival means this machine's clock is wrong, which the user must hear.
func checkAnswer(access, endpoint string, now time.Time) (token.Token, error) {
	t, err := token.Parse(access)
	if err != nil || t.Expiry.IsZero() {
		return token.Token{}, &Error{Kind: BadAnswer, Endpoint: endpoint}
	}
	if !t.Expiry.After(now) {
		return token.Token{}, &Error{Kind: AnswerExpired, Endpoint: endpoint, Expiry: t.Expiry}
	}
	return t, nil
}

// maxAnswer bounds what is read of one answer: IAM's are a few kilobytes, and a proxy or
// portal that streams without end must not fill the memory of every starting shell.
const maxAnswer = 1 << 20

var errAnswerTooLarge = errors.New("the answer is larger than 1 MiB")

// limitedBody fails a read past maxAnswer, so the answer is refused (not retried) instead of
// read whole.
type limitedBody struct {
	io.ReadCloser
	left int64
}

func (b *limitedBody) Read(p []byte) (int, error) {
	if b.left <= 0 {
		return 0, errAnswerTooLarge
	}
	if int64(len(p)) > b.left {
		p = p[:b.left]
	}
	n, err := b.ReadCloser.Read(p)
	b.left -= int64(n)
	return n, err
}

// limitAnswers is the transport under everything else (the SDK's trace logger reads whole
// answers too): every answer body it returns is limited to maxAnswer.
type limitAnswers struct{ rt http.RoundTripper }

func (l limitAnswers) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := l.rt.RoundTrip(req)
	if err == nil {
		resp.Body = &limitedBody{ReadCloser: resp.Body, left: maxAnswer}
	}
	return resp, err
}

// noRedirects makes a redirect an answer of its own: IAM's token endpoint never redirects,
// and following one would send the refresh token or API key to another address.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// callIAM asks IAM's token endpoint for a token with the SDK's client, retrying as described
// above.
func callIAM(ctx context.Context, rt http.RoundTripper, endpoint string, req *authentication.TokenRequest, bound time.Duration) (*iam.Token, error) {
	rec := &retryAfter{rt: rt}
	backoff := firstBackoff
	for attempt := 1; ; attempt++ {
		remaining := time.Until(deadline(ctx))
		if remaining <= 0 {
			return nil, &Error{Kind: Timeout, Endpoint: endpoint, Bound: bound}
		}
		client := iam.NewClient(iam.DefaultConfig(endpoint), &rest.Client{
			HTTPClient:    &http.Client{Timeout: remaining, Transport: rec, CheckRedirect: noRedirects},
			DefaultHeader: make(http.Header),
		})
		answer, err := client.GetToken(req)
		if err == nil {
			return answer, nil
		}
		e := classify(err, endpoint, bound).(*Error)
		if attempt == maxAttempts || !retryable(e, err) {
			return nil, e
		}
		wait := backoff
		if d := rec.last(); d > 0 {
			wait = d
		}
		if wait >= time.Until(deadline(ctx)) {
			return nil, e // the bound does not allow another try: say what IAM said now
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

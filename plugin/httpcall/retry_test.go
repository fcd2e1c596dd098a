package httpcall

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var errLate = errors.New("out of time")

// retry is a Retry whose OutOfTime records whether no try was made.
func retry(first *bool) Retry {
	return Retry{FirstBackoff: 10 * time.Millisecond, OutOfTime: func(f bool) error {
		*first = f
		return errLate
	}}
}

func within(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// server answers with status (and Retry-After when after is set), counting the requests.
func server(t *testing.T, status int, after string) (*httptest.Server, *atomic.Int32) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		if after != "" {
			w.Header().Set("Retry-After", after)
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(srv.Close)
	return srv, &calls
}

// get is a try that fails, and asks for another, on any answer but 200.
func get(u string) func(*http.Client) (bool, error) {
	return func(hc *http.Client) (bool, error) {
		resp, err := hc.Get(u)
		if err != nil {
			return Transient(err), err
		}
		_ = resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return true, fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		return false, nil
	}
}

func TestNoTimeLeftMakesNoTry(t *testing.T) {
	expired, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel()
	for name, ctx := range map[string]context.Context{"expired": expired, "no deadline": context.Background()} {
		var first bool
		tries := 0
		err := retry(&first).Do(ctx, func(*http.Client) (bool, error) { tries++; return false, nil })
		assert.ErrorIs(t, err, errLate, name)
		assert.True(t, first, "%s: not the server's fault", name)
		assert.Zero(t, tries, name)
	}
}

func TestRetriesAtMostMaxAttemptsWithBackoff(t *testing.T) {
	srv, calls := server(t, http.StatusServiceUnavailable, "")
	var first bool
	start := time.Now()
	err := retry(&first).Do(within(t, 10*time.Second), get(srv.URL))
	assert.EqualError(t, err, "HTTP 503", "the last failure")
	assert.EqualValues(t, MaxAttempts, calls.Load())
	assert.GreaterOrEqual(t, time.Since(start), 70*time.Millisecond, "10, 20 and 40 ms between the tries")
}

func TestAFailureThatCannotPassIsNotRetried(t *testing.T) {
	var first bool
	tries := 0
	err := retry(&first).Do(within(t, 10*time.Second), func(*http.Client) (bool, error) {
		tries++
		return false, errors.New("refused")
	})
	assert.EqualError(t, err, "refused")
	assert.Equal(t, 1, tries)
}

func TestRetryAfterIsHonoured(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if calls.Add(1) == 1 {
			w.Header().Set("Retry-After", "1")
			w.WriteHeader(http.StatusTooManyRequests)
		}
	}))
	defer srv.Close()
	var first bool
	start := time.Now()
	require.NoError(t, retry(&first).Do(within(t, 10*time.Second), get(srv.URL)))
	assert.EqualValues(t, 2, calls.Load())
	assert.GreaterOrEqual(t, time.Since(start), time.Second)
}

// Neither the 60 s asked for nor the rest of the bound is waited: a wait that cannot end before
// the deadline is not begun, and the answer at hand is the failure.
func TestAWaitPastTheDeadlineIsNotBegun(t *testing.T) {
	srv, calls := server(t, http.StatusTooManyRequests, "60")
	var first bool
	start := time.Now()
	err := retry(&first).Do(within(t, 20*time.Second), get(srv.URL))
	assert.EqualError(t, err, "HTTP 429")
	assert.EqualValues(t, 1, calls.Load())
	assert.Less(t, time.Since(start), 10*time.Second)
}

// Each try's client ends by the deadline and follows no redirect.
func TestTheClientOfATry(t *testing.T) {
	other, otherCalls := server(t, http.StatusOK, "")
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, other.URL, http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	var first bool
	ctx := within(t, 5*time.Second)
	deadline, _ := ctx.Deadline()
	before := time.Now()
	err := retry(&first).Do(ctx, func(hc *http.Client) (bool, error) {
		// What was left of the bound when the client was made: no more than before Do, no
		// less than now.
		assert.LessOrEqual(t, hc.Timeout, deadline.Sub(before))
		assert.GreaterOrEqual(t, hc.Timeout, time.Until(deadline))
		resp, err := hc.Get(srv.URL)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, http.StatusTemporaryRedirect, resp.StatusCode)
		return false, nil
	})
	require.NoError(t, err)
	assert.Zero(t, otherCalls.Load(), "the redirect's target is never asked")
}

// The secrets given are hidden from the trace, plain or URL-escaped.
func TestDoTracesWithoutTheSecrets(t *testing.T) {
	srv, _ := server(t, http.StatusOK, "")
	file := filepath.Join(t.TempDir(), "trace.log")
	secret := "opaque/secret+value"
	r := Retry{Trace: file, Secrets: []string{secret}, OutOfTime: func(bool) error { return errLate }}
	require.NoError(t, r.Do(within(t, 5*time.Second), get(srv.URL+"/?q="+url.QueryEscape(secret)+"&p="+secret)))
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.Contains(t, string(b), "REQUEST:")
	assert.NotContains(t, string(b), secret)
	assert.NotContains(t, string(b), url.QueryEscape(secret))
}

func TestInnermost(t *testing.T) {
	_, err := (&net.Dialer{}).Dial("tcp", "127.0.0.1:1")
	require.Error(t, err)
	wrapped := &url.Error{Op: "Post", URL: "https://iam.example", Err: err}
	assert.NotContains(t, Innermost(wrapped).Error(), "iam.example")
	assert.Contains(t, Innermost(wrapped).Error(), "connection refused")
	assert.Equal(t, "plain", Innermost(fmt.Errorf("a: %w", errors.New("plain"))).Error())
}

package httpcall

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"
)

// MaxAttempts caps the tries of one call: a persistent outage should fail in seconds, not hold
// a starting shell for the whole bound.
const MaxAttempts = 4

// DefaultTimeout bounds a run, and the calls of a context without a deadline of its own, when
// nothing else does (no --timeout, no HTTP timeout in the CLI's configuration).
const DefaultTimeout = 30 * time.Second

// FirstBackoff is the wait after the first failed try; it doubles after each. No jitter: a
// refresh runs under the single-flight lock (one process per machine talks to IAM) and a lookup
// is one command's, so there is no herd to spread.
const FirstBackoff = 250 * time.Millisecond

// Retry is how one call is tried: see Do.
type Retry struct {
	// Trace is the CLI's trace setting: "true" (stderr), a file's path, or "" or "false" (off).
	Trace string
	// Secrets are the exact values to hide from the trace wherever they appear, plain or
	// URL-escaped, such as the key or token sent. Those of the answers (JSON fields named for a
	// token, key, password or secret) are hidden by value too, and all that Redact hides.
	Secrets []string
	// FirstBackoff replaces the package's FirstBackoff when not 0 (for tests).
	FirstBackoff time.Duration
	// OutOfTime is the error when ctx's deadline has passed before a try; first says that no
	// try was made, so the server is not to blame. It must be set.
	OutOfTime func(first bool) error
}

// Do runs try until it succeeds, or fails in a way another try cannot fix (try says which by
// again), at most MaxAttempts times, while ctx's deadline allows: a context without a deadline
// has no time at all. Each try gets a client whose every request ends by the deadline, goes
// through the answer limit (MaxAnswer), the Retry-After recorder and the trace, and follows no
// redirect. Between tries Do waits as the latest answer's Retry-After asks, else FirstBackoff
// doubling; a wait that would pass the deadline is not begun, and the last failure is returned
// at once, as it is when ctx ends during a wait.
func (r Retry) Do(ctx context.Context, try func(*http.Client) (again bool, err error)) error {
	deadline, _ := ctx.Deadline()
	rt := newTransport(r.Trace, r.Secrets...)
	backoff := r.FirstBackoff
	if backoff == 0 {
		backoff = FirstBackoff
	}
	for attempt := 1; ; attempt++ {
		remaining := time.Until(deadline)
		if remaining <= 0 || ctx.Err() != nil {
			return r.OutOfTime(attempt == 1)
		}
		again, err := try(&http.Client{Timeout: remaining, Transport: rt, CheckRedirect: noRedirects})
		if err == nil {
			return nil
		}
		if attempt == MaxAttempts || !again {
			return err
		}
		wait := backoff
		if d := rt.retryAfter(); d > 0 {
			wait = d
		}
		if wait >= time.Until(deadline) {
			return err // the bound does not allow another try: say what was answered now
		}
		timer := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			timer.Stop()
			return err
		case <-timer.C:
		}
		backoff *= 2
	}
}

// Again says whether another try may fix a failed call: the server was unavailable (429 or
// 5xx), or the transport failed (no answer, or one cut short) in a way that is Transient.
func Again(unavailable, transportFailed bool, err error) bool {
	return unavailable || transportFailed && Transient(err)
}

// ErrText is err's text, or "" for nil: what a message shows of a cause that may be missing.
func ErrText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// Transient says whether a transport failure may pass on another try: a connection reset, or
// one cut mid-answer. A refused connection or an unknown host would fail the same way again.
func Transient(err error) bool {
	return errors.Is(err, syscall.ECONNRESET) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// Innermost drops the request line ("Post \"https://…\": ") from a transport error and keeps
// the reason, such as "connect: connection refused".
func Innermost(err error) error {
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

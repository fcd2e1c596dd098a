package httpcall

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 23, 12, 0, 0, 0, time.UTC)
	assert.Equal(t, time.Duration(0), parseRetryAfter("", now))
	assert.Equal(t, 3*time.Second, parseRetryAfter("3", now))
	assert.Equal(t, 3*time.Second, parseRetryAfter(" 3 ", now))
	assert.Equal(t, time.Hour, parseRetryAfter("86400", now), "capped")
	assert.Equal(t, time.Duration(0), parseRetryAfter("-3", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("soon", now))
	assert.Equal(t, 90*time.Second, parseRetryAfter("Mon, 23 Nov 2026 12:01:30 GMT", now))
	assert.Equal(t, time.Duration(0), parseRetryAfter("Mon, 23 Nov 2026 11:00:00 GMT", now), "a date in the past")
}

// An answer of exactly MaxAnswer is read whole; one byte more is refused, also through the
// trace, which reads whole answers.
func TestAnswerLimit(t *testing.T) {
	for _, trace := range []string{"", t.TempDir() + "/trace.log"} {
		for size, want := range map[int]error{MaxAnswer: nil, MaxAnswer + 1: ErrAnswerTooLarge} {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
				_, _ = w.Write([]byte(strings.Repeat("x", size)))
			}))
			req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
			require.NoError(t, err)
			resp, err := newTransport(trace).RoundTrip(req)
			require.NoError(t, err)
			b, err := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			srv.Close()
			if want == nil {
				require.NoError(t, err, "trace %q", trace)
				assert.Len(t, b, size)
			} else {
				assert.True(t, errors.Is(err, want), "trace %q: %v", trace, err)
				assert.LessOrEqual(t, len(b), MaxAnswer)
			}
		}
	}
}

// The transport remembers the latest answer's Retry-After, and forgets it with the next.
func TestTransportRemembersRetryAfter(t *testing.T) {
	after := "2"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		if after != "" {
			w.Header().Set("Retry-After", after)
		}
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	rt := newTransport("")
	for _, want := range []time.Duration{2 * time.Second, 0} {
		req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
		require.NoError(t, err)
		resp, err := rt.RoundTrip(req)
		require.NoError(t, err)
		_ = resp.Body.Close()
		assert.Equal(t, want, rt.retryAfter())
		after = ""
	}
}

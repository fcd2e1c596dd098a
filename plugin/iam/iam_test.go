package iam_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/token"
)

// The secrets the tests send; no error text and no trace may hold them.
const (
	refreshToken = "secret-refresh-token-0123456789"
	apiKey       = "SecretAPIKey0123456789abcdefghijklmnopqrstu"
	// answerRefresh is the refresh token in IAM's unusable answers.
	answerRefresh = "secret-answer-refresh-0123456789"
)

// deadline is a context that ends after d, as the run's deadline does.
func deadline(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

func newServer(t *testing.T) *iamtest.Server {
	srv := iamtest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

func iamError(status int, code, msg string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, status, code, msg) }
}

func answer(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(body))
	}
}

// failing answers with fail for the first n calls, then as IAM does.
func failing(s *iamtest.Server, n int, fail http.HandlerFunc) http.HandlerFunc {
	calls := 0 // the server's handler runs one request at a time here: the client is sequential
	return func(w http.ResponseWriter, r *http.Request) {
		calls++
		if calls <= n {
			fail(w, r)
			return
		}
		s.Refresh(w, r)
	}
}

// reset drops the connection with a TCP reset instead of answering.
func reset(w http.ResponseWriter, _ *http.Request) {
	conn, _, err := w.(http.Hijacker).Hijack()
	if err != nil {
		panic(err)
	}
	if tcp, ok := conn.(interface{ SetLinger(int) error }); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}

// assertNoSecret checks that an error's text holds none of the secrets.
func assertNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	if err == nil {
		return
	}
	for _, s := range secrets {
		assert.NotContains(t, err.Error(), s, "no secret in an error")
	}
}

// Every way IAM can fail a refresh: the kind, the message the user reads, and how many
// requests it took (retries included). A failure returns no token and no refresh token.
func TestRefreshFailures(t *testing.T) {
	t.Parallel()
	other := newServer(t) // where the redirect points: it must never be contacted
	for _, tc := range []struct {
		name      string
		handler   http.HandlerFunc
		closed    bool          // the port is closed: nothing listens
		bound     time.Duration // the client's Bound and the deadline; 10s when 0
		kind      iam.Kind
		wantErr   string
		wantCalls int
	}{
		{name: "refresh token expired", handler: iamError(400, "BXNIM0408E", "Provided refresh token is expired"),
			kind: iam.Ended, wantErr: "Your IBM Cloud session has expired", wantCalls: 1},
		{name: "refresh token invalid", handler: iamError(400, "BXNIM0407E", "Provided refresh token is invalid"),
			kind: iam.Ended, wantErr: "'ibmcloud login --sso'", wantCalls: 1},
		{name: "session inactive", handler: iamError(400, "BXNIM0439E", "Session is inactive"),
			kind: iam.Ended, wantErr: "Your IBM Cloud session has expired", wantCalls: 1},
		{name: "refresh refused", handler: iamError(400, "BXNIM0109E", "Property missing or empty."),
			kind: iam.Refused, wantErr: "IAM refused to refresh the access token: HTTP 400 BXNIM0109E Property missing or empty. Log in again", wantCalls: 1},
		{name: "IAM 500", handler: iamError(500, "BXNIM0500E", "Internal error"),
			kind: iam.Unavailable, wantErr: "HTTP 500 BXNIM0500E Internal error. Try again later.", wantCalls: 4},
		{name: "IAM 502 not JSON", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
		}, kind: iam.Unavailable, wantErr: "HTTP 502. Try again later.", wantCalls: 4},
		{name: "IAM answers garbage", handler: answer(`{"access_token":"x'$(id)'","refresh_token":"` + answerRefresh + `"}`),
			kind: iam.BadAnswer, wantErr: "did not answer with a usable access token", wantCalls: 1},
		{name: "IAM's token has no expiry", handler: answer(`{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJpYW1faWQiOiJ4In0.c2ln","refresh_token":"` + answerRefresh + `"}`),
			kind: iam.BadAnswer, wantErr: "did not answer with a usable access token", wantCalls: 1},
		{name: "IAM's token has already expired", handler: answer(`{"access_token":"` + iamtest.Valid(-time.Minute) + `","refresh_token":"` + answerRefresh + `"}`),
			kind: iam.AnswerExpired, wantErr: "which has already passed by this machine's clock", wantCalls: 1},
		{name: "IAM answers 200 without a body", handler: func(w http.ResponseWriter, _ *http.Request) {},
			kind: iam.BadAnswer, wantErr: "did not answer with a usable access token", wantCalls: 1},
		{name: "IAM redirects", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/identity/token", http.StatusTemporaryRedirect)
		}, kind: iam.BadAnswer, wantErr: "did not answer with a usable access token", wantCalls: 1},
		{name: "IAM answers without end", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"`))
			chunk := []byte(strings.Repeat("A", 64<<10))
			for i := 0; i < 64; i++ { // 4 MiB, and it would go on
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, kind: iam.BadAnswer, wantErr: "did not answer with a usable access token", wantCalls: 1},
		{name: "IAM unreachable", closed: true, kind: iam.Unreachable, wantErr: "Cannot reach IAM at"},
		{name: "IAM never answers", handler: iamtest.Hang, bound: time.Second,
			kind: iam.Timeout, wantErr: "did not answer within 1s", wantCalls: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			if tc.handler != nil {
				srv.SetHandler(tc.handler)
			}
			if tc.closed {
				srv.Close()
			}
			bound := tc.bound
			if bound == 0 {
				bound = 10 * time.Second
			}
			c := &iam.Client{Endpoint: srv.URL, Bound: bound}

			start := time.Now()
			got, refresh, err := c.Refresh(deadline(t, bound), refreshToken)
			elapsed := time.Since(start)

			require.Error(t, err)
			assert.Equal(t, token.Token{}, got, "no token on failure")
			assert.Empty(t, refresh, "no refresh token on failure")
			assert.True(t, errors.Is(err, &iam.Error{Kind: tc.kind}), "kind: %#v", err)
			var e *iam.Error
			if assert.True(t, errors.As(err, &e)) {
				assert.Equal(t, iam.GrantRefreshToken, e.Grant)
				assert.Equal(t, srv.URL, e.Endpoint)
			}
			assert.Contains(t, err.Error(), tc.wantErr)
			if !tc.closed {
				assert.Equal(t, tc.wantCalls, srv.Calls())
			}
			assertNoSecret(t, err, refreshToken, answerRefresh, "x'$(id)'")
			assert.Less(t, elapsed, bound+2*time.Second, "bounded (IAM that never answers holds on for a minute)")
		})
	}
	t.Cleanup(func() { assert.Equal(t, 0, other.Calls(), "a redirect is never followed") })
}

// The redirect's target would receive the refresh token: it is not contacted, even once.
func TestRedirectIsNotFollowed(t *testing.T) {
	t.Parallel()
	srv, other := newServer(t), newServer(t)
	for _, status := range []int{http.StatusMovedPermanently, http.StatusFound, http.StatusTemporaryRedirect, http.StatusPermanentRedirect} {
		srv.SetHandler(func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, other.URL+"/identity/token", status)
		})
		c := &iam.Client{Endpoint: srv.URL, Bound: 5 * time.Second}
		_, _, err := c.Refresh(deadline(t, 5*time.Second), refreshToken)
		assert.True(t, errors.Is(err, &iam.Error{Kind: iam.BadAnswer}), "%d: %v", status, err)
		_, err = c.APIKey(deadline(t, 5*time.Second), apiKey)
		assert.True(t, errors.Is(err, &iam.Error{Kind: iam.BadAnswer}), "%d: %v", status, err)
	}
	assert.Equal(t, 8, srv.Calls())
	assert.Equal(t, 0, other.Calls(), "the redirect's target never gets the secret")
}

func TestAPIKeyFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		handler   http.HandlerFunc // nil: the loopback IAM, which knows no key
		kind      iam.Kind
		wantErr   string
		wantCalls int
	}{
		{name: "unknown key", kind: iam.Refused, wantCalls: 1,
			wantErr: "IAM could not find the API key (HTTP 400 BXNIM0415E Provided API key could not be found). Check that it is copied whole"},
		{name: "another refusal", handler: iamError(400, "BXNIM0109E", "Property missing or empty."), kind: iam.Refused, wantCalls: 1,
			wantErr: "IAM refused the API key: HTTP 400 BXNIM0109E Property missing or empty. Check that the key"},
		{name: "forbidden", handler: iamError(403, "BXNIM0510E", "Account is locked."), kind: iam.Refused, wantCalls: 1,
			wantErr: "IAM refused the API key: HTTP 403 BXNIM0510E Account is locked."},
		{name: "garbage", handler: answer(`{"access_token":"x'$(id)'"}`), kind: iam.BadAnswer, wantCalls: 1,
			wantErr: "did not answer with a usable access token"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			if tc.handler != nil {
				srv.SetHandler(tc.handler)
			}
			c := &iam.Client{Endpoint: srv.URL, Bound: 10 * time.Second}
			got, err := c.APIKey(deadline(t, 10*time.Second), apiKey)
			require.Error(t, err)
			assert.Equal(t, token.Token{}, got)
			assert.True(t, errors.Is(err, &iam.Error{Kind: tc.kind}), "kind: %#v", err)
			var e *iam.Error
			if assert.True(t, errors.As(err, &e)) {
				assert.Equal(t, iam.GrantAPIKey, e.Grant)
			}
			assert.Contains(t, err.Error(), tc.wantErr)
			assert.Equal(t, tc.wantCalls, srv.Calls())
			assertNoSecret(t, err, apiKey, "x'$(id)'")
		})
	}
}

func TestAPIKeyGrant(t *testing.T) {
	srv := newServer(t)
	srv.APIKeys = map[string]bool{apiKey: true}
	c := &iam.Client{Endpoint: srv.URL, Bound: 5 * time.Second}
	got, err := c.APIKey(deadline(t, 5*time.Second), apiKey)
	require.NoError(t, err)
	assert.Equal(t, srv.LastIssued(), got.JWT)
	assert.WithinDuration(t, time.Now().Add(time.Hour), got.Expiry, 2*time.Second)
	assert.Equal(t, 1, srv.Calls())
}

func TestRefreshGrant(t *testing.T) {
	t.Run("sends the refresh token and returns IAM's new one", func(t *testing.T) {
		srv := newServer(t)
		c := &iam.Client{Endpoint: srv.URL, Bound: 5 * time.Second}
		got, refresh, err := c.Refresh(deadline(t, 5*time.Second), refreshToken)
		require.NoError(t, err)
		assert.Equal(t, []string{refreshToken}, srv.Refreshs)
		assert.Equal(t, srv.LastIssued(), got.JWT)
		assert.Equal(t, "Bearer "+srv.LastIssued(), got.Bearer())
		assert.True(t, got.ValidFor(59*time.Minute, time.Now()))
		assert.NotEqual(t, refreshToken, refresh)
		assert.True(t, strings.HasPrefix(refresh, "refresh-"), refresh)
		assert.Equal(t, 1, srv.Calls())
	})
	t.Run("keeps the old refresh token when IAM sends none", func(t *testing.T) {
		srv := newServer(t)
		access := iamtest.Valid(time.Hour)
		srv.SetHandler(answer(`{"access_token":"` + access + `","token_type":"Bearer","expires_in":3600}`))
		c := &iam.Client{Endpoint: srv.URL, Bound: 5 * time.Second}
		got, refresh, err := c.Refresh(deadline(t, 5*time.Second), refreshToken)
		require.NoError(t, err)
		assert.Equal(t, access, got.JWT)
		assert.Equal(t, refreshToken, refresh)
	})
}

func TestRetriesWhatARetryCanFix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name     string
		fail     http.HandlerFunc
		atLeast  time.Duration
		wantCall int
	}{
		{"503 once", iamError(503, "BXNIM0503E", "busy"), 0, 2},
		{"429 with Retry-After", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "1")
			iamtest.Error(w, 429, "BXNIM0429E", "Too many requests")
		}, time.Second, 2},
		{"connection reset", reset, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t)
			srv.SetHandler(failing(srv, 1, tc.fail))
			c := &iam.Client{Endpoint: srv.URL, Bound: 10 * time.Second}
			start := time.Now()
			got, refresh, err := c.Refresh(deadline(t, 10*time.Second), refreshToken)
			require.NoError(t, err)
			assert.Equal(t, tc.wantCall, srv.Calls())
			assert.Equal(t, srv.LastIssued(), got.JWT)
			assert.NotEqual(t, refreshToken, refresh)
			assert.Equal(t, []string{refreshToken}, srv.Refreshs, "the failed tries issued nothing")
			assert.GreaterOrEqual(t, time.Since(start), tc.atLeast, "Retry-After respected")
		})
	}

	t.Run("Retry-After beyond the bound fails at once", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "60")
			iamtest.Error(w, 429, "BXNIM0429E", "Too many requests")
		})
		c := &iam.Client{Endpoint: srv.URL, Bound: 20 * time.Second}
		start := time.Now()
		got, _, err := c.Refresh(deadline(t, 20*time.Second), refreshToken)
		// Neither the 60 s asked for nor the 20 s bound: a wait that cannot succeed is not begun.
		assert.Less(t, time.Since(start), 10*time.Second)
		require.Error(t, err)
		assert.Equal(t, token.Token{}, got)
		assert.Equal(t, 1, srv.Calls())
		assert.True(t, errors.Is(err, &iam.Error{Kind: iam.Unavailable}))
		assert.Contains(t, err.Error(), "HTTP 429 BXNIM0429E Too many requests. Try again later.")
	})

	t.Run("a refusal is not retried", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		srv.SetHandler(iamError(400, "BXNIM0408E", "Provided refresh token is expired"))
		c := &iam.Client{Endpoint: srv.URL, Bound: 10 * time.Second}
		_, _, err := c.Refresh(deadline(t, 10*time.Second), refreshToken)
		assert.True(t, errors.Is(err, &iam.Error{Kind: iam.Ended}))
		assert.Equal(t, 1, srv.Calls())
	})

	t.Run("an API-key refusal is not retried", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		c := &iam.Client{Endpoint: srv.URL, Bound: 10 * time.Second}
		_, err := c.APIKey(deadline(t, 10*time.Second), apiKey)
		assert.True(t, errors.Is(err, &iam.Error{Kind: iam.Refused}))
		assert.Equal(t, 1, srv.Calls())
	})

	t.Run("an expired deadline makes no call, and IAM is not blamed", func(t *testing.T) {
		t.Parallel()
		srv := newServer(t)
		ctx, cancel := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
		defer cancel()
		c := &iam.Client{Endpoint: srv.URL, Bound: 3 * time.Second}
		_, _, err := c.Refresh(ctx, refreshToken)
		assert.True(t, errors.Is(err, &iam.Error{Kind: iam.NoTimeLeft}))
		assert.Contains(t, err.Error(), "was not called: the 3s this run had went on waiting")
		assert.Equal(t, 0, srv.Calls())
	})
}

// With the CLI's trace on, requests and answers go to the trace file with the secrets hidden:
// neither the refresh token sent, the refresh token received, the API key nor the issued
// access token is written, however IAM spaces its JSON.
func TestTraceHidesSecrets(t *testing.T) {
	srv := newServer(t)
	srv.APIKeys = map[string]bool{apiKey: true}
	file := filepath.Join(t.TempDir(), "trace.log")
	c := &iam.Client{Endpoint: srv.URL, Bound: 5 * time.Second, Trace: file}

	got, newRefresh, err := c.Refresh(deadline(t, 5*time.Second), refreshToken)
	require.NoError(t, err)
	require.NotEqual(t, refreshToken, newRefresh)
	secrets := []string{refreshToken, newRefresh, apiKey, got.JWT}
	got, err = c.APIKey(deadline(t, 5*time.Second), apiKey)
	require.NoError(t, err)
	secrets = append(secrets, got.JWT)
	spaced := iamtest.Valid(time.Hour)
	srv.SetHandler(answer(`{"access_token" : "` + spaced + `", "refresh_token" : "spaced-refresh-0123456789"}`))
	got, _, err = c.Refresh(deadline(t, 5*time.Second), refreshToken)
	require.NoError(t, err)
	require.Equal(t, spaced, got.JWT)
	secrets = append(secrets, spaced, "spaced-refresh-0123456789")

	b, err := os.ReadFile(file)
	require.NoError(t, err)
	traced := string(b)
	assert.Equal(t, 3, strings.Count(traced, "/identity/token"), "each request is traced")
	assert.Contains(t, traced, "[PRIVATE DATA HIDDEN]")
	for _, secret := range secrets {
		assert.NotContains(t, traced, secret)
	}
	// Nor the payload of a token, which identifies the user.
	for _, jwt := range []string{secrets[3], secrets[4], spaced} {
		assert.NotContains(t, traced, strings.Split(jwt, ".")[1])
	}
}

// IAM's error text goes into messages and failure notes: the secret sent never does, even
// when IAM repeats it.
func TestIAMsWordsNeverCarryTheSecret(t *testing.T) {
	t.Parallel()
	srv := iamtest.NewServer()
	defer srv.Close()
	srv.SetHandler(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		iamtest.Error(w, 400, "BXNIM0415E", "Provided API key could not be found: "+r.PostForm.Get("apikey")+r.PostForm.Get("refresh_token"))
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c := &iam.Client{Endpoint: srv.URL, Bound: 5 * time.Second}
	_, err := c.APIKey(ctx, "SecretKey0123456789")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "SecretKey0123456789")
	_, _, err = c.Refresh(ctx, "secret-refresh-token-0123")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret-refresh-token-0123")
}

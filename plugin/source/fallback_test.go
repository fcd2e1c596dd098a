package source_test

import (
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/source"
)

// A token that has not expired is never withheld: when its refresh fails, whatever the
// failure, it is handed out with one warning that says how long it has left and why.
func TestSessionHandsOutAValidTokenWhenItsRefreshFails(t *testing.T) {
	t.Parallel()
	for name, handler := range map[string]http.HandlerFunc{
		"IAM 500": func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM0500E", "Internal error") },
		"refresh token expired": func(w http.ResponseWriter, _ *http.Request) {
			iamtest.Error(w, 400, "BXNIM0408E", "Provided refresh token is expired")
		},
		"refused": func(w http.ResponseWriter, _ *http.Request) {
			iamtest.Error(w, 400, "BXNIM0109E", "Property missing or empty.")
		},
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			held := iamtest.Valid(4 * time.Minute)
			l := newLogin(t, "Bearer "+held, "secret-refresh-token", true)
			l.iam.SetHandler(handler)
			before := l.bytes()
			got, err := l.token(source.Options{MinValidity: 5 * time.Minute})
			require.NoError(t, err)
			assert.Equal(t, held, got.JWT)
			assert.Positive(t, l.iam.Calls(), "a refresh was tried")
			warns := l.warns.all()
			if assert.Len(t, warns, 1) {
				assert.Contains(t, warns[0], "WARNING: The access token was not refreshed, so the one at hand was handed out; it expires in ")
				assert.NotContains(t, warns[0], "secret-refresh-token")
			}
			assert.Equal(t, before, l.bytes(), "nothing written")
		})
	}

	t.Run("not with --refresh", func(t *testing.T) {
		t.Parallel()
		l := newLogin(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token", true)
		l.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 400, "BXNIM0109E", "nope") })
		got, err := l.token(source.Options{Force: true})
		assert.True(t, errors.Is(err, &iam.Error{Kind: iam.Refused}), "%v", err)
		assert.Empty(t, got.JWT)
	})

	t.Run("not without a refresh token", func(t *testing.T) {
		t.Parallel()
		held := iamtest.Valid(3 * time.Minute)
		l := newLogin(t, "Bearer "+held, "", true)
		got, err := l.token(source.Options{MinValidity: 5 * time.Minute})
		require.NoError(t, err, "a session that cannot be refreshed still has minutes to go")
		assert.Equal(t, held, got.JWT)
		assert.Equal(t, 0, l.iam.Calls())
		if warns := l.warns.all(); assert.Len(t, warns, 1) {
			assert.Contains(t, warns[0], "Your IBM Cloud session has expired and cannot be refreshed")
		}
	})
}

// A refresh for a token that is still valid waits at most validTokenWait (5 s), unless
// --timeout says how long: the token at hand is not held up for the CLI's whole limit.
func TestARefreshForAValidTokenIsShort(t *testing.T) {
	assert.Equal(t, 5*time.Second, source.ValidTokenWait())
	source.SetValidTokenWait(t, 300*time.Millisecond)
	for _, tc := range []struct {
		name    string
		timeout time.Duration
		atMost  time.Duration
		want    string
	}{
		{"no --timeout: validTokenWait", 0, 2 * time.Second, "did not answer within 300ms, as long as a refresh may hold up a token that is still valid"},
		{"--timeout wins", 1200 * time.Millisecond, 3 * time.Second, "did not answer within 1.2s, the limit --timeout set"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			held := iamtest.Valid(2 * time.Minute)
			l := newLogin(t, "Bearer "+held, "secret-refresh-token", false)
			l.iam.SetHandler(iamtest.Hang)
			env := l.env()
			cfg, err := env.Config(time.Time{})
			require.NoError(t, err)
			cfg.(interface{ HTTPTimeoutReturns(int) }).HTTPTimeoutReturns(20)
			start := time.Now()
			src, err := source.Open(env, source.Request{Warn: l.warns.warn, Timeout: tc.timeout})
			require.NoError(t, err)
			got, err := src.Token(source.Options{MinValidity: 5 * time.Minute})
			took := time.Since(start)
			require.NoError(t, err)
			assert.Equal(t, held, got.JWT)
			assert.Less(t, took, tc.atMost)
			if warns := l.warns.all(); assert.Len(t, warns, 1) {
				assert.Contains(t, warns[0], tc.want)
			}
		})
	}
}

func TestAPIKeyHandsOutAValidCachedTokenWhenTheExchangeFails(t *testing.T) {
	t.Parallel()
	k := newKeyRun(t)
	first, err := k.token(source.Request{}, source.Options{MinValidity: 5 * time.Minute})
	require.NoError(t, err)
	k.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 503, "BXNIM0503E", "busy") })

	// Within --min-validity of its expiry, the cached token is due for an exchange, which fails.
	got, err := k.token(source.Request{}, source.Options{MinValidity: time.Hour - time.Millisecond})
	require.NoError(t, err)
	assert.Equal(t, first.JWT, got.JWT)
	if warns := k.warns.all(); assert.Len(t, warns, 1) {
		assert.Contains(t, warns[0], "HTTP 503 BXNIM0503E busy. Try again later.")
	}
}

// show peeks: the token at hand, expired or not, with no refresh, network call or write.
func TestPeekMakesNoCall(t *testing.T) {
	t.Parallel()
	expired := iamtest.Valid(-time.Hour)
	l := newLogin(t, "Bearer "+expired, "secret-refresh-token", true)
	before := l.bytes()
	got, err := l.token(source.Options{Peek: true})
	require.NoError(t, err)
	assert.Equal(t, expired, got.JWT)
	assert.Equal(t, 0, l.iam.Calls())
	assert.Equal(t, before, l.bytes())

	k := newKeyRun(t)
	_, err = k.token(source.Request{}, source.Options{Peek: true})
	assert.True(t, errors.Is(err, &source.Error{Kind: source.NotCached}), "%v", err)
	assert.Equal(t, 0, k.iam.Calls())
}

// With no container token given, IBM's default paths are tried in order; none there says where
// it looked.
func TestContainerTokenDefaultPaths(t *testing.T) {
	srv := newIAM(t)
	srv.Profiles = map[string]bool{"kp-reader": true}
	dir := t.TempDir()
	paths := []string{filepath.Join(dir, "vault-token"), filepath.Join(dir, "sa-token"), filepath.Join(dir, "ce-token")}
	saved := source.ContainerTokenPaths
	source.ContainerTokenPaths = paths
	t.Cleanup(func() { source.ContainerTokenPaths = saved })
	env := source.Env{Getenv: vars("IAM_ENDPOINT", srv.URL, "IBMCLOUD_CR_PROFILE", "kp-reader")}

	src, err := source.Open(env, source.Request{})
	require.NoError(t, err)
	_, err = src.Token(source.Options{})
	assert.True(t, errors.Is(err, &source.Error{Kind: source.NoContainerToken}), "%v", err)
	assert.Contains(t, err.Error(), paths[0])

	require.NoError(t, os.WriteFile(paths[2], []byte("third"), 0o600))
	require.NoError(t, os.WriteFile(paths[1], []byte("second"), 0o600))
	src, err = source.Open(env, source.Request{})
	require.NoError(t, err)
	_, err = src.Token(source.Options{})
	require.NoError(t, err)
	require.Len(t, srv.CRTokens, 1)
	assert.Equal(t, "second", srv.CRTokens[0].Token, "the first path that exists, in order")
}

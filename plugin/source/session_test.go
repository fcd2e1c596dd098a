package source_test

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/cliconfig"
	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/source"
	"github.com/kp-token/kp-token/plugin/token"
)

// login is a logged-in CLI: config.json in a temporary home, a loopback IAM it names, and the
// config Open reads: the SDK's fake plugin context, or (real) the SDK's config code over the
// file as the plug-in reads it.
type login struct {
	t       *testing.T
	iam     *iamtest.Server
	home    string
	path    string
	access  string
	refresh string
	real    bool
	warns   warnings
}

func newLogin(t *testing.T, access, refresh string, real bool) *login {
	t.Helper()
	l := &login{t: t, iam: newIAM(t), home: t.TempDir(), access: access, refresh: refresh, real: real}
	var err error
	l.path, err = iamtest.WriteConfig(l.home, iamtest.Config(access, refresh, l.iam.URL))
	require.NoError(t, err)
	return l
}

// configs are the two kinds of Config a session is opened with.
var configs = []struct {
	name string
	real bool
}{{"fake context", false}, {"real config", true}}

func (l *login) env() source.Env {
	l.t.Helper()
	env := source.Env{ConfigPath: l.path, Getenv: vars(), CacheDir: filepath.Join(l.home, "cache")}
	if l.real {
		snap, err := cliconfig.Load(l.path, time.Time{})
		require.NoError(l.t, err)
		env.Config = source.Loaded(snap)
	} else {
		env.Config = source.Loaded(fakeConfig(l.access, l.refresh, l.iam.URL))
	}
	return env
}

func (l *login) open() source.Source {
	l.t.Helper()
	src, err := source.Open(l.env(), source.Request{Warn: l.warns.warn})
	require.NoError(l.t, err)
	require.Equal(l.t, source.FromSession, describe(l.t, src).Source)
	return src
}

func (l *login) token(o source.Options) (token.Token, error) {
	l.t.Helper()
	return l.open().Token(o)
}

func (l *login) bytes() []byte {
	b, err := os.ReadFile(l.path)
	require.NoError(l.t, err)
	return b
}

func (l *login) fields() map[string]any {
	var m map[string]any
	require.NoError(l.t, json.Unmarshal(l.bytes(), &m))
	return m
}

// files lists the config directory, so that a test can tell nothing was written beside
// config.json either.
func (l *login) files() []string {
	entries, err := os.ReadDir(filepath.Dir(l.path))
	require.NoError(l.t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	return names
}

func TestSessionValidTokenMakesNoCall(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			jwt := iamtest.Valid(time.Hour)
			l := newLogin(t, "Bearer "+jwt, "refresh-0", c.real)
			before, files := l.bytes(), l.files()
			for _, min := range []time.Duration{0, 5 * time.Minute, 59 * time.Minute} {
				got, err := l.token(source.Options{MinValidity: min})
				require.NoError(t, err)
				assert.Equal(t, jwt, got.JWT)
				assert.Equal(t, "Bearer "+jwt, got.Bearer())
			}
			assert.Equal(t, 0, l.iam.Calls(), "no network call with a valid token")
			assert.Equal(t, before, l.bytes(), "config.json byte for byte unchanged")
			assert.Equal(t, files, l.files(), "nothing written beside it, not even a lock")
			assert.Empty(t, l.warns.all())
		})
	}
}

func TestSessionRefreshesAnExpiringToken(t *testing.T) {
	for _, c := range configs {
		for _, tc := range []struct {
			name   string
			access string
			opts   source.Options
		}{
			{"expiring", "Bearer " + iamtest.Valid(2*time.Minute), source.Options{MinValidity: 5 * time.Minute}},
			{"expired", "Bearer " + iamtest.Valid(-time.Hour), source.Options{}},
			{"min-validity", "Bearer " + iamtest.Valid(20*time.Minute), source.Options{MinValidity: 30 * time.Minute}},
			{"forced", "Bearer " + iamtest.Valid(time.Hour), source.Options{Force: true}},
			{"no access token, refresh token only", "", source.Options{MinValidity: 5 * time.Minute}},
		} {
			t.Run(c.name+"/"+tc.name, func(t *testing.T) {
				l := newLogin(t, tc.access, "refresh-0", c.real)
				start := time.Now()
				got, err := l.token(tc.opts)
				require.NoError(t, err)
				require.Equal(t, 1, l.iam.Calls())
				assert.Equal(t, []string{"refresh-0"}, l.iam.Refreshs, "the session's refresh token is sent")
				fresh := l.iam.LastIssued()
				assert.Equal(t, fresh, got.JWT)
				assert.Empty(t, l.warns.all())

				saved := l.fields()
				assert.Equal(t, "Bearer "+fresh, saved["IAMToken"], "the CLI's next command uses the new token")
				assert.NotEqual(t, "refresh-0", saved["IAMRefreshToken"])
				assert.True(t, strings.HasPrefix(saved["IAMRefreshToken"].(string), "refresh-"), "IAM's new refresh token is kept")
				assert.GreaterOrEqual(t, saved["LastSessionUpdateTime"], float64(start.Unix()), "stamped as the SDK does")
				want := iamtest.Config("", "", l.iam.URL)
				for k, v := range want {
					if k == "IAMToken" || k == "IAMRefreshToken" || k == "LastSessionUpdateTime" {
						continue
					}
					wantJSON, _ := json.Marshal(v)
					gotJSON, _ := json.Marshal(saved[k])
					assert.JSONEq(t, string(wantJSON), string(gotJSON), "field %s kept", k)
				}
				assert.Len(t, saved, len(want), "no field added or lost")
				info, err := os.Stat(l.path)
				require.NoError(t, err)
				assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
				for _, name := range l.files() {
					assert.NotContains(t, name, ".tmp-", "no temporary file left behind")
				}

				// The next run finds the saved token and makes no call.
				if !c.real {
					l.access = "Bearer " + fresh
				}
				again, err := l.token(source.Options{MinValidity: 5 * time.Minute})
				require.NoError(t, err)
				assert.Equal(t, fresh, again.JWT)
				assert.Equal(t, 1, l.iam.Calls())
			})
		}
	}
}

// Every failure of a session returns an error and no token, leaves config.json as it was and
// shows no secret. The IAM rows are those of the command's former test, with its messages and
// call counts; its retried ones (IAM 500, 4 calls) are in the iam package's test and, through
// the session, in TestSessionSingleFlight.
func TestSessionFailures(t *testing.T) {
	t.Parallel()
	valid := "Bearer " + iamtest.Valid(time.Hour)
	// Expired: a token still valid is handed out when its refresh fails (TestSessionFallback).
	expiring := "Bearer " + iamtest.Valid(-time.Minute)
	iamError := func(status int, code, msg string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, status, code, msg) }
	}
	type kind struct {
		source source.Kind
		iam    iam.Kind
	}
	for _, tc := range []struct {
		name      string
		access    string
		refresh   string
		handler   http.HandlerFunc
		closeIAM  bool
		kind      kind
		wantErr   string
		namesPath bool
		wantCalls int
	}{
		{name: "not logged in", kind: kind{source: source.NotLoggedIn}, wantErr: "You are not logged in. Log in by running 'ibmcloud login'"},
		{name: "hostile token", access: "Bearer x'$(touch f)'", refresh: "secret-refresh-token",
			kind: kind{source: source.MalformedToken}, wantErr: "is not a well-formed access token", namesPath: true},
		{name: "token with a newline", access: valid + "\nrm -rf ~", refresh: "secret-refresh-token",
			kind: kind{source: source.MalformedToken}, wantErr: "is not a well-formed access token", namesPath: true},
		{name: "expired without refresh token", access: "Bearer " + iamtest.Valid(-time.Minute),
			kind: kind{source: source.SessionExpired}, wantErr: "Your IBM Cloud session has expired"},
		{name: "refresh token expired", access: expiring, refresh: "secret-refresh-token", handler: iamError(400, "BXNIM0408E", "Provided refresh token is expired"),
			kind: kind{source: source.SessionExpired}, wantErr: "Your IBM Cloud session has expired", wantCalls: 1},
		{name: "refresh token invalid", access: expiring, refresh: "secret-refresh-token", handler: iamError(400, "BXNIM0407E", "Provided refresh token is invalid"),
			kind: kind{source: source.SessionExpired}, wantErr: "'ibmcloud login --sso'", wantCalls: 1},
		{name: "session inactive", access: expiring, refresh: "secret-refresh-token", handler: iamError(400, "BXNIM0439E", "Session is inactive"),
			kind: kind{source: source.SessionExpired}, wantErr: "Your IBM Cloud session has expired", wantCalls: 1},
		{name: "refresh refused", access: expiring, refresh: "secret-refresh-token", handler: iamError(400, "BXNIM0109E", "Property missing or empty."),
			kind: kind{iam: iam.Refused}, wantErr: "IAM refused to refresh the access token: HTTP 400 BXNIM0109E Property missing or empty. Log in again", wantCalls: 1},
		{name: "IAM answers garbage", access: expiring, refresh: "secret-refresh-token", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"x'$(id)'","refresh_token":"r2"}`))
		}, kind: kind{iam: iam.BadAnswer}, wantErr: "did not answer with a usable access token", wantCalls: 1},
		{name: "IAM's token has already expired", access: expiring, refresh: "secret-refresh-token", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"` + iamtest.Valid(-time.Minute) + `","refresh_token":"r2"}`))
		}, kind: kind{iam: iam.AnswerExpired}, wantErr: "which has already passed by this machine's clock", wantCalls: 1},
		{name: "IAM unreachable", access: expiring, refresh: "secret-refresh-token", closeIAM: true,
			kind: kind{iam: iam.Unreachable}, wantErr: "Cannot reach IAM at"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := newLogin(t, tc.access, tc.refresh, false)
			if tc.handler != nil {
				l.iam.SetHandler(tc.handler)
			}
			if tc.closeIAM {
				l.iam.Close()
			}
			before := l.bytes()

			got, err := l.token(source.Options{MinValidity: 5 * time.Minute})
			require.Error(t, err)
			assert.Equal(t, token.Token{}, got, "no token on failure")
			if tc.kind.source != 0 {
				assert.True(t, errors.Is(err, &source.Error{Kind: tc.kind.source}), "%#v", err)
			} else {
				assert.True(t, errors.Is(err, &iam.Error{Kind: tc.kind.iam}), "%#v", err)
			}
			assert.Contains(t, err.Error(), tc.wantErr)
			if tc.namesPath {
				assert.Contains(t, err.Error(), l.path)
			}
			if !tc.closeIAM {
				assert.Equal(t, tc.wantCalls, l.iam.Calls())
			}
			for _, secret := range []string{strings.TrimPrefix(tc.access, "Bearer "), tc.refresh, "x'$(", "rm -rf"} {
				if len(secret) > 3 {
					assert.NotContains(t, err.Error(), secret, "no secret in the error")
				}
			}
			assert.Equal(t, string(before), string(l.bytes()), "config untouched on a failed path")
			assert.Empty(t, l.warns.all())
		})
	}
}

// A login (or logout) during the refresh wins: the refreshed token is handed out, config.json
// keeps the other session, and the user is told the token was not saved.
func TestSessionConfigChangedDuringRefresh(t *testing.T) {
	for _, c := range configs {
		t.Run(c.name, func(t *testing.T) {
			l := newLogin(t, "Bearer "+iamtest.Valid(time.Minute), "refresh-0", c.real)
			other := iamtest.Valid(time.Hour)
			l.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
				_, err := iamtest.WriteConfig(l.home, iamtest.Config("Bearer "+other, "refresh-other", l.iam.URL))
				if err != nil {
					panic(err)
				}
				l.iam.Refresh(w, r)
			})

			got, err := l.token(source.Options{MinValidity: 5 * time.Minute})
			require.NoError(t, err)
			assert.Equal(t, l.iam.LastIssued(), got.JWT, "the refreshed token is handed out")
			assert.Equal(t, 1, l.iam.Calls())

			saved := l.fields()
			assert.Equal(t, "Bearer "+other, saved["IAMToken"], "the other session is kept")
			assert.Equal(t, "refresh-other", saved["IAMRefreshToken"])
			warns := l.warns.all()
			if assert.Len(t, warns, 1) {
				assert.Contains(t, warns[0], "The refreshed token was not saved")
				assert.Contains(t, warns[0], l.path)
				assert.NotContains(t, warns[0], got.JWT)
				assert.NotContains(t, warns[0], "refresh-")
			}
		})
	}
}

// runAtOnce asks n sources for a token at once from n goroutines, each opened as its own
// process would open it: its own config snapshot, read before any refresh.
func runAtOnce(t *testing.T, l *login, n int) ([]token.Token, []error) {
	t.Helper()
	srcs := make([]source.Source, n)
	for i := range srcs {
		srcs[i] = l.open() // each reads config.json, with the expiring token, before any refresh
	}
	return tokensAtOnce(srcs)
}

// tokensAtOnce asks each source for a token, all at once, from a goroutine each.
func tokensAtOnce(srcs []source.Source) ([]token.Token, []error) {
	tokens, errs := make([]token.Token, len(srcs)), make([]error, len(srcs))
	var wg sync.WaitGroup
	begin := make(chan struct{})
	for i := range srcs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-begin
			tokens[i], errs[i] = srcs[i].Token(source.Options{MinValidity: 5 * time.Minute})
		}()
	}
	close(begin)
	wg.Wait()
	return tokens, errs
}

// Goroutines stand in for processes: flock locks belong to an open file description, so each
// run's lock contends with the others' in one process as across processes.
func TestSessionSingleFlight(t *testing.T) {
	t.Parallel()
	t.Run("one refresh for all", func(t *testing.T) {
		t.Parallel()
		l := newLogin(t, "Bearer "+iamtest.Valid(time.Minute), "refresh-0", true)
		l.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
			time.Sleep(200 * time.Millisecond)
			l.iam.Refresh(w, r)
		})
		tokens, errs := runAtOnce(t, l, 8)
		assert.Equal(t, 1, l.iam.Calls(), "one IAM call for every run at once")
		fresh := l.iam.LastIssued()
		for i := range tokens {
			if assert.NoError(t, errs[i]) {
				assert.Equal(t, fresh, tokens[i].JWT, "run %d", i)
			}
		}
		assert.Equal(t, "Bearer "+fresh, l.fields()["IAMToken"])
		assert.Empty(t, l.warns.all())
	})

	t.Run("the holder's failure is everyone's", func(t *testing.T) {
		t.Parallel()
		l := newLogin(t, "Bearer "+iamtest.Valid(-time.Minute), "refresh-0", true)
		l.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
			time.Sleep(50 * time.Millisecond)
			iamtest.Error(w, 500, "BXNIM0500E", "Internal error")
		})
		before := l.bytes()
		tokens, errs := runAtOnce(t, l, 8)
		assert.Equal(t, 4, l.iam.Calls(), "the holder's tries, and none from those queued behind it")
		for i := range tokens {
			assert.Empty(t, tokens[i].JWT)
			if assert.Error(t, errs[i]) {
				assert.True(t, errors.Is(errs[i], &iam.Error{Kind: iam.Unavailable}), "%#v", errs[i])
				assert.Equal(t, errs[0].Error(), errs[i].Error(), "the same message for all")
				assert.Contains(t, errs[i].Error(), "HTTP 500 BXNIM0500E Internal error. Try again later.")
			}
		}
		assert.Equal(t, before, l.bytes())

		// A later run does not inherit the failure: it asks IAM itself.
		l.iam.SetHandler(nil)
		got, err := l.token(source.Options{MinValidity: 5 * time.Minute})
		require.NoError(t, err)
		assert.Equal(t, l.iam.LastIssued(), got.JWT)
		assert.Equal(t, 5, l.iam.Calls())
	})
}

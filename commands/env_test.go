package commands_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin/pluginfakes"
	testterm "github.com/IBM-Cloud/ibm-cloud-cli-sdk/testhelpers/terminal"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/source"
)

// fixture is one run of the command tree on the SDK's fakes: FakePluginContext holds the
// session, FakeUI collects stdout and stderr, a loopback server plays IAM, and a temporary
// config.json receives refreshed tokens.
type fixture struct {
	t      *testing.T
	ctx    *pluginfakes.FakePluginContext
	ui     *testterm.FakeUI
	iam    *iamtest.Server
	config string
	access string
}

func newFixture(t *testing.T, access, refresh string) *fixture {
	t.Helper()
	f := &fixture{t: t, ctx: new(pluginfakes.FakePluginContext), ui: testterm.NewFakeUI(), iam: iamtest.NewServer(), access: access}
	t.Cleanup(f.iam.Close)
	f.ctx.IAMTokenReturns(access)
	f.ctx.IAMRefreshTokenReturns(refresh)
	f.ctx.IAMEndpointReturns(f.iam.URL)
	var err error
	f.config, err = iamtest.WriteConfig(t.TempDir(), iamtest.Config(access, refresh, f.iam.URL))
	require.NoError(t, err)
	return f
}

func (f *fixture) run(args ...string) int {
	d := &commands.Deps{Stdout: f.ui.Writer(), Stderr: f.ui.ErrWriter()}
	env := source.Env{Config: f.ctx, ConfigPath: f.config, Getenv: func(string) string { return "" }}
	d.Tokens = func(req source.Request) (source.Source, error) { return source.Open(env, req) }
	return commands.Execute(d, args)
}

func (f *fixture) configFields() map[string]any {
	b, err := os.ReadFile(f.config)
	require.NoError(f.t, err)
	var m map[string]any
	require.NoError(f.t, json.Unmarshal(b, &m))
	return m
}

func TestEnvValidTokenMakesNoCall(t *testing.T) {
	jwt := iamtest.Valid(time.Hour)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"env"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\n"},
		{[]string{"env", "--no-bearer"}, "export ACCESS_TOKEN='" + jwt + "'\n"},
		{[]string{"env", "--name", "KP_TOKEN"}, "export KP_TOKEN='Bearer " + jwt + "'\n"},
		{[]string{"env", "--name=_x1", "--no-bearer"}, "export _x1='" + jwt + "'\n"},
		{[]string{"env", "--min-validity", "59m"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\n"},
		{[]string{"env", "--unset"}, "unset ACCESS_TOKEN\n"},
		{[]string{"env", "--unset", "--name", "KP"}, "unset KP\n"},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			f := newFixture(t, "Bearer "+jwt, "refresh-0")
			before, _ := os.ReadFile(f.config)
			assert.Equal(t, 0, f.run(tc.args...))
			assert.Equal(t, tc.want, f.ui.Outputs())
			assert.Empty(t, f.ui.Errors())
			assert.Equal(t, 0, f.iam.Calls(), "no network call with a valid token")
			assert.Equal(t, 0, f.ctx.RefreshIAMTokenCallCount(), "the SDK's unbounded refresh is never used")
			after, _ := os.ReadFile(f.config)
			assert.Equal(t, before, after, "config untouched")
		})
	}
}

func TestEnvUnsetNeedsNoSession(t *testing.T) {
	ui := testterm.NewFakeUI()
	d := &commands.Deps{Stdout: ui.Writer(), Stderr: ui.ErrWriter(), Tokens: func(source.Request) (source.Source, error) {
		t.Fatal("--unset must not open the session")
		return nil, nil
	}}
	assert.Equal(t, 0, commands.Execute(d, []string{"env", "--unset"}))
	assert.Equal(t, "unset ACCESS_TOKEN\n", ui.Outputs())
}

func TestEnvRefreshesAnExpiringToken(t *testing.T) {
	for _, tc := range []struct {
		name   string
		access string
		args   []string
	}{
		{"expiring", "Bearer " + iamtest.Valid(2*time.Minute), []string{"env"}},
		{"expired", "Bearer " + iamtest.Valid(-time.Hour), []string{"env", "--no-bearer"}},
		{"min-validity", "Bearer " + iamtest.Valid(20*time.Minute), []string{"env", "--min-validity", "30m"}},
		{"forced", "Bearer " + iamtest.Valid(time.Hour), []string{"env", "--refresh"}},
		{"no access token, refresh token only", "", []string{"env"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.access, "refresh-0")
			require.Equal(t, 0, f.run(tc.args...), f.ui.Errors())
			assert.Empty(t, f.ui.Errors())
			require.Equal(t, 1, f.iam.Calls())
			assert.Equal(t, []string{"refresh-0"}, f.iam.Refreshs, "the session's refresh token is sent")
			fresh := f.iam.LastIssued()
			if tc.args[len(tc.args)-1] == "--no-bearer" {
				assert.Equal(t, "export ACCESS_TOKEN='"+fresh+"'\n", f.ui.Outputs())
			} else {
				assert.Equal(t, "export ACCESS_TOKEN='Bearer "+fresh+"'\n", f.ui.Outputs())
			}

			saved := f.configFields()
			assert.Equal(t, "Bearer "+fresh, saved["IAMToken"], "the CLI's next command uses the new token")
			assert.NotEqual(t, "refresh-0", saved["IAMRefreshToken"])
			assert.True(t, strings.HasPrefix(saved["IAMRefreshToken"].(string), "refresh-"))
			want := iamtest.Config("", "", f.iam.URL)
			for k, v := range want {
				if k == "IAMToken" || k == "IAMRefreshToken" || k == "LastSessionUpdateTime" {
					continue
				}
				wantJSON, _ := json.Marshal(v)
				gotJSON, _ := json.Marshal(saved[k])
				assert.JSONEq(t, string(wantJSON), string(gotJSON), "field %s kept", k)
			}
			assert.Len(t, saved, len(want), "no field added or lost")
			info, err := os.Stat(f.config)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
			entries, _ := os.ReadDir(filepath.Dir(f.config))
			for _, e := range entries {
				assert.NotContains(t, e.Name(), ".tmp-", "no temporary file left behind")
			}
		})
	}
}

func TestEnvFailuresLeaveStdoutEmpty(t *testing.T) {
	valid := "Bearer " + iamtest.Valid(time.Hour)
	expiring := "Bearer " + iamtest.Valid(time.Minute)
	iamError := func(status int, code, msg string) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, status, code, msg) }
	}
	for _, tc := range []struct {
		name      string
		access    string
		refresh   string
		handler   http.HandlerFunc
		timeout   int
		closeIAM  bool
		args      []string
		wantErr   string
		wantCalls int
	}{
		{name: "not logged in", args: []string{"env"}, wantErr: "You are not logged in. Log in by running 'ibmcloud login'"},
		{name: "hostile token", access: "Bearer x'$(touch f)'", refresh: "secret-refresh-token", args: []string{"env"}, wantErr: "is not a well-formed access token"},
		{name: "token with a newline", access: valid + "\nrm -rf ~", refresh: "secret-refresh-token", args: []string{"env"}, wantErr: "is not a well-formed access token"},
		{name: "expired without refresh token", access: "Bearer " + iamtest.Valid(-time.Minute), args: []string{"env"}, wantErr: "Your IBM Cloud session has expired"},
		{name: "refresh token expired", access: expiring, refresh: "secret-refresh-token", handler: iamError(400, "BXNIM0408E", "Provided refresh token is expired"), args: []string{"env"}, wantErr: "Your IBM Cloud session has expired", wantCalls: 1},
		{name: "refresh token invalid", access: expiring, refresh: "secret-refresh-token", handler: iamError(400, "BXNIM0407E", "Provided refresh token is invalid"), args: []string{"env"}, wantErr: "'ibmcloud login --sso'", wantCalls: 1},
		{name: "refresh refused", access: expiring, refresh: "secret-refresh-token", handler: iamError(400, "BXNIM0109E", "Property missing or empty."), args: []string{"env"}, wantErr: "IAM refused to refresh the access token: HTTP 400 BXNIM0109E Property missing or empty. Log in again", wantCalls: 1},
		{name: "IAM 500", access: expiring, refresh: "secret-refresh-token", handler: iamError(500, "BXNIM0500E", "Internal error"), args: []string{"env"}, wantErr: "HTTP 500 BXNIM0500E Internal error. Try again later.", wantCalls: 4},
		{name: "IAM 502 not JSON", access: expiring, refresh: "secret-refresh-token", handler: func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(502)
			_, _ = w.Write([]byte("<html>bad gateway</html>"))
		}, args: []string{"env"}, wantErr: "HTTP 502. Try again later.", wantCalls: 4},
		{name: "IAM answers garbage", access: expiring, refresh: "secret-refresh-token", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"x'$(id)'","refresh_token":"r2"}`))
		}, args: []string{"env"}, wantErr: "did not answer with a usable access token", wantCalls: 1},
		{name: "IAM's token has no expiry", access: expiring, refresh: "secret-refresh-token", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"eyJhbGciOiJSUzI1NiJ9.eyJpYW1faWQiOiJ4In0.c2ln","refresh_token":"r2"}`))
		}, args: []string{"env"}, wantErr: "did not answer with a usable access token", wantCalls: 1},
		{name: "IAM's token has already expired", access: expiring, refresh: "secret-refresh-token", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"` + iamtest.Valid(-time.Minute) + `","refresh_token":"r2"}`))
		}, args: []string{"env"}, wantErr: "which has already passed by this machine's clock", wantCalls: 1},
		{name: "IAM redirects", access: expiring, refresh: "secret-refresh-token", handler: func(w http.ResponseWriter, r *http.Request) {
			http.Redirect(w, r, "http://127.0.0.1:1/identity/token", http.StatusTemporaryRedirect)
		}, args: []string{"env"}, wantErr: "did not answer with a usable access token", wantCalls: 1},
		{name: "IAM answers without end", access: expiring, refresh: "secret-refresh-token", handler: func(w http.ResponseWriter, _ *http.Request) {
			_, _ = w.Write([]byte(`{"access_token":"`))
			chunk := []byte(strings.Repeat("A", 64<<10))
			for i := 0; i < 64; i++ { // 4 MiB, and it would go on
				if _, err := w.Write(chunk); err != nil {
					return
				}
			}
		}, args: []string{"env"}, wantErr: "did not answer with a usable access token", wantCalls: 1},
		{name: "IAM unreachable", access: expiring, refresh: "secret-refresh-token", closeIAM: true, args: []string{"env"}, wantErr: "Cannot reach IAM at"},
		{name: "IAM never answers", access: expiring, refresh: "secret-refresh-token", timeout: 1, handler: iamtest.Hang, args: []string{"env"}, wantErr: "did not answer within 1s", wantCalls: 1},
		{name: "invalid name", access: valid, args: []string{"env", "--name", "A-B"}, wantErr: "Incorrect Usage: 'A-B' is not a valid variable name"},
		{name: "name with a newline", access: valid, args: []string{"env", "--name", "A\nB"}, wantErr: `'A\nB' is not a valid variable name`},
		{name: "empty name", access: valid, args: []string{"env", "--name="}, wantErr: "is not a valid variable name"},
		{name: "negative min-validity", access: valid, args: []string{"env", "--min-validity", "-1m"}, wantErr: "--min-validity must be at least 0 and less than 1h"},
		{name: "min-validity of an hour", access: valid, args: []string{"env", "--min-validity", "1h"}, wantErr: "less than 1h, the life of an IAM access token"},
		{name: "bad duration", access: valid, args: []string{"env", "--min-validity", "soon"}, wantErr: "Incorrect Usage: invalid argument \"soon\""},
		{name: "unknown flag", access: valid, args: []string{"env", "--bearer"}, wantErr: "Incorrect Usage: unknown flag: --bearer"},
		{name: "extra argument", access: valid, args: []string{"env", "extra"}, wantErr: "Incorrect Usage:"},
		{name: "unknown command", access: valid, args: []string{"token"}, wantErr: "Incorrect Usage: 'token' is not a kp-token command."},
		{name: "unset with refresh", access: valid, args: []string{"env", "--unset", "--refresh"}, wantErr: "Incorrect Usage:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, tc.access, tc.refresh)
			f.ctx.HTTPTimeoutReturns(tc.timeout)
			if tc.handler != nil {
				f.iam.SetHandler(tc.handler)
			}
			if tc.closeIAM {
				f.iam.Close()
			}
			before, err := os.ReadFile(f.config)
			require.NoError(t, err)

			start := time.Now()
			assert.Equal(t, 1, f.run(tc.args...))
			assert.Less(t, time.Since(start), 20*time.Second, "bounded")
			assert.Empty(t, f.ui.Outputs(), "stdout stays empty on failure")
			assert.True(t, strings.HasPrefix(f.ui.Errors(), "FAILED\n"), f.ui.Errors())
			assert.Contains(t, f.ui.Errors(), tc.wantErr)
			if !tc.closeIAM {
				assert.Equal(t, tc.wantCalls, f.iam.Calls())
			}
			for _, secret := range []string{strings.TrimPrefix(tc.access, "Bearer "), tc.refresh} {
				if len(secret) > 3 {
					assert.NotContains(t, f.ui.Errors(), secret, "no secret on stderr")
				}
			}
			after, err := os.ReadFile(f.config)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "config untouched on a failed path")
		})
	}
}

func TestHelp(t *testing.T) {
	f := newFixture(t, "", "")
	assert.Equal(t, 0, f.run("env", "--help"))
	out := f.ui.Outputs()
	for _, want := range []string{"NAME:\n  env - ", "USAGE:\n  ibmcloud kp-token env [--no-bearer] [--name NAME] [--shell SHELL] [--no-export] [--with-expiry] [--min-validity DURATION] [--refresh] [--apikey KEY] [--no-cache] [--unset]", "OPTIONS:", "--min-validity DURATION", "EXAMPLES:"} {
		assert.Contains(t, out, want)
	}

	f = newFixture(t, "", "")
	assert.Equal(t, 1, f.run(), "no command: usage on stderr, not on stdout where eval would run it")
	assert.Empty(t, f.ui.Outputs())
	assert.Contains(t, f.ui.Errors(), "COMMANDS:")
}

// failing answers with fail for the first n calls, then as IAM does.
func failing(s *iamtest.Server, n int, fail http.HandlerFunc) http.HandlerFunc {
	calls := 0
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

func TestEnvRetriesWhatARetryCanFix(t *testing.T) {
	for _, tc := range []struct {
		name     string
		fail     http.HandlerFunc
		atLeast  time.Duration
		wantCall int
	}{
		{"503 once", func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 503, "BXNIM0503E", "busy") }, 0, 2},
		{"429 with Retry-After", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "1")
			iamtest.Error(w, 429, "BXNIM0429E", "Too many requests")
		}, time.Second, 2},
		{"connection reset", reset, 0, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newFixture(t, "Bearer "+iamtest.Valid(time.Minute), "refresh-0")
			f.iam.SetHandler(failing(f.iam, 1, tc.fail))
			start := time.Now()
			require.Equal(t, 0, f.run("env"), f.ui.Errors())
			assert.Equal(t, tc.wantCall, f.iam.Calls())
			assert.Equal(t, "export ACCESS_TOKEN='Bearer "+f.iam.LastIssued()+"'\n", f.ui.Outputs())
			assert.GreaterOrEqual(t, time.Since(start), tc.atLeast, "Retry-After respected")
		})
	}

	t.Run("Retry-After beyond the bound fails at once", func(t *testing.T) {
		f := newFixture(t, "Bearer "+iamtest.Valid(time.Minute), "refresh-0")
		f.ctx.HTTPTimeoutReturns(20)
		f.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Retry-After", "60")
			iamtest.Error(w, 429, "BXNIM0429E", "Too many requests")
		})
		start := time.Now()
		assert.Equal(t, 1, f.run("env"))
		// Neither the 60 s asked for nor the 20 s bound: a wait that cannot succeed is not begun.
		assert.Less(t, time.Since(start), 10*time.Second)
		assert.Equal(t, 1, f.iam.Calls())
		assert.Empty(t, f.ui.Outputs())
		assert.Contains(t, f.ui.Errors(), "HTTP 429 BXNIM0429E Too many requests. Try again later.")
	})

	t.Run("a refusal is not retried", func(t *testing.T) {
		f := newFixture(t, "Bearer "+iamtest.Valid(time.Minute), "refresh-0")
		f.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
			iamtest.Error(w, 400, "BXNIM0408E", "Provided refresh token is expired")
		})
		assert.Equal(t, 1, f.run("env"))
		assert.Equal(t, 1, f.iam.Calls())
	})
}

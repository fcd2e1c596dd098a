package main

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

func TestEnvWithAValidSession(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "refresh-0")
	before, err := os.ReadFile(s.config)
	require.NoError(t, err)

	r := s.run("env")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='Bearer "+jwt+"'\n", r.stdout)
	assert.Empty(t, r.stderr)

	r = s.run("env", "--no-bearer", "--name", "KP_ACCESS_TOKEN")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export KP_ACCESS_TOKEN='"+jwt+"'\n", r.stdout)

	r = s.run("env", "--unset")
	assert.Equal(t, "unset ACCESS_TOKEN\nunset ACCESS_TOKEN_EXPIRES_AT\n", r.stdout, "the expiry goes too")

	assert.Equal(t, 0, s.iam.Calls(), "no network call with a valid token")
	after, err := os.ReadFile(s.config)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing written")
}

func TestEnvRefreshesAndSavesTheSession(t *testing.T) {
	t.Parallel()
	for name, access := range map[string]string{
		"expiring": "Bearer " + iamtest.Valid(3*time.Minute),
		"expired":  "Bearer " + iamtest.Valid(-2*time.Hour),
	} {
		t.Run(name, func(t *testing.T) {
			s := newSession(t, access, "refresh-0")
			r := s.run("env")
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			require.Equal(t, 1, s.iam.Calls())
			fresh := s.iam.LastIssued()
			assert.Equal(t, "export ACCESS_TOKEN='Bearer "+fresh+"'\n", r.stdout)

			cfg := s.readConfig()
			assert.Equal(t, "Bearer "+fresh, cfg["IAMToken"])
			assert.NotEqual(t, "refresh-0", cfg["IAMRefreshToken"])
			assert.Equal(t, map[string]any{"kept": []any{float64(1), "two", true}}, cfg["FutureCLIField"], "unknown fields kept")
			assert.Equal(t, "Jane's Account", cfg["Account"].(map[string]any)["Name"])
			info, err := os.Stat(s.config)
			require.NoError(t, err)
			assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())

			// The next run, like the next ibmcloud command, uses the saved token.
			r = s.run("env")
			assert.Equal(t, "export ACCESS_TOKEN='Bearer "+fresh+"'\n", r.stdout)
			assert.Equal(t, 1, s.iam.Calls())
		})
	}
}

func TestEnvRefreshOnDemand(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(50*time.Minute), "refresh-0")
	r := s.run("env", "--min-validity", "55m")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, s.iam.Calls())
	r = s.run("env", "--refresh", "--no-bearer")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 2, s.iam.Calls())
	assert.Equal(t, "export ACCESS_TOKEN='"+s.iam.LastIssued()+"'\n", r.stdout)
}

// The one table of ways env fails, end to end: whatever the cause (the session, the config,
// IAM, the command line), stdout stays empty so `eval "$(kp-token env)"` does nothing, the exit
// status is 1, stderr starts with FAILED and says what to do, no secret is printed and
// config.json is left byte for byte as it was. The IAM client's own kinds of failure are
// tested one by one in plugin/iam; here a few prove the wiring.
func TestEnvFailures(t *testing.T) {
	t.Parallel()
	valid := "Bearer " + iamtest.Valid(time.Hour)
	// Expired: a token still valid is handed out when its refresh fails (TestAValidToken…).
	expiring := "Bearer " + iamtest.Valid(-time.Minute)
	for _, tc := range []struct {
		name    string
		access  string
		refresh string
		handler http.HandlerFunc
		closed  bool
		timeout int
		args    []string
		want    string
		calls   int
	}{
		{name: "not logged in", want: "You are not logged in. Log in by running 'ibmcloud login'"},
		{name: "hostile token", access: "Bearer x'$(touch pwned)'", refresh: "secret-refresh-token", want: "not a well-formed access token"},
		{name: "token with a newline", access: valid + "\nrm -rf ~", refresh: "secret-refresh-token", want: "is not a well-formed access token"},
		{name: "expired without refresh token", access: "Bearer " + iamtest.Valid(-time.Minute), want: "Your IBM Cloud session has expired"},
		{name: "refresh token expired", access: expiring, refresh: "secret-refresh-token", want: "Your IBM Cloud session has expired", calls: 1,
			handler: func(w http.ResponseWriter, _ *http.Request) {
				iamtest.Error(w, 400, "BXNIM0408E", "Provided refresh token is expired")
			}},
		{name: "refresh rejected", access: expiring, refresh: "secret-refresh-token", want: "HTTP 400 BXNIM0415E Provided API key could not be found. Log in again by running 'ibmcloud login'", calls: 1,
			handler: func(w http.ResponseWriter, _ *http.Request) {
				iamtest.Error(w, 400, "BXNIM0415E", "Provided API key could not be found.")
			}},
		{name: "IAM 500", access: expiring, refresh: "secret-refresh-token", want: "HTTP 500 BXNIM9999E boom. Try again later.", calls: 4,
			handler: func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "boom") }},
		{name: "closed port", access: expiring, refresh: "secret-refresh-token", closed: true, want: "connection refused. Check your network connection and try again."},
		{name: "IAM never answers: the CLI's HTTP timeout bounds the run", access: expiring, refresh: "secret-refresh-token", timeout: 1, handler: iamtest.Hang, want: "did not answer within 1s. Try again later", calls: 1},
		{name: "IAM never answers: the hook's --timeout bounds the run", access: expiring, refresh: "secret-refresh-token", handler: iamtest.Hang, args: []string{"env", "--timeout", "1s"}, want: "did not answer within 1s", calls: 1},
		{name: "invalid name", access: valid, args: []string{"env", "--name", "X;touch pwned"}, want: "Incorrect Usage: 'X;touch pwned' is not a valid variable name"},
		{name: "name with a newline", access: valid, args: []string{"env", "--name", "A\nB"}, want: `'A\nB' is not a valid variable name`},
		{name: "empty name", access: valid, args: []string{"env", "--name="}, want: "is not a valid variable name"},
		{name: "negative min-validity", access: valid, args: []string{"env", "--min-validity", "-1m"}, want: "--min-validity must be at least 0 and less than 1h"},
		{name: "min-validity of an hour", access: valid, args: []string{"env", "--min-validity", "1h"}, want: "less than 1h, the life of an IAM access token"},
		{name: "bad duration", access: valid, args: []string{"env", "--min-validity", "soon"}, want: "Incorrect Usage: 'soon' is not a duration for --min-validity. Give one such as 30s, 10m or 1h30m."},
		{name: "flag without its value", access: valid, args: []string{"env", "--name"}, want: "Incorrect Usage: --name needs a value."},
		{name: "switch with a value", access: valid, args: []string{"env", "--no-bearer=maybe"}, want: "Incorrect Usage: --no-bearer takes no value, or true or false; 'maybe' is neither."},
		{name: "unknown shorthand", access: valid, args: []string{"env", "-x"}, want: "Incorrect Usage: '-x' is not an option of this command."},
		{name: "negative timeout", access: valid, args: []string{"env", "--timeout", "-1s"}, want: "--timeout cannot be negative"},
		{name: "unknown flag", access: valid, args: []string{"env", "--nobearer"}, want: "Incorrect Usage: '--nobearer' is not an option of this command."},
		{name: "extra argument", access: valid, args: []string{"env", "extra"}, want: "Incorrect Usage: 'extra' is not an argument this command takes."},
		{name: "unknown command", access: valid, args: []string{"token"}, want: "Incorrect Usage: 'token' is not a kp-token command."},
		{name: "unset with refresh", access: valid, args: []string{"env", "--unset", "--refresh"}, want: "Incorrect Usage: --unset and --refresh cannot be used together."},
		{name: "unknown shell", access: valid, args: []string{"env", "--shell", "nu"}, want: "'nu' is not a shell kp-token knows"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSession(t, tc.access, tc.refresh, func(c map[string]any) { c["HTTPTimeout"] = tc.timeout })
			if tc.handler != nil {
				s.iam.SetHandler(tc.handler)
			}
			if tc.closed {
				s.iam.Close()
			}
			before, err := os.ReadFile(s.config)
			require.NoError(t, err)
			args := tc.args
			if args == nil {
				args = []string{"env"}
			}
			r := s.run(args...)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout, "stdout stays empty")
			assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			if !tc.closed {
				assert.Equal(t, tc.calls, s.iam.Calls())
			}
			for _, secret := range []string{strings.TrimPrefix(tc.access, "Bearer "), tc.refresh} {
				if len(secret) > 3 {
					assert.NotContains(t, r.stderr, secret, "no secret on stderr")
				}
			}
			after, err := os.ReadFile(s.config)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "config untouched")
			assert.NoFileExists(t, filepath.Join(s.home, "pwned"))
		})
	}
}

func TestBrokenConfigIsReportedAndLeftAlone(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		content []byte
		want    string
	}{
		{"corrupt", []byte(`{"IAMToken": "Bearer abc.def.ghi", "IAMRefreshToken": "secret-refresh",`), "cannot be parsed (invalid JSON at byte"},
		{"wrong type", []byte(`{"IAMToken": 42, "IAMRefreshToken": "secret-refresh"}`), "cannot be parsed (the field IAMToken holds a JSON number)"},
		{"empty", []byte{}, "is empty. Log in by running 'ibmcloud login'"},
		{"not JSON at all", []byte("\x00\x01secret-refresh\xff"), "cannot be parsed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, "", "")
			require.NoError(t, os.WriteFile(s.config, tc.content, 0o600))
			r := s.run("env")
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "FAILED\n")
			assert.Contains(t, r.stderr, tc.want)
			assert.Contains(t, r.stderr, s.config, "names the file")
			assert.NotContains(t, r.stderr, "secret-refresh")
			after, err := os.ReadFile(s.config)
			require.NoError(t, err)
			assert.Equal(t, tc.content, after, "byte for byte unchanged")
		})
	}

	t.Run("no config at all", func(t *testing.T) {
		s := newSession(t, "", "")
		require.NoError(t, os.RemoveAll(filepath.Dir(s.config)))
		r := s.run("env")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "No IBM Cloud CLI configuration was found at '"+s.config+"'")
		assert.NoFileExists(t, s.config, "none is created")
	})

	t.Run("directory in its place", func(t *testing.T) {
		s := newSession(t, "", "")
		require.NoError(t, os.Remove(s.config))
		require.NoError(t, os.Mkdir(s.config, 0o700))
		r := s.run("env")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "is a directory")
	})

	t.Run("unreadable", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads any file: permission denied cannot happen")
		}
		s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "r")
		require.NoError(t, os.Chmod(s.config, 0))
		r := s.run("env")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "cannot be read")
	})
}

func TestStandaloneFastPath(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "r")
	// Where `ibmcloud plugin install` puts the binary, and a link to it named kp-token.
	installed := filepath.Join(s.home, ".bluemix", "plugins", "kp-token", "kp-token")
	require.NoError(t, os.MkdirAll(filepath.Dir(installed), 0o755))
	installBinary(t, installed)
	link := filepath.Join(s.home, "bin", "kp-token")
	require.NoError(t, os.MkdirAll(filepath.Dir(link), 0o755))
	require.NoError(t, os.Symlink(installed, link))

	// Run directly, without the variables the CLI sets.
	s.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.home}
	for _, bin := range []string{installed, link} {
		r := s.runBinary(bin, "env")
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, "export ACCESS_TOKEN='Bearer "+jwt+"'\n", r.stdout)
	}
}

func TestRefreshGoesToTheEndpointTheCLITargets(t *testing.T) {
	t.Parallel()
	for _, private := range []bool{false, true} {
		t.Run(fmt.Sprintf("private=%v", private), func(t *testing.T) {
			closed := iamtest.NewServer()
			closed.Close()
			s := newSession(t, "Bearer "+iamtest.Valid(time.Minute), "secret-refresh-token")
			// The endpoint the CLI targets is the loopback IAM; the other one is a closed port.
			cfg := s.readConfig()
			cfg["IsPrivate"] = private
			cfg["IAMEndpoint"], cfg["IAMPrivateEndpoint"] = s.iam.URL, closed.URL
			if private {
				cfg["IAMEndpoint"], cfg["IAMPrivateEndpoint"] = closed.URL, s.iam.URL
			}
			_, err := iamtest.WriteConfig(s.home, cfg)
			require.NoError(t, err)
			// Without IAM_ENDPOINT the SDK's choice of endpoint applies.
			s.env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.home, "IBMCLOUD_HOME=" + s.home}

			r := s.run("env")
			require.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, 1, s.iam.Calls())
			assert.Equal(t, "export ACCESS_TOKEN='Bearer "+s.iam.LastIssued()+"'\n", r.stdout)
		})
	}
}

// A field the SDK cannot decode (a string where it wants a number) does not concern a run whose
// token is valid; a run that must refresh reports it and leaves the file alone, where the SDK
// would replace it with an empty config.
func TestAFieldTheSDKCannotDecode(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		access string
		code   int
	}{
		{"valid token", "Bearer " + iamtest.Valid(time.Hour), 0},
		{"expired token", "Bearer " + iamtest.Valid(-time.Minute), 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t, tc.access, "secret-refresh-token", func(c map[string]any) { c["HTTPTimeout"] = "soon" })
			before, err := os.ReadFile(s.config)
			require.NoError(t, err)
			r := s.run("env")
			assert.Equal(t, tc.code, r.code, r.stderr)
			if tc.code == 0 {
				assert.Equal(t, "export ACCESS_TOKEN='"+tc.access+"'\n", r.stdout)
			} else {
				assert.Empty(t, r.stdout)
				assert.Contains(t, r.stderr, "cannot be parsed (the field HTTPTimeout holds a JSON string)")
			}
			assert.Equal(t, 0, s.iam.Calls())
			after, err := os.ReadFile(s.config)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after))
		})
	}
}

// A token that has not expired is never withheld: when its refresh fails, env prints it, says
// on stderr how long it has and why it was not refreshed, and exits 0.
func TestAValidTokenIsHandedOutWhenItsRefreshFails(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(4 * time.Minute)
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	s.iam.SetHandler(func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "down") })
	before, err := os.ReadFile(s.config)
	require.NoError(t, err)
	r := s.run("env")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='Bearer "+jwt+"'\n", r.stdout)
	assert.Contains(t, r.stderr, "WARNING: The access token was not refreshed, so the one at hand was handed out; it expires in ")
	assert.Contains(t, r.stderr, "HTTP 500 BXNIM9999E down. Try again later.")
	assert.NotContains(t, r.stderr, "FAILED")
	assert.Equal(t, 4, s.iam.Calls())
	after, err := os.ReadFile(s.config)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// --refresh asks for a new token: without one it fails.
	r = s.run("env", "--refresh")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
}

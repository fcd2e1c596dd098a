package main

// What of env needs the binary as a process. Everything else env does (its lines, flags,
// refreshes, failures, broken configs, endpoints, instances) is tested in-process in
// commands/env_test.go.

import (
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

// Needs a process: the binary run directly, by the path `ibmcloud plugin install` puts it at
// and through a link to it, without any of the variables the CLI sets: main finds config.json
// from HOME alone.
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
		assert.Empty(t, r.stderr)
	}
	assert.Equal(t, 0, s.iam.Calls())
}

// Needs a process: the exit status the shell sees, main's own (it does not route commands
// through the SDK's plugin.Start, whose config loading would write an empty config over one
// that does not parse), and no panic stack on stderr (the harness checks every run). One
// failure of each kind; the whole table of them is commands/env_test.go's.
func TestEnvFailsAsAProcess(t *testing.T) {
	t.Parallel()
	valid := "Bearer " + iamtest.Valid(time.Hour)
	expired := "Bearer " + iamtest.Valid(-time.Minute)
	for _, tc := range []struct {
		name    string
		access  string
		refresh string
		config  []byte // written over config.json when set
		handler http.HandlerFunc
		args    []string
		want    string
		calls   int
	}{
		{name: "not logged in", args: []string{"env"}, want: "You are not logged in. Log in by running 'ibmcloud login'"},
		{name: "broken config", config: []byte(`{"IAMToken": "Bearer abc.def.ghi", "IAMRefreshToken": "secret-refresh-token",`), args: []string{"env"},
			want: "cannot be parsed (invalid JSON at byte"},
		{name: "hostile token", access: "Bearer x'$(touch pwned)'", refresh: "secret-refresh-token", args: []string{"env"}, want: "not a well-formed access token"},
		{name: "refresh rejected", access: expired, refresh: "secret-refresh-token", args: []string{"env"}, want: "HTTP 400 BXNIM0415E Provided API key could not be found.", calls: 1,
			handler: func(w http.ResponseWriter, _ *http.Request) {
				iamtest.Error(w, 400, "BXNIM0415E", "Provided API key could not be found.")
			}},
		{name: "unknown flag", access: valid, args: []string{"env", "--nobearer"}, want: "Incorrect Usage: '--nobearer' is not an option of this command."},
		{name: "unknown command", access: valid, args: []string{"token"}, want: "Incorrect Usage: 'token' is not a kp-token command."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSession(t, tc.access, tc.refresh)
			if tc.config != nil {
				require.NoError(t, os.WriteFile(s.config, tc.config, 0o600))
			}
			if tc.handler != nil {
				s.iam.SetHandler(tc.handler)
			}
			before, err := os.ReadFile(s.config)
			require.NoError(t, err)
			r := s.run(tc.args...)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout, "stdout stays empty")
			assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, "secret-refresh-token")
			assert.Equal(t, tc.calls, s.iam.Calls())
			after, err := os.ReadFile(s.config)
			require.NoError(t, err)
			assert.Equal(t, string(before), string(after), "config untouched")
			assert.NoFileExists(t, filepath.Join(s.home, "pwned"))
		})
	}

	t.Run("no command", func(t *testing.T) {
		t.Parallel()
		s := newSession(t, valid, "secret-refresh-token")
		r := s.run()
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout, "usage on stderr, not on stdout where eval would run it")
		assert.Contains(t, r.stderr, "COMMANDS:")
	})
}

package commands_test

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/wiring"
)

// TestMain pins what the commands read from the process's environment for their words and
// colours, so that the tests see English without colour whatever the developer's shell says:
// i18n follows LC_ALL, LC_MESSAGES and LANG, colour follows IBMCLOUD_COLOR, and a run without
// its own Deps.Getenv reads IBMCLOUD_QUIET and KP_TOKEN_ASSUME. (The end-to-end
// harness pins LANG=C.UTF-8 the same way.) exec's helper process keeps the environment its test
// gave it: that is what it checks.
func TestMain(m *testing.M) {
	if os.Getenv(execHelperVar) == "" {
		for _, v := range []string{"LC_ALL", "LC_MESSAGES", "IBMCLOUD_COLOR", "IBMCLOUD_QUIET", "KP_TOKEN_ASSUME", "KP_TOKEN_ACCOUNT"} {
			_ = os.Unsetenv(v)
		}
		_ = os.Setenv("LANG", "C.UTF-8")
		i18n.Init("")
	}
	os.Exit(m.Run())
}

// session is the real plug-in in-process: the commands on plugin/wiring's runtime over a
// config.json written in the CLI's format in a temporary home, with a loopback server
// standing in for IAM through IAM_ENDPOINT. Its environment is vars alone (not the process's),
// so tests run in parallel. What needs a process of its own (the binary as the CLI runs it,
// real shells, signals, many processes at once) is plugin's end-to-end suite.
type session struct {
	t      *testing.T
	home   string
	config string
	iam    *iamtest.Server
	vars   map[string]string
}

// newSession is a logged-in session whose config holds access and refresh; edit changes the
// config before it is written.
func newSession(t *testing.T, access, refresh string, edit ...func(map[string]any)) *session {
	t.Helper()
	s := &session{t: t, home: t.TempDir(), iam: iamtest.NewServer()}
	t.Cleanup(s.iam.Close)
	cfg := iamtest.Config(access, refresh, "https://iam.cloud.ibm.com")
	for _, e := range edit {
		e(cfg)
	}
	var err error
	s.config, err = iamtest.WriteConfig(s.home, cfg)
	require.NoError(t, err)
	s.vars = map[string]string{"IAM_ENDPOINT": s.iam.URL}
	return s
}

// run runs args in-process, as `ibmcloud kp-token ARGS` would.
func (s *session) run(args ...string) outcome {
	return s.runIn("", args...)
}

// runIn runs args with stdin.
func (s *session) runIn(stdin string, args ...string) outcome {
	rt := wiring.Disk(s.config, commands.Namespace).WithGetenv(func(k string) string { return s.vars[k] })
	return execute(rt, stdin, args...)
}

// readConfig is config.json as it is on disk now; it must still parse.
func (s *session) readConfig() map[string]any {
	s.t.Helper()
	b, err := os.ReadFile(s.config)
	require.NoError(s.t, err)
	var m map[string]any
	require.NoError(s.t, json.Unmarshal(b, &m), "config.json still parses")
	return m
}

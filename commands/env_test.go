package commands_test

import (
	"encoding/json"
	"os"
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
	"github.com/kp-token/kp-token/plugin/wiring"
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
	rt := wiring.New(f.config, commands.Namespace, source.Loaded(f.ctx)).WithGetenv(func(string) string { return "" })
	return commands.Execute(&commands.Deps{Stdout: f.ui.Writer(), Stderr: f.ui.ErrWriter(), Runtime: rt}, args)
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
		{[]string{"env", "--unset"}, "unset ACCESS_TOKEN\nunset ACCESS_TOKEN_EXPIRES_AT\n"},
		{[]string{"env", "--unset", "--name", "KP"}, "unset KP\nunset KP_EXPIRES_AT\n"},
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
	d := &commands.Deps{Stdout: ui.Writer(), Stderr: ui.ErrWriter(), Runtime: nil}
	assert.Equal(t, 0, commands.Execute(d, []string{"env", "--unset"}))
	assert.Equal(t, "unset ACCESS_TOKEN\nunset ACCESS_TOKEN_EXPIRES_AT\n", ui.Outputs())
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

			// What the refresh saves, and how, is the session source's to test (plugin/source).
			assert.Equal(t, "Bearer "+fresh, f.configFields()["IAMToken"], "the CLI's next command uses the new token")
		})
	}
}

func TestHelp(t *testing.T) {
	f := newFixture(t, "", "")
	assert.Equal(t, 0, f.run("env", "--help"))
	out := f.ui.Outputs()
	for _, want := range []string{"NAME:\n  env - ", "USAGE:\n  ibmcloud kp-token env [--no-bearer] [--name NAME] [--shell SHELL] [--no-export] [--with-expiry] [--min-validity DURATION] [--refresh] [--apikey KEY] [--cr-token TOKEN] [--profile PROFILE] [--no-cache] [--timeout DURATION] [--instance INSTANCE] [--private] [--public] [--url URL] [--format FORMAT] [--service NAME] [--unset]", "OPTIONS:", "--min-validity DURATION", "EXAMPLES:"} {
		assert.Contains(t, out, want)
	}

	f = newFixture(t, "", "")
	assert.Equal(t, 1, f.run(), "no command: usage on stderr, not on stdout where eval would run it")
	assert.Empty(t, f.ui.Outputs())
	assert.Contains(t, f.ui.Errors(), "COMMANDS:")
}

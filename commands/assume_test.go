package commands_test

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

const (
	rotatorID      = "Profile-7c3e3b1a-4d5e-4f60-9a8b-0c1d2e3f4a5b"
	rotatorAccount = "0123456789abcdef0123456789abcdef" // the session's
)

// assumeSession is a logged-in session (the default user of iamtest.JWT) whose IAM knows the
// kp-rotator profile, which trusts that user.
func assumeSession(t *testing.T) *session {
	t.Helper()
	s := newSession(t, "Bearer "+iamtest.Valid(30*time.Minute), "secret-refresh-token")
	s.iam.SetTrusted(iamtest.TrustedProfile{ID: rotatorID, Name: "kp-rotator", Account: rotatorAccount, Trusts: []string{"IBMid-2700012345"}})
	return s
}

// Done-when of issue 20: `eval "$(kp-token env --assume kp-rotator)"` in a logged-in shell sets
// the profile's token, with one assume call and then none, from the cache; show names the
// profile and the caller.
func TestAssumeEnvThenShow(t *testing.T) {
	t.Parallel()
	s := assumeSession(t)
	before, err := os.ReadFile(s.config)
	require.NoError(t, err)

	r := s.run("env", "--assume", "kp-rotator")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	profileToken := s.iam.LastIssued()
	assert.Equal(t, "export ACCESS_TOKEN='Bearer "+profileToken+"'\n", r.stdout)
	assert.Equal(t, "Profile", mustParse(t, profileToken).Claims().SubjectType)
	require.Len(t, s.iam.Assumed(), 1)

	for _, args := range [][]string{{"env", "--assume", "kp-rotator"}, {"print", "--assume", "kp-rotator"}} {
		r = s.run(args...)
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, profileToken)
	}
	// The variable does what the flag does, for every command.
	s.vars["KP_TOKEN_ASSUME"] = "kp-rotator"
	r = s.run("print", "--no-bearer")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, profileToken+"\n", r.stdout)
	assert.Len(t, s.iam.Assumed(), 1, "every later run is answered by the cache")
	assert.Equal(t, 1, s.iam.Calls())
	after, err := os.ReadFile(s.config)
	require.NoError(t, err)
	assert.Equal(t, before, after, "config.json untouched")

	r = s.run("show")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{
		"Trusted profile   kp-rotator (" + rotatorID + ")",
		"On behalf of      Jane Doe, jane.doe@example.com (IBMid-2700012345)",
		"Token source      trusted profile, assumed with the login session",
		"Logged in with    user name and password",
		"IAM ID            iam-" + rotatorID,
		"Account ID        " + rotatorAccount,
	} {
		assert.Contains(t, r.stdout, want)
	}
	assert.NotContains(t, r.stdout, "Refresh token", "the profile's token comes without one")
	assert.NotContains(t, r.stdout, profileToken)

	r = s.run("show", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var got commands.SessionJSON
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, "assumed_profile", got.TokenSource)
	assert.Equal(t, "trusted_profile", got.SubjectType)
	assert.Equal(t, "kp-rotator", got.Name)
	assert.Equal(t, rotatorID, got.Subject)
	assert.Equal(t, rotatorAccount, got.AccountID)
	assert.Equal(t, "assume", got.Login)
	assert.Equal(t, s.iam.URL, got.RenewsAt)
	require.NotNil(t, got.OnBehalfOf)
	assert.Equal(t, "session", got.OnBehalfOf.TokenSource)
	assert.Equal(t, "jane.doe@example.com", got.OnBehalfOf.Email)
	assert.Equal(t, "IBMid-2700012345", got.OnBehalfOf.IAMID)
	assert.True(t, got.OnBehalfOf.RefreshTokenHeld)
	assert.Nil(t, got.OnBehalfOf.OnBehalfOf)
	assert.NotContains(t, r.stdout, profileToken)
}

// What goes wrong says what to do, prints nothing on stdout, and changes nothing.
func TestAssumeFailsCleanly(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"no such profile", []string{"env", "--assume", "kp-rotater"}, "IAM found no trusted profile 'kp-rotater'"},
		{"a name looked up in another account", []string{"env", "--assume", "kp-rotator", "--account", "fedcba9876543210fedcba9876543210"}, "IAM found no trusted profile 'kp-rotator'"},
		{"show before any env", []string{"show", "--assume", "kp-rotator"}, "No token for this trusted profile is cached for you"},
		{"a hostile name", []string{"env", "--assume", "kp\x1b]0;owned\x07"}, "blank or holds control characters"},
		{"--account alone", []string{"env", "--account", rotatorAccount}, "--account"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := assumeSession(t)
			before, err := os.ReadFile(s.config)
			require.NoError(t, err)
			r := s.run(tc.args...)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, "\x1b]0;")
			after, err := os.ReadFile(s.config)
			require.NoError(t, err)
			assert.Equal(t, before, after)
		})
	}

	t.Run("a caller the profile does not trust", func(t *testing.T) {
		t.Parallel()
		s := assumeSession(t)
		s.iam.SetTrusted(iamtest.TrustedProfile{ID: rotatorID, Name: "kp-rotator", Account: rotatorAccount, Trusts: []string{"IBMid-someone-else"}})
		r := s.run("env", "--assume", rotatorID)
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "IAM refused to let you assume the trusted profile '"+rotatorID+"'")
		assert.Contains(t, r.stderr, "trust relationship")
	})
}

// --instance and instances ask the Resource Controller with the profile's token: the profile
// sees what its policies let it see.
func TestAssumeWithInstances(t *testing.T) {
	t.Parallel()
	s := assumeSession(t)
	rc := serveInstances(t, s)
	r := s.run("env", "--assume", "kp-rotator", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "KP_INSTANCE_ID='"+rcKP.GUID+"'")
	profileToken := s.iam.LastIssued()
	r = s.run("instances", "--assume", "kp-rotator", "--refresh")
	require.Equal(t, 0, r.code, r.stderr)
	bearers := rc.Bearers()
	require.NotEmpty(t, bearers)
	for _, b := range bearers {
		assert.Equal(t, "Profile", mustParse(t, b).Claims().SubjectType, "the Resource Controller sees the profile's tokens only")
	}
	assert.Contains(t, bearers, profileToken)
}

// The hook writes --assume and --account into the command it runs at each prompt.
func TestAssumeInTheHook(t *testing.T) {
	t.Parallel()
	s := assumeSession(t)
	rt := stampRuntime{wired(s), t.TempDir()}
	r := execute(rt, "", "hook", "bash", "--assume", "kp rotator", "--account", rotatorAccount)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "'--assume' 'kp rotator' '--account' '"+rotatorAccount+"'")
}

// exec --serve hands its program the profile's tokens, renewed across their lifetime: IAM's
// stand-in mints tokens of 3 s, and the program authenticates for three of them.
func TestAssumeServeRenews(t *testing.T) {
	t.Parallel()
	const life, minValidity = 3 * time.Second, time.Second
	s := assumeSession(t)
	s.iam.SetLifetime(life)
	r := s.run(append([]string{"exec", "--serve", "--assume", "kp-rotator", "--min-validity", minValidity.String(), "--"},
		clientArgs("loop", "2", (3*life).String(), minValidity.String())...)...)
	require.Equal(t, 0, r.code, r.stderr)
	var rep clientReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	assert.Empty(t, rep.Errors)
	assert.Empty(t, rep.Short)
	assumed := s.iam.Assumed()
	assert.GreaterOrEqual(t, len(assumed), 3, "three lifetimes need three profile tokens at least")
	assert.Equal(t, len(assumed), s.iam.Calls(), "no refresh of the caller: its token outlives the test")
	require.NotEmpty(t, rep.Tokens)
	for _, tok := range rep.Tokens {
		assert.Equal(t, "Profile", mustParse(t, tok).Claims().SubjectType, "the program sees the profile's tokens only")
	}
}

// The CLI's trace shows the assume call with neither the caller's token nor the profile's.
func TestAssumeTraceHidesBothTokens(t *testing.T) {
	t.Parallel()
	s := assumeSession(t)
	caller := strings.TrimPrefix(s.readConfig()["IAMToken"].(string), "Bearer ")
	trace := s.home + "/trace.log"
	r := runVars(s, "", []string{"IBMCLOUD_TRACE=" + trace}, "env", "--assume", "kp-rotator")
	require.Equal(t, 0, r.code, r.stderr)
	b, err := os.ReadFile(trace)
	require.NoError(t, err)
	traced := string(b)
	assert.Contains(t, traced, "grant-type%3Aassume", "the assume call is traced")
	profile := s.iam.LastIssued()
	for _, secret := range []string{caller, strings.Split(caller, ".")[1], profile, strings.Split(profile, ".")[1]} {
		assert.NotContains(t, traced, secret)
		assert.NotContains(t, r.stderr, secret)
	}
}

// The hook refuses at once what its command would fail with at every prompt.
func TestAssumeHookRefuses(t *testing.T) {
	t.Parallel()
	for _, args := range [][]string{
		{"hook", "bash", "--account", rotatorAccount},
		{"hook", "bash", "--assume", " "},
		{"hook", "bash", "--assume", "kp-rotator", "--account", "\t"},
		{"hook", "zsh", "--assume", "kp\x1b[2Jrotator"},
	} {
		s := assumeSession(t)
		r := execute(stampRuntime{wired(s), t.TempDir()}, "", args...)
		assert.Equal(t, 1, r.code, "%q", args)
		assert.Empty(t, r.stdout, "%q", args)
		assert.Contains(t, r.stderr, "Incorrect Usage", "%q", args)
		assert.NotContains(t, r.stderr, "\x1b[2J")
	}
	// --account with the profile in the environment is what env takes.
	s := assumeSession(t)
	env := func(k string) string { return map[string]string{"KP_TOKEN_ASSUME": "kp-rotator"}[k] }
	r := executeIn(stampRuntime{wired(s, "KP_TOKEN_ASSUME=kp-rotator"), t.TempDir()}, env, "hook", "bash", "--account", rotatorAccount)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "'--account' '"+rotatorAccount+"'")
}

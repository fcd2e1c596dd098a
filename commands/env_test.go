package commands_test

// env in-process. Its own logic runs on the fake runtime: the lines each flag, dialect and
// format makes, what it asks of the token source and the Resource Controller, and what it
// refuses before asking for a token. The whole stack runs on session: a refresh saved to
// config.json, a broken config reported and left alone, the IAM endpoint the CLI targets, a
// valid token handed out when its refresh fails, instances from a loopback Resource Controller,
// and --format sdk as go-sdk-core reads it. What needs the binary as a process stays in
// plugin/env_test.go.

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin/pluginfakes"
	"github.com/IBM/go-sdk-core/v5/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/source"
	"github.com/kp-token/kp-token/plugin/token"
	"github.com/kp-token/kp-token/plugin/wiring"
)

// TestEnv is every kind of line env prints, on a fake runtime whose source hands out one
// token: the exact stdout, what the source was asked, and what the instance lookup was asked.
func TestEnv(t *testing.T) {
	jwt := iamtest.Valid(time.Hour)
	tok := mustParse(t, jwt)
	exp := strconv.FormatInt(tok.Expiry.Unix(), 10)
	kp := kms.Instance{Name: "my-kp", GUID: rcKP.GUID, Service: kms.KeyProtect, Region: "us-south"}
	const kpURL = "https://us-south.kms.cloud.ibm.com"
	found := func(_ token.Token, q kms.Query) (kms.Resolution, error) {
		return kms.Resolution{Instance: kp, URL: kpURL}, nil
	}
	fiveMin := []token.Options{{MinValidity: 5 * time.Minute}}
	for _, tc := range []struct {
		args    []string
		stdout  string
		asked   []token.Options // nil: no token source is opened
		queries []kms.Query
	}{
		{[]string{"env"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--no-bearer"}, "export ACCESS_TOKEN='" + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--name", "KP_TOKEN"}, "export KP_TOKEN='Bearer " + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--name=_x1", "--no-bearer"}, "export _x1='" + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--no-export"}, "ACCESS_TOKEN='Bearer " + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--with-expiry"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\nexport ACCESS_TOKEN_EXPIRES_AT='" + exp + "'\n", fiveMin, nil},
		{[]string{"env", "--with-expiry", "--name", "KP", "--no-bearer", "--no-export"}, "KP='" + jwt + "'\nKP_EXPIRES_AT='" + exp + "'\n", fiveMin, nil},
		{[]string{"env", "--min-validity", "59m"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\n", []token.Options{{MinValidity: 59 * time.Minute}}, nil},
		{[]string{"env", "--min-validity", "0s"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\n", []token.Options{{}}, nil},
		{[]string{"env", "--refresh", "--no-bearer"}, "export ACCESS_TOKEN='" + jwt + "'\n", []token.Options{{MinValidity: 5 * time.Minute, Force: true}}, nil},

		// Each dialect, by any of its names.
		{[]string{"env", "--shell", "bash"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--shell", "/usr/bin/ZSH"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--shell", "fish"}, "set -gx ACCESS_TOKEN 'Bearer " + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--shell", "fish", "--no-export", "--with-expiry"}, "set -g ACCESS_TOKEN 'Bearer " + jwt + "'\nset -g ACCESS_TOKEN_EXPIRES_AT '" + exp + "'\n", fiveMin, nil},
		{[]string{"env", "--shell", "csh", "--with-expiry"}, "setenv ACCESS_TOKEN 'Bearer " + jwt + "'; setenv ACCESS_TOKEN_EXPIRES_AT '" + exp + "'\n", fiveMin, nil},
		{[]string{"env", "--shell", "tcsh", "--no-export"}, "set ACCESS_TOKEN='Bearer " + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--shell", "powershell"}, "$Env:ACCESS_TOKEN = 'Bearer " + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--shell", "PWSH", "--no-export"}, "$Env:ACCESS_TOKEN = 'Bearer " + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--shell", "cmd", "--no-bearer"}, `set "ACCESS_TOKEN=` + jwt + `"` + "\n", fiveMin, nil},

		// --unset: the expiry goes too, and no session is needed.
		{[]string{"env", "--unset"}, "unset ACCESS_TOKEN\nunset ACCESS_TOKEN_EXPIRES_AT\n", nil, nil},
		{[]string{"env", "--unset", "--name", "KP"}, "unset KP\nunset KP_EXPIRES_AT\n", nil, nil},
		{[]string{"env", "--unset", "--shell", "fish"}, "set -e ACCESS_TOKEN\nset -e ACCESS_TOKEN_EXPIRES_AT\n", nil, nil},
		{[]string{"env", "--unset", "--shell", "csh"}, "unset ACCESS_TOKEN; unsetenv ACCESS_TOKEN; unset ACCESS_TOKEN_EXPIRES_AT; unsetenv ACCESS_TOKEN_EXPIRES_AT\n", nil, nil},
		{[]string{"env", "--unset", "--shell", "pwsh"}, "Remove-Item Env:ACCESS_TOKEN -ErrorAction SilentlyContinue\nRemove-Item Env:ACCESS_TOKEN_EXPIRES_AT -ErrorAction SilentlyContinue\n", nil, nil},
		{[]string{"env", "--unset", "--shell", "cmd"}, `set "ACCESS_TOKEN="` + "\n" + `set "ACCESS_TOKEN_EXPIRES_AT="` + "\n", nil, nil},
		{[]string{"env", "--unset", "--instance", "my-kp"}, "unset ACCESS_TOKEN\nunset ACCESS_TOKEN_EXPIRES_AT\nunset KP_INSTANCE_ID\nunset KP_URL\n", nil, nil},

		// --format sdk: the variables go-sdk-core reads; its URL only with an instance.
		{[]string{"env", "--format", "sdk"}, "export IBM_KEY_PROTECT_API_AUTH_TYPE='bearerToken'\nexport IBM_KEY_PROTECT_API_BEARER_TOKEN='" + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--format", "SDK", "--service", "my-svc"}, "export MY_SVC_AUTH_TYPE='bearerToken'\nexport MY_SVC_BEARER_TOKEN='" + jwt + "'\n", fiveMin, nil},
		{[]string{"env", "--format", "sdk", "--instance", "my-kp", "--shell", "fish"},
			"set -gx IBM_KEY_PROTECT_API_AUTH_TYPE 'bearerToken'\nset -gx IBM_KEY_PROTECT_API_BEARER_TOKEN '" + jwt + "'\nset -gx IBM_KEY_PROTECT_API_URL '" + kpURL + "'\n" +
				"set -gx KP_INSTANCE_ID '" + kp.GUID + "'\nset -gx KP_URL '" + kpURL + "'\n",
			fiveMin, []kms.Query{{Ref: "my-kp"}}},
		{[]string{"env", "--format", "sdk", "--unset"}, "unset IBM_KEY_PROTECT_API_AUTH_TYPE\nunset IBM_KEY_PROTECT_API_BEARER_TOKEN\nunset IBM_KEY_PROTECT_API_URL\nunset KP_INSTANCE_ID\nunset KP_URL\n", nil, nil},
		{[]string{"env", "--format", "sdk", "--unset", "--service", "other", "--shell", "cmd"},
			`set "OTHER_AUTH_TYPE="` + "\n" + `set "OTHER_BEARER_TOKEN="` + "\n" + `set "OTHER_URL="` + "\n" + `set "KP_INSTANCE_ID="` + "\n" + `set "KP_URL="` + "\n", nil, nil},

		// --instance: its GUID and endpoint after the token, asked as the flags say.
		{[]string{"env", "--instance", "my-kp"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\nexport KP_INSTANCE_ID='" + kp.GUID + "'\nexport KP_URL='" + kpURL + "'\n",
			fiveMin, []kms.Query{{Ref: "my-kp"}}},
		{[]string{"env", "--instance", "my-kp", "--private", "--with-expiry", "--no-bearer"},
			"export ACCESS_TOKEN='" + jwt + "'\nexport ACCESS_TOKEN_EXPIRES_AT='" + exp + "'\nexport KP_INSTANCE_ID='" + kp.GUID + "'\nexport KP_URL='" + kpURL + "'\n",
			fiveMin, []kms.Query{{Ref: "my-kp", Choice: kms.Choice{Network: kms.Private}}}},
		{[]string{"env", "--instance", "my-kp", "--public", "--shell", "csh"},
			"setenv ACCESS_TOKEN 'Bearer " + jwt + "'; setenv KP_INSTANCE_ID '" + kp.GUID + "'; setenv KP_URL '" + kpURL + "'\n",
			fiveMin, []kms.Query{{Ref: "my-kp", Choice: kms.Choice{Network: kms.Public}}}},
		{[]string{"env", "--instance", "my-kp", "--url", "https://kp.example.com", "--refresh"},
			"export ACCESS_TOKEN='Bearer " + jwt + "'\nexport KP_INSTANCE_ID='" + kp.GUID + "'\nexport KP_URL='" + kpURL + "'\n",
			[]token.Options{{MinValidity: 5 * time.Minute, Force: true}}, []kms.Query{{Ref: "my-kp", Choice: kms.Choice{URL: "https://kp.example.com"}, Refresh: true}}},
	} {
		t.Run(strings.Join(tc.args[1:], " "), func(t *testing.T) {
			rt := withToken(tok)
			rt.resolve = found
			got := execute(rt, "", tc.args...)
			require.Equal(t, 0, got.code, got.stderr)
			assert.Equal(t, tc.stdout, got.stdout)
			assert.Empty(t, got.stderr)
			assert.Equal(t, tc.asked, rt.src.asked)
			assert.Len(t, rt.opened, len(tc.asked), "--unset opens no token source")
			assert.Equal(t, tc.queries, rt.queries)
		})
	}
}

// What env passes to the token source: the credential flags, --no-cache and --timeout, with
// standard input for --apikey @-.
func TestEnvAsksTheSourceAsTheFlagsSay(t *testing.T) {
	rt := withToken(mustParse(t, iamtest.Valid(time.Hour)))
	got := execute(rt, "the key\n", "env", "--apikey", "@-", "--no-cache", "--timeout", "5s")
	require.Equal(t, 0, got.code, got.stderr)
	require.Len(t, rt.opened, 1)
	req := rt.opened[0]
	assert.Equal(t, "@-", req.APIKey)
	assert.True(t, req.NoCache)
	assert.Equal(t, 5*time.Second, req.Timeout)
	assert.False(t, req.Hook)
	require.NotNil(t, req.Stdin)
	require.NotNil(t, req.Warn)

	rt = withToken(mustParse(t, iamtest.Valid(time.Hour)))
	got = execute(rt, "", "env", "--cr-token", "@/var/run/secrets/tokens/sa-token", "--profile", "kp-reader")
	require.Equal(t, 0, got.code, got.stderr)
	require.Len(t, rt.opened, 1)
	assert.Equal(t, "@/var/run/secrets/tokens/sa-token", rt.opened[0].CRToken)
	assert.Equal(t, "kp-reader", rt.opened[0].Profile)
	assert.Empty(t, rt.opened[0].APIKey)
	assert.Zero(t, rt.opened[0].Timeout, "the CLI's HTTP timeout, decided by the source")

	// A warning the source gives goes to stderr, the lines to stdout.
	t.Setenv("IBMCLOUD_COLOR", "false")
	rt = withToken(mustParse(t, iamtest.Valid(time.Hour)))
	got = execute(warningRuntime{rt}, "", "env", "--no-bearer")
	require.Equal(t, 0, got.code, got.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='"+rt.src.tok.JWT+"'\n", got.stdout)
	assert.Equal(t, "Careful.\n", got.stderr)
}

// warningRuntime's source warns through the request's printer as it opens.
type warningRuntime struct{ *fakeRuntime }

func (r warningRuntime) Open(req token.Request) (token.Source, error) {
	req.Warn("Careful.")
	return r.fakeRuntime.Open(req)
}

// TestEnvRefusals: whatever env refuses, stdout stays empty so `eval "$(kp-token env)"` does
// nothing, the exit status is 1 and stderr starts with FAILED. A mistake in the command line
// costs no token: the source is not even opened.
func TestEnvRefusals(t *testing.T) {
	jwt := iamtest.Valid(time.Hour)
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"invalid name", []string{"env", "--name", "X;touch pwned"}, "Incorrect Usage: 'X;touch pwned' is not a valid variable name"},
		{"name with a newline", []string{"env", "--name", "A\nB"}, `Incorrect Usage: 'A\nB' is not a valid variable name`},
		{"empty name", []string{"env", "--name="}, "Incorrect Usage: '' is not a valid variable name"},
		{"name starting with a digit, even to unset", []string{"env", "--unset", "--name", "1X"}, "Incorrect Usage: '1X' is not a valid variable name"},
		{"negative min-validity", []string{"env", "--min-validity", "-1m"}, "Incorrect Usage: --min-validity must be at least 0 and less than 1h"},
		{"min-validity of an hour", []string{"env", "--min-validity", "1h"}, "less than 1h, the life of an IAM access token"},
		{"bad duration", []string{"env", "--min-validity", "soon"}, "Incorrect Usage: 'soon' is not a duration for --min-validity. Give one such as 30s, 10m or 1h30m."},
		{"flag without its value", []string{"env", "--name"}, "Incorrect Usage: --name needs a value."},
		{"switch with a value", []string{"env", "--no-bearer=maybe"}, "Incorrect Usage: --no-bearer takes no value, or true or false; 'maybe' is neither."},
		{"unknown shorthand", []string{"env", "-x"}, "Incorrect Usage: '-x' is not an option of this command."},
		{"negative timeout", []string{"env", "--timeout", "-1s"}, "Incorrect Usage: --timeout cannot be negative"},
		{"negative timeout, to unset", []string{"env", "--unset", "--timeout", "-1s"}, "Incorrect Usage: --timeout cannot be negative"},
		{"unknown flag", []string{"env", "--nobearer"}, "Incorrect Usage: '--nobearer' is not an option of this command."},
		{"extra argument", []string{"env", "extra"}, "Incorrect Usage: 'extra' is not an argument this command takes."},
		{"unknown command", []string{"token"}, "Incorrect Usage: 'token' is not a kp-token command."},
		{"unset with refresh", []string{"env", "--unset", "--refresh"}, "Incorrect Usage: --unset and --refresh cannot be used together."},
		{"unset with no-bearer", []string{"env", "--unset", "--no-bearer"}, "Incorrect Usage: --unset and --no-bearer cannot be used together."},
		{"unset with min-validity", []string{"env", "--unset", "--min-validity", "1m"}, "Incorrect Usage: --unset and --min-validity cannot be used together."},
		{"format with name", []string{"env", "--format", "sdk", "--name", "X"}, "Incorrect Usage: --format and --name cannot be used together."},
		{"format with no-bearer", []string{"env", "--format", "sdk", "--no-bearer"}, "Incorrect Usage: --format and --no-bearer cannot be used together."},
		{"format with with-expiry", []string{"env", "--format", "sdk", "--with-expiry"}, "Incorrect Usage: --format and --with-expiry cannot be used together."},
		{"unknown format", []string{"env", "--format", "yaml"}, "Incorrect Usage: 'yaml' is not a format env knows. Give sdk, or no --format for NAME."},
		{"service no SDK reads", []string{"env", "--format", "sdk", "--service", "1kp"}, "Incorrect Usage: '1kp' is not a service name the IBM SDKs read from the environment."},
		{"unknown shell", []string{"env", "--shell", "nu"}, "Incorrect Usage: 'nu' is not a shell kp-token knows. Use one of: sh, "},
		{"no shell", []string{"env", "--shell="}, "Incorrect Usage: '' is not a shell kp-token knows."},
		{"endpoint without an instance", []string{"env", "--private"}, "Incorrect Usage: --private, --public and --url choose the endpoint of an --instance: name the instance too."},
		{"url without an instance", []string{"env", "--url", "https://kp.example.com"}, "Incorrect Usage: --private, --public and --url choose the endpoint of an --instance"},
		{"two endpoints", []string{"env", "--instance", "my-kp", "--private", "--public"}, "Incorrect Usage: Give one of --private, --public and --url."},
		{"url and a network", []string{"env", "--instance", "my-kp", "--url", "https://kp.example.com", "--public"}, "Incorrect Usage: Give one of --private, --public and --url."},
		{"two credentials", []string{"env", "--apikey", "k", "--cr-token", "t"}, "Incorrect Usage: --apikey and --cr-token or --profile cannot be used together: give one credential."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := withToken(mustParse(t, jwt))
			got := execute(rt, "", tc.args...)
			assert.Equal(t, 1, got.code)
			assert.Empty(t, got.stdout, "stdout stays empty")
			assert.True(t, strings.HasPrefix(got.stderr, "FAILED\n"), got.stderr)
			assert.Contains(t, got.stderr, tc.want)
			assert.Contains(t, got.stderr, "USAGE:\n  ibmcloud kp-token", "the help follows")
			assert.Empty(t, rt.opened, "no token source is opened")
			assert.Empty(t, rt.queries)
			assert.NotContains(t, got.stderr, jwt)
		})
	}

	// Failures past the command line: what the source or the lookup says, and nothing on stdout,
	// not even the token that was got before the instance failed.
	for _, tc := range []struct {
		name    string
		openErr error
		srcErr  error
		resErr  error
		args    []string
		want    string
	}{
		{name: "no source", openErr: userFacing("No IBM Cloud CLI configuration was found."), want: "FAILED\nNo IBM Cloud CLI configuration was found.\n"},
		{name: "no token", srcErr: userFacing("Your IBM Cloud session has expired."), want: "FAILED\nYour IBM Cloud session has expired.\n"},
		{name: "an unexpected failure says so", srcErr: fmt.Errorf("boom"), want: "FAILED\nAn unexpected error occurred: boom\n"},
		{name: "no such instance", resErr: &kms.Error{Kind: kms.NotFound, Ref: "nope"}, args: []string{"env", "--instance", "nope"},
			want: "FAILED\nNo Key Protect or Hyper Protect Crypto Services instance named 'nope' is visible to you."},
		{name: "no endpoint known", resErr: &kms.Error{Kind: kms.NoEndpoint, Instance: kms.Instance{Name: "my-hpcs", Service: kms.HPCS}, Private: true},
			args: []string{"env", "--instance", "my-hpcs", "--private", "--format", "sdk"},
			want: "FAILED\nThe Hyper Protect Crypto Services instance 'my-hpcs' publishes no private endpoint. Use its public one (--public), or give its key management endpoint with --url.\n"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := withToken(mustParse(t, jwt))
			rt.openErr, rt.src.err = tc.openErr, tc.srcErr
			rt.resolve = func(token.Token, kms.Query) (kms.Resolution, error) { return kms.Resolution{}, tc.resErr }
			args := tc.args
			if args == nil {
				args = []string{"env"}
			}
			got := execute(rt, "", args...)
			assert.Equal(t, 1, got.code)
			assert.Empty(t, got.stdout)
			assert.Contains(t, got.stderr, tc.want)
			assert.True(t, strings.HasPrefix(got.stderr, "FAILED\n"), got.stderr)
			assert.NotContains(t, got.stderr, "USAGE:")
			assert.NotContains(t, got.stderr, jwt)
		})
	}

	// BSD csh takes at most shell.BSDCshEvalMax characters in one eval: a longer line is
	// refused rather than half run; tcsh, which has no such limit, gets it.
	t.Run("a line too long for csh", func(t *testing.T) {
		long := mustParse(t, iamtest.JWT(iamtest.Claims{Override: map[string]any{"pad": strings.Repeat("p", shell.BSDCshEvalMax)}}))
		got := execute(withToken(long), "", "env", "--shell", "csh")
		assert.Equal(t, 1, got.code)
		assert.Empty(t, got.stdout)
		assert.Contains(t, got.stderr, "FAILED\nThe line for csh would be ")
		assert.Contains(t, got.stderr, fmt.Sprintf("BSD csh takes at most %d in one eval. Use --shell tcsh", shell.BSDCshEvalMax))
		assert.NotContains(t, got.stderr, long.JWT)

		got = execute(withToken(long), "", "env", "--shell", "tcsh")
		assert.Equal(t, 0, got.code, got.stderr)
		assert.Equal(t, "setenv ACCESS_TOKEN 'Bearer "+long.JWT+"'\n", got.stdout)
	})
}

// --unset and help need no session: they run without any runtime at all.
func TestEnvUnsetNeedsNoSession(t *testing.T) {
	got := execute(nil, "", "env", "--unset")
	assert.Equal(t, 0, got.code, got.stderr)
	assert.Equal(t, "unset ACCESS_TOKEN\nunset ACCESS_TOKEN_EXPIRES_AT\n", got.stdout)
	assert.Empty(t, got.stderr)

	got = execute(nil, "", "env", "--unset", "--format", "sdk", "--shell", "fish")
	assert.Equal(t, 0, got.code, got.stderr)
	assert.Equal(t, "set -e IBM_KEY_PROTECT_API_AUTH_TYPE\nset -e IBM_KEY_PROTECT_API_BEARER_TOKEN\nset -e IBM_KEY_PROTECT_API_URL\nset -e KP_INSTANCE_ID\nset -e KP_URL\n", got.stdout)
}

func TestHelp(t *testing.T) {
	got := execute(nil, "", "env", "--help")
	assert.Equal(t, 0, got.code)
	for _, want := range []string{"NAME:\n  env - ", "USAGE:\n  ibmcloud kp-token env [--no-bearer] [--name NAME] [--shell SHELL] [--no-export] [--with-expiry] [--min-validity DURATION] [--refresh] [--apikey KEY] [--cr-token TOKEN] [--profile PROFILE] [--assume PROFILE] [--account ACCOUNT_ID] [--no-cache] [--timeout DURATION] [--instance INSTANCE] [--private] [--public] [--url URL] [--format FORMAT] [--service NAME] [--unset]", "OPTIONS:", "--min-validity DURATION", "EXAMPLES:"} {
		assert.Contains(t, got.stdout, want)
	}
	assert.NotContains(t, got.stdout, "--hook", "hidden")
	assert.Empty(t, got.stderr)

	got = execute(nil, "")
	assert.Equal(t, 1, got.code, "no command: usage on stderr, not on stdout where eval would run it")
	assert.Empty(t, got.stdout)
	assert.Contains(t, got.stderr, "COMMANDS:")
}

// With a valid token env prints it, calls nothing and writes nothing.
func TestEnvWithAValidSession(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "refresh-0")
	before, err := os.ReadFile(s.config)
	require.NoError(t, err)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"env"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\n"},
		{[]string{"env", "--no-bearer", "--name", "KP_ACCESS_TOKEN"}, "export KP_ACCESS_TOKEN='" + jwt + "'\n"},
		{[]string{"env", "--min-validity", "59m"}, "export ACCESS_TOKEN='Bearer " + jwt + "'\n"},
		{[]string{"env", "--unset"}, "unset ACCESS_TOKEN\nunset ACCESS_TOKEN_EXPIRES_AT\n"},
	} {
		r := s.run(tc.args...)
		assert.Equal(t, 0, r.code, r.stderr)
		assert.Equal(t, tc.want, r.stdout, tc.args)
		assert.Empty(t, r.stderr)
	}
	assert.Equal(t, 0, s.iam.Calls(), "no network call with a valid token")
	after, err := os.ReadFile(s.config)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing written")
}

// On the context the SDK builds when the CLI routes a command through plugin.Start (Run), env
// refreshes with its own bounded client, never the SDK's unbounded RefreshIAMToken.
func TestEnvOnTheSDKsPluginContext(t *testing.T) {
	t.Parallel()
	for name, access := range map[string]string{
		"valid":    "Bearer " + iamtest.Valid(time.Hour),
		"expiring": "Bearer " + iamtest.Valid(2*time.Minute),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			iam := iamtest.NewServer()
			t.Cleanup(iam.Close)
			ctx := new(pluginfakes.FakePluginContext)
			ctx.IAMTokenReturns(access)
			ctx.IAMRefreshTokenReturns("refresh-0")
			ctx.IAMEndpointReturns(iam.URL)
			config, err := iamtest.WriteConfig(t.TempDir(), iamtest.Config(access, "refresh-0", iam.URL))
			require.NoError(t, err)
			rt := wiring.New(config, commands.Namespace, source.Loaded(ctx)).WithGetenv(func(string) string { return "" })
			got := execute(rt, "", "env")
			require.Equal(t, 0, got.code, got.stderr)
			assert.Empty(t, got.stderr)
			assert.Equal(t, 0, ctx.RefreshIAMTokenCallCount(), "the SDK's unbounded refresh is never used")
			if name == "valid" {
				assert.Equal(t, "export ACCESS_TOKEN='"+access+"'\n", got.stdout)
				assert.Equal(t, 0, iam.Calls())
				return
			}
			require.Equal(t, 1, iam.Calls())
			assert.Equal(t, []string{"refresh-0"}, iam.Refreshs)
			assert.Equal(t, "export ACCESS_TOKEN='Bearer "+iam.LastIssued()+"'\n", got.stdout)
			b, err := os.ReadFile(config)
			require.NoError(t, err)
			var cfg map[string]any
			require.NoError(t, json.Unmarshal(b, &cfg))
			assert.Equal(t, "Bearer "+iam.LastIssued(), cfg["IAMToken"], "saved where the CLI reads it")
		})
	}
}

// A token that expires within --min-validity (5m by default), has expired, or is asked to be
// refreshed is refreshed once with the session's refresh token, and both new tokens are saved
// where the CLI reads them, every other field kept; the next run uses them with no call.
func TestEnvRefreshesAndSavesTheSession(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		access string
		args   []string
	}{
		{"expiring", "Bearer " + iamtest.Valid(3*time.Minute), []string{"env"}},
		{"expired", "Bearer " + iamtest.Valid(-2*time.Hour), []string{"env", "--no-bearer"}},
		{"within --min-validity", "Bearer " + iamtest.Valid(50*time.Minute), []string{"env", "--min-validity", "55m"}},
		{"--refresh, whatever the expiry", "Bearer " + iamtest.Valid(time.Hour), []string{"env", "--refresh", "--no-bearer"}},
		{"no access token, a refresh token only", "", []string{"env"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newSession(t, tc.access, "refresh-0")
			r := s.run(tc.args...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			require.Equal(t, 1, s.iam.Calls())
			assert.Equal(t, []string{"refresh-0"}, s.iam.Refreshs, "the session's refresh token is sent")
			fresh := s.iam.LastIssued()
			want := "export ACCESS_TOKEN='Bearer " + fresh + "'\n"
			if tc.args[len(tc.args)-1] == "--no-bearer" {
				want = "export ACCESS_TOKEN='" + fresh + "'\n"
			}
			assert.Equal(t, want, r.stdout)

			cfg := s.readConfig()
			assert.Equal(t, "Bearer "+fresh, cfg["IAMToken"], "the CLI's next command uses the new token")
			assert.NotEqual(t, "refresh-0", cfg["IAMRefreshToken"])
			assert.NotEmpty(t, cfg["IAMRefreshToken"])
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

// The whole stack's ways to fail: whatever the cause (the session, IAM, the time allowed),
// stdout stays empty, the exit status is 1, stderr starts with FAILED and says what to do, no
// secret is printed and config.json is left byte for byte as it was. The IAM client's own kinds
// of failure are tested one by one in plugin/iam; here a few prove the wiring. (The command
// line's are TestEnvRefusals'.)
func TestEnvFailures(t *testing.T) {
	t.Parallel()
	valid := "Bearer " + iamtest.Valid(time.Hour)
	// Expired: a token still valid is handed out when its refresh fails (TestAValidToken…).
	expired := "Bearer " + iamtest.Valid(-time.Minute)
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
		{name: "expired without refresh token", access: expired, want: "Your IBM Cloud session has expired"},
		{name: "refresh token expired", access: expired, refresh: "secret-refresh-token", want: "Your IBM Cloud session has expired", calls: 1,
			handler: func(w http.ResponseWriter, _ *http.Request) {
				iamtest.Error(w, 400, "BXNIM0408E", "Provided refresh token is expired")
			}},
		{name: "refresh rejected", access: expired, refresh: "secret-refresh-token", want: "HTTP 400 BXNIM0415E Provided API key could not be found. Log in again by running 'ibmcloud login'", calls: 1,
			handler: func(w http.ResponseWriter, _ *http.Request) {
				iamtest.Error(w, 400, "BXNIM0415E", "Provided API key could not be found.")
			}},
		{name: "IAM 500", access: expired, refresh: "secret-refresh-token", want: "HTTP 500 BXNIM9999E boom. Try again later.", calls: 4,
			handler: func(w http.ResponseWriter, _ *http.Request) { iamtest.Error(w, 500, "BXNIM9999E", "boom") }},
		{name: "closed port", access: expired, refresh: "secret-refresh-token", closed: true, want: "connection refused. Check your network connection and try again."},
		{name: "IAM never answers: the CLI's HTTP timeout bounds the run", access: expired, refresh: "secret-refresh-token", timeout: 1, handler: iamtest.Hang, want: "did not answer within 1s. Try again later", calls: 1},
		{name: "IAM never answers: the hook's --timeout bounds the run", access: expired, refresh: "secret-refresh-token", handler: iamtest.Hang, args: []string{"env", "--timeout", "1s"}, want: "did not answer within 1s", calls: 1},
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

// A config.json that cannot be used is reported, naming the file, and left byte for byte as it
// was (the SDK would write an empty config over it: the user's session lost).
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
			t.Parallel()
			s := newSession(t, "", "")
			require.NoError(t, os.WriteFile(s.config, tc.content, 0o600))
			r := s.run("env")
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.Contains(t, r.stderr, s.config, "names the file")
			assert.NotContains(t, r.stderr, "secret-refresh")
			after, err := os.ReadFile(s.config)
			require.NoError(t, err)
			assert.Equal(t, tc.content, after, "byte for byte unchanged")
			assert.Equal(t, 0, s.iam.Calls())
		})
	}

	t.Run("no config at all", func(t *testing.T) {
		t.Parallel()
		s := newSession(t, "", "")
		require.NoError(t, os.RemoveAll(filepath.Dir(s.config)))
		r := s.run("env")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "No IBM Cloud CLI configuration was found at '"+s.config+"'")
		assert.NoFileExists(t, s.config, "none is created")
		assert.NoDirExists(t, filepath.Dir(s.config), "nor its directory")
	})

	t.Run("directory in its place", func(t *testing.T) {
		t.Parallel()
		s := newSession(t, "", "")
		require.NoError(t, os.Remove(s.config))
		require.NoError(t, os.Mkdir(s.config, 0o700))
		r := s.run("env")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "is a directory")
		assert.DirExists(t, s.config)
	})

	t.Run("unreadable", func(t *testing.T) {
		t.Parallel()
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

// Without IAM_ENDPOINT, the refresh goes where the CLI itself would send it: the private
// endpoint when the CLI uses private endpoints, else the public one.
func TestRefreshGoesToTheEndpointTheCLITargets(t *testing.T) {
	t.Parallel()
	for _, private := range []bool{false, true} {
		t.Run(fmt.Sprintf("private=%v", private), func(t *testing.T) {
			t.Parallel()
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
			delete(s.vars, "IAM_ENDPOINT")

			r := s.run("env")
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
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
			t.Parallel()
			s := newSession(t, tc.access, "secret-refresh-token", func(c map[string]any) { c["HTTPTimeout"] = "soon" })
			before, err := os.ReadFile(s.config)
			require.NoError(t, err)
			r := s.run("env")
			assert.Equal(t, tc.code, r.code, r.stderr)
			if tc.code == 0 {
				assert.Equal(t, "export ACCESS_TOKEN='"+tc.access+"'\n", r.stdout)
				assert.Empty(t, r.stderr)
			} else {
				assert.Empty(t, r.stdout)
				assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
				assert.Contains(t, r.stderr, "cannot be parsed (the field HTTPTimeout holds a JSON string)")
				assert.NotContains(t, r.stderr, "secret-refresh-token")
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
	assert.NotContains(t, r.stderr, jwt)
	assert.NotContains(t, r.stderr, "secret-refresh-token")
	assert.Equal(t, 4, s.iam.Calls())
	after, err := os.ReadFile(s.config)
	require.NoError(t, err)
	assert.Equal(t, before, after)

	// --refresh asks for a new token: without one it fails.
	r = s.run("env", "--refresh")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
	assert.Equal(t, 8, s.iam.Calls())
}

// env --instance sets the token, KP_INSTANCE_ID and KP_URL: a name is looked up once at the
// Resource Controller and kept, so the next run makes no call; a CRN needs none at all; HPCS
// publishes its own endpoints.
func TestEnvWithAnInstance(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(time.Hour)
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	rc := serveInstances(t, s)
	want := "export ACCESS_TOKEN='Bearer " + jwt + "'\nexport KP_INSTANCE_ID='" + rcKP.GUID + "'\nexport KP_URL='https://us-south.kms.cloud.ibm.com'\n"
	r := s.run("env", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, want, r.stdout)
	assert.Empty(t, r.stderr)
	calls := rc.Calls()
	assert.Positive(t, calls)

	r = s.run("env", "--instance", "my-kp")
	assert.Equal(t, want, r.stdout)
	assert.Equal(t, calls, rc.Calls(), "the second run makes no network call")

	r = s.run("env", "--instance", rcKP.Name, "--private")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "export KP_URL='https://private.us-south.kms.cloud.ibm.com'\n")
	r = s.run("env", "--instance", rcKP.GUID, "--url", "https://kp.example.com/")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "export KP_INSTANCE_ID='"+rcKP.GUID+"'\nexport KP_URL='https://kp.example.com'\n")
	calls = rc.Calls()

	r = s.run("env", "--instance", "crn:v1:bluemix:public:kms:eu-gb:a/0123456789abcdef0123456789abcdef:0a1b2c3d-0000-4000-8000-00000000c001::")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "export KP_INSTANCE_ID='0a1b2c3d-0000-4000-8000-00000000c001'\nexport KP_URL='https://eu-gb.kms.cloud.ibm.com'\n")
	assert.Equal(t, calls, rc.Calls(), "a CRN resolves with no network call")

	r = s.run("env", "--instance", rcHPCS.Name)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "export KP_URL='https://api.us-south.hs-crypto.cloud.ibm.com:9730'\n")
	assert.Equal(t, 0, s.iam.Calls())
}

// An instance env cannot settle on fails as a Key Protect failure (expected, with what to do),
// never as an unexpected one.
func TestEnvInstanceFailures(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	serveInstances(t, s)
	r := s.run("env", "--instance", "twin")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
	assert.Contains(t, r.stderr, "2 instances are named 'twin'")
	for _, want := range []string{rcTwinDE.GUID, rcTwinUS.GUID, "eu-de", "us-east"} {
		assert.Contains(t, r.stderr, want, "a name of several instances lists each")
	}
	assert.NotContains(t, r.stderr, "unexpected", "a Key Protect failure is one we expect")

	r = s.run("env", "--instance", "nope")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
	assert.Contains(t, r.stderr, "ibmcloud kp-token instances")
	assert.NotContains(t, r.stderr, "unexpected")

	r = s.run("env", "--private")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "Incorrect Usage: --private, --public and --url choose the endpoint of an --instance")
}

// --timeout bounds the whole run: IAM and the Resource Controller share one deadline. Here a
// hanging IAM uses all of it (the still-valid token is handed out at the deadline), so the
// Resource Controller is not asked at all and the run fails, rather than taking a second limit.
func TestEnvInstanceSharesTheRunsDeadline(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(100*time.Second), "secret-refresh-token")
	s.iam.SetHandler(iamtest.Hang)
	var asked atomic.Int32
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		iamtest.Hang(w, r)
	}))
	t.Cleanup(rc.Close)
	s.vars[kms.EnvRCEndpoint] = rc.URL
	r := s.run("env", "--timeout", "1s", "--min-validity", "59m", "--instance", "my-kp")
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "was not asked: the time this run had was used up before")
	assert.Zero(t, asked.Load(), "the Resource Controller gets no limit of its own")
}

// env --format sdk, evaluated, is what go-sdk-core itself reads: a bearer-token authenticator
// holding exactly the token, and the service URL the instance's endpoint. (Not parallel:
// go-sdk-core reads the process's environment, which the test sets.)
func TestEnvFormatSDKIsWhatGoSDKCoreReads(t *testing.T) {
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	serveInstances(t, s)
	r := s.run("env", "--format", "sdk", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	t.Setenv("HOME", t.TempDir()) // go-sdk-core reads ~/ibm-credentials.env first
	t.Setenv("IBM_CREDENTIALS_FILE", "")
	t.Setenv("VCAP_SERVICES", "")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	require.Len(t, lines, 5, r.stdout)
	for _, line := range lines {
		name, value, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		require.True(t, ok, line)
		t.Setenv(name, strings.Trim(value, "'"))
	}
	jwt := os.Getenv("IBM_KEY_PROTECT_API_BEARER_TOKEN")
	assert.Equal(t, strings.TrimPrefix(s.readConfig()["IAMToken"].(string), "Bearer "), jwt)
	auth, err := core.GetAuthenticatorFromEnvironment("ibm_key_protect_api")
	require.NoError(t, err)
	bearer, ok := auth.(*core.BearerTokenAuthenticator)
	require.True(t, ok, "%T", auth)
	assert.Equal(t, jwt, bearer.BearerToken)
	props, err := core.GetServiceProperties("ibm_key_protect_api")
	require.NoError(t, err)
	assert.Equal(t, "https://us-south.kms.cloud.ibm.com", props["URL"])
	assert.Equal(t, rcKP.GUID, os.Getenv("KP_INSTANCE_ID"))
	assert.Equal(t, "https://us-south.kms.cloud.ibm.com", os.Getenv("KP_URL"))

	// --unset takes back every variable --format sdk set, with or without --instance.
	r = s.run("env", "--format", "sdk", "--unset")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "unset IBM_KEY_PROTECT_API_AUTH_TYPE\nunset IBM_KEY_PROTECT_API_BEARER_TOKEN\nunset IBM_KEY_PROTECT_API_URL\nunset KP_INSTANCE_ID\nunset KP_URL\n", r.stdout)
}

// The words follow the locale; what stdout carries for a shell or a program never does. Every
// shipped locale in turn, in-process (i18n is process-wide, so this test is not parallel; it
// sets the locale back when done). How the locale is chosen from LANG, which needs a process,
// is plugin/locale_test.go's.
func TestTheLocaleChangesTheWordsOnly(t *testing.T) {
	t.Cleanup(func() { i18n.Init("") })
	jwt := iamtest.Valid(time.Hour)
	valid := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	out := newSession(t, "", "")
	i18n.Init(i18n.DefaultLocale)
	english := out.run("env")
	require.Equal(t, 1, english.code)
	require.Contains(t, english.stderr, "You are not logged in.")
	wantEnv := "export ACCESS_TOKEN='Bearer " + jwt + "'\n"
	for _, locale := range i18n.Locales() {
		t.Run(locale, func(t *testing.T) {
			require.Equal(t, locale, i18n.Init(locale))
			r := valid.run("env", "--with-expiry", "--shell", "fish")
			assert.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, "set -gx ACCESS_TOKEN 'Bearer "+jwt+"'\nset -gx ACCESS_TOKEN_EXPIRES_AT '"+strconv.FormatInt(mustParse(t, jwt).Expiry.Unix(), 10)+"'\n", r.stdout)
			r = valid.run("env")
			assert.Equal(t, wantEnv, r.stdout)
			r = valid.run("print", "--output", "json")
			assert.Contains(t, r.stdout, `"access_token": "`+jwt+`"`)
			assert.Contains(t, r.stdout, `"token_type": "Bearer"`)
			assert.Empty(t, r.stderr)

			r = out.run("env")
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			if locale != i18n.DefaultLocale {
				assert.NotEqual(t, english.stderr, r.stderr, "the words are %s's", locale)
				assert.NotContains(t, r.stderr, "You are not logged in.")
			}
		})
	}
	assert.Equal(t, 0, valid.iam.Calls())

	// The CLI's own setting in config.json is applied when the run reads it.
	i18n.Init(i18n.DefaultLocale)
	in := newSession(t, "Bearer "+iamtest.Valid(-time.Minute), "", func(c map[string]any) { c["Locale"] = "ja_JP" })
	r := in.run("env")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.NotContains(t, r.stderr, "Your IBM Cloud session has expired", "not English")
	assert.Contains(t, r.stderr, "ibmcloud login", "the command stays as it is typed")
}

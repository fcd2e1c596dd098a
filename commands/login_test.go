package commands_test

// Every way to log in, through the whole plug-in in-process: compute-resource sessions on VPC
// and Power virtual servers, renewed through a loopback metadata service; container tokens
// traded at the loopback IAM; which credential wins.

import (
	"encoding/json"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/httpcall"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// loginProfileID is the trusted profile of the compute-resource and container logins.
const loginProfileID = "Profile-1234abcd-0000-4000-8000-0123456789ab"

// loginKey is an API key the loopback IAM knows in loginHome.
const loginKey = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789-_AbCdEf"

// loginHome is a machine with no ibmcloud login at all: no config.json, only an API key IAM
// knows.
func loginHome(t *testing.T) *session {
	t.Helper()
	s := newSession(t, "", "")
	require.NoError(t, os.Remove(s.config))
	s.iam.APIKeys = map[string]bool{loginKey: true}
	return s
}

// runWith runs args in s with vars (NAME=value) added to its environment for this run only.
func runWith(s *session, vars []string, args ...string) outcome {
	s.t.Helper()
	saved := s.vars
	s.vars = maps.Clone(saved)
	for _, kv := range vars {
		k, v, _ := strings.Cut(kv, "=")
		s.vars[k] = v
	}
	defer func() { s.vars = saved }()
	r := s.run(args...)
	require.NotContains(s.t, r.stderr, "goroutine ", "no panic reaches the user")
	return r
}

// criSession is a config.json as `ibmcloud login --vpc-cri` leaves it, with an expired token,
// and the metadata service of kind (VPC or PVS) where the CLI's variable points. The SDK's
// config reads IBMCLOUD_CR_VPC_URL and IBMCLOUD_CR_PVS_URL from the process's environment,
// not the session's: t.Setenv sets them, so these tests cannot run in parallel (they run
// before every parallel test of the package, alone).
func criSession(t *testing.T, kind string) (*session, *iamtest.Metadata) {
	t.Helper()
	md := iamtest.NewMetadata(loginProfileID, kind == "PVS")
	t.Cleanup(md.Close)
	expired := iamtest.JWT(iamtest.Claims{SubType: "Profile", IAMID: "iam-" + loginProfileID,
		IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)})
	s := newSession(t, "", "", func(cfg map[string]any) {
		maps.Copy(cfg, iamtest.CRIConfig("Bearer "+expired, kind, loginProfileID))
	})
	t.Setenv("IBMCLOUD_CR_VPC_URL", md.URL)
	t.Setenv("IBMCLOUD_CR_PVS_URL", md.URL)
	return s, md
}

func TestComputeResourceSessionsAreRenewedThroughTheMetadataService(t *testing.T) {
	for _, kind := range []string{"VPC", "PVS"} {
		t.Run(kind, func(t *testing.T) {
			s, md := criSession(t, kind)
			r := s.run("env")
			require.Equal(t, 0, r.code, "%s\nmetadata service: %v", r.stderr, md.Errors)
			assert.Empty(t, md.Errors, "the requests the SDK's client makes")
			fresh := md.LastIssued()
			assert.Equal(t, "export ACCESS_TOKEN='Bearer "+fresh+"'\n", r.stdout)
			assert.Empty(t, r.stderr)
			assert.Equal(t, 2, md.Calls(), "an identity token, then the profile's token")
			assert.Equal(t, 0, s.iam.Calls(), "no refresh token, no IAM refresh")

			cfg := s.readConfig()
			assert.Equal(t, "Bearer "+fresh, cfg["IAMToken"], "saved for ibmcloud")
			assert.Equal(t, "", cfg["IAMRefreshToken"], "the refresh token stays empty")
			assert.Equal(t, true, cfg["IsLoggedInAsCRI"])
			assert.Equal(t, kind, cfg["CRIType"])
			assert.Equal(t, loginProfileID, cfg["Profile"].(map[string]any)["ID"])
			assert.Equal(t, map[string]any{"kept": []any{float64(1), "two", true}}, cfg["FutureCLIField"])

			// The next run uses the saved token; show names the identity and where renewals go.
			r = s.run("show", "--output", "json")
			require.Equal(t, 0, r.code, r.stderr)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
			assert.Equal(t, "compute_resource", got["login"])
			assert.Equal(t, kind, got["compute_resource"])
			assert.Equal(t, "trusted_profile", got["subject_type"])
			assert.Equal(t, md.URL, got["renews_at"])
			assert.Equal(t, false, got["refresh_token_held"])
			r = s.run("print")
			require.Equal(t, 0, r.code, r.stderr)
			assert.Equal(t, "Bearer "+fresh+"\n", r.stdout)
			assert.Equal(t, 2, md.Calls(), "no call while the saved token is valid")
			assert.Equal(t, 0, s.iam.Calls())
		})
	}
}

// Every failure of a compute-resource renewal: FAILED with what to do, nothing on stdout, exit
// 1, config.json untouched.
func TestComputeResourceFailures(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edit    func(s *session, md *iamtest.Metadata)
		want    string
		timeout string // the run's --timeout
		calls   int    // requests that reached the metadata service
	}{
		{"metadata service unreachable", func(_ *session, md *iamtest.Metadata) { md.Close() },
			"Check that this server's metadata service is enabled, or log in again by running 'ibmcloud login --vpc-cri'.", "1s", 0},
		{"metadata service hangs", func(_ *session, md *iamtest.Metadata) { md.SetHandler(iamtest.Hang) },
			"The metadata service at '", "1s", 1},
		{"refused", func(_ *session, md *iamtest.Metadata) {
			md.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, `{"errors":[{"code":"forbidden"}]}`, http.StatusForbidden)
			})
		}, "refused to issue the trusted profile's token: HTTP 403. Log in again by running 'ibmcloud login --vpc-cri'", "1s", 1},
		// Tried again after 0.25 s, 0.5 s and 1 s: a bound of 4 s leaves room for every try
		// however slow the machine, so the answer is the service's, not the bound's.
		{"down", func(_ *session, md *iamtest.Metadata) {
			md.SetHandler(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
		}, "could not issue the trusted profile's token: HTTP 503. Try again later.", "4s", httpcall.MaxAttempts},
		{"no trusted profile in config.json", func(s *session, _ *iamtest.Metadata) {
			cfg := s.readConfig()
			cfg["Profile"] = map[string]any{}
			_, err := iamtest.WriteConfig(s.home, cfg)
			require.NoError(t, err)
		}, "names no trusted profile for this compute-resource session", "1s", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, md := criSession(t, "VPC")
			tc.edit(s, md)
			before, err := os.ReadFile(s.config)
			require.NoError(t, err)
			r := s.run("env", "--timeout", tc.timeout)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, "IAM at", "the metadata service is to blame, not IAM")
			assert.NotContains(t, r.stderr, "instance-identity-token")
			assert.Equal(t, tc.calls, md.Calls())
			assert.Equal(t, 0, s.iam.Calls())
			after, err := os.ReadFile(s.config)
			require.NoError(t, err)
			assert.Equal(t, before, after)
		})
	}
}

// A workload in a container: its compute-resource token from a file (read again at every
// exchange, as Kubernetes rotates it) traded for a trusted profile's token, with no config.json
// at all; cached like an API key's.
func TestContainerTokenWithoutAnyConfig(t *testing.T) {
	t.Parallel()
	s := loginHome(t)
	crn := "crn:v1:bluemix:public:iam-identity::a/0123::profile:" + loginProfileID
	s.iam.Profiles = map[string]bool{"kp-reader": true, loginProfileID: true, crn: true}
	file := filepath.Join(s.home, "sa-token")
	require.NoError(t, os.WriteFile(file, []byte("eyJ.sa-token.one\n"), 0o600))
	vars := []string{"IBMCLOUD_CR_TOKEN=@" + file, "IBMCLOUD_CR_PROFILE=kp-reader"}

	r := runWith(s, vars, "env")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='Bearer "+s.iam.LastIssued()+"'\n", r.stdout)
	require.Len(t, s.iam.CRTokens, 1)
	assert.Equal(t, iamtest.CRToken{Token: "eyJ.sa-token.one", ProfileName: "kp-reader"}, s.iam.CRTokens[0])
	assert.NoFileExists(t, s.config, "no config.json is made")

	r = runWith(s, vars, "env")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, s.iam.CRTokens, 1, "cached")

	// Kubernetes rotates the token file: the next exchange reads it again.
	require.NoError(t, os.WriteFile(file, []byte("eyJ.sa-token.two"), 0o600))
	r = runWith(s, vars, "print", "--refresh")
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, s.iam.CRTokens, 2)
	assert.Equal(t, "eyJ.sa-token.two", s.iam.CRTokens[1].Token)
	assert.Equal(t, "Bearer "+s.iam.LastIssued()+"\n", r.stdout)

	// A profile by ID or CRN goes in its own form field.
	for _, p := range []string{loginProfileID, crn} {
		r = runWith(s, nil, "print", "--no-cache", "--cr-token", "@"+file, "--profile", p)
		require.Equal(t, 0, r.code, r.stderr)
	}
	require.Len(t, s.iam.CRTokens, 4)
	assert.Equal(t, iamtest.CRToken{Token: "eyJ.sa-token.two", ProfileID: loginProfileID}, s.iam.CRTokens[2])
	assert.Equal(t, iamtest.CRToken{Token: "eyJ.sa-token.two", ProfileCRN: crn}, s.iam.CRTokens[3])

	r = runWith(s, vars, "show", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, "container_token", got["token_source"])
	assert.Equal(t, "container_token", got["login"])
	for _, out := range []string{r.stdout, r.stderr} {
		assert.NotContains(t, out, "sa-token", "the container token is never printed")
	}
	assert.Len(t, s.iam.CRTokens, 4, "show makes no call")
}

// Which credential is used, in one place: a flag, then IBMCLOUD_API_KEY, then IBMCLOUD_CR_TOKEN,
// then the session; two credentials on the command line are a usage error; a container flag
// takes the half it lacks from the environment.
func TestCredentialPrecedence(t *testing.T) {
	t.Parallel()
	s := loginHome(t)
	s.iam.Profiles = map[string]bool{"kp-reader": true}
	file := filepath.Join(s.home, "sa-token")
	require.NoError(t, os.WriteFile(file, []byte("eyJ.sa-token.one"), 0o600))
	both := []string{"IBMCLOUD_API_KEY=" + loginKey, "IBMCLOUD_CR_TOKEN=@" + file, "IBMCLOUD_CR_PROFILE=kp-reader"}

	r := runWith(s, nil, "env", "--apikey", "@"+file, "--cr-token", "@"+file)
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "Incorrect Usage: --apikey and --cr-token or --profile cannot be used together")
	assert.Equal(t, 0, s.iam.Calls())

	r = runWith(s, both, "show", "--output", "json")
	assert.Equal(t, 1, r.code, "show only looks: nothing cached yet")
	assert.Empty(t, r.stdout)
	assert.Equal(t, 0, s.iam.Calls())
	r = runWith(s, both, "print")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "Bearer "+s.iam.LastIssued()+"\n", r.stdout)
	assert.Equal(t, 1, s.iam.Calls(), "the API key's grant")
	assert.Empty(t, s.iam.CRTokens, "IBMCLOUD_API_KEY wins over IBMCLOUD_CR_TOKEN")
	r = runWith(s, both, "show", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, "api_key", got["token_source"], "show looks where print got it")

	r = runWith(s, []string{"IBMCLOUD_API_KEY=" + loginKey}, "print", "--no-cache", "--cr-token", "@"+file, "--profile", "kp-reader")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, s.iam.CRTokens, 1, "a flag wins over the variable")

	r = runWith(s, []string{"IBMCLOUD_CR_TOKEN=@" + file}, "print")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "give --profile ID|NAME|CRN, or set IBMCLOUD_CR_PROFILE")

	// A flag and the other half from the environment make one container credential.
	r = runWith(s, []string{"IBMCLOUD_CR_PROFILE=kp-reader"}, "print", "--no-cache", "--cr-token", "@"+file)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, s.iam.CRTokens, 2, "--cr-token with $IBMCLOUD_CR_PROFILE")
	r = runWith(s, []string{"IBMCLOUD_CR_TOKEN=@" + file}, "print", "--no-cache", "--profile", "kp-reader")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, s.iam.CRTokens, 3, "--profile with $IBMCLOUD_CR_TOKEN")

	// Without any credential, the session: here there is none.
	r = runWith(s, nil, "print")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "No IBM Cloud CLI configuration was found at '"+s.config+"'.")
	assert.Len(t, s.iam.CRTokens, 3)
}

// A container token file is one credential however it is named: show finds the token that
// print fetched with a relative --cr-token under the variable's absolute path.
func TestContainerTokenFileIsOneCredentialByAnyPath(t *testing.T) {
	t.Parallel()
	s := loginHome(t)
	s.iam.Profiles = map[string]bool{"kp-reader": true}
	file := filepath.Join(s.home, "sa-token")
	require.NoError(t, os.WriteFile(file, []byte("eyJ.sa-token.one"), 0o600))
	wd, err := os.Getwd()
	require.NoError(t, err)
	relative, err := filepath.Rel(wd, file)
	require.NoError(t, err)
	require.False(t, filepath.IsAbs(relative))

	r := runWith(s, nil, "print", "--cr-token", "@"+relative, "--profile", "kp-reader")
	require.Equal(t, 0, r.code, r.stderr)
	r = runWith(s, []string{"IBMCLOUD_CR_TOKEN=@" + file, "IBMCLOUD_CR_PROFILE=kp-reader"}, "show")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, s.iam.CRTokens, 1)
	r = runWith(s, []string{"IBMCLOUD_CR_TOKEN=@" + file, "IBMCLOUD_CR_PROFILE=another-profile"}, "show")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "No token for this container token and trusted profile is cached")
	assert.Len(t, s.iam.CRTokens, 1)
}

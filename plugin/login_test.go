package main

// Every way to log in: compute-resource sessions on VPC and Power virtual servers, renewed
// through a loopback metadata service; container tokens traded at the loopback IAM.

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
)

const profileID = "Profile-1234abcd-0000-4000-8000-0123456789ab"

// criSession is a config.json as `ibmcloud login --vpc-cri` leaves it, with an expired token,
// and the metadata service of kind (VPC or PVS) where the CLI's variable points.
func criSession(t *testing.T, kind string) (*home, *iamtest.Metadata) {
	t.Helper()
	s := newSession(t, "", "")
	md := iamtest.NewMetadata(profileID, kind == "PVS")
	t.Cleanup(md.Close)
	_, err := iamtest.WriteConfig(s.home, iamtest.CRIConfig("Bearer "+iamtest.JWT(iamtest.Claims{SubType: "Profile", IAMID: "iam-" + profileID,
		IssuedAt: time.Now().Add(-2 * time.Hour), ExpiresAt: time.Now().Add(-time.Hour)}), kind, profileID))
	require.NoError(t, err)
	s.env = append(s.env, "IBMCLOUD_CR_VPC_URL="+md.URL, "IBMCLOUD_CR_PVS_URL="+md.URL)
	return s, md
}

func TestComputeResourceSessionsAreRenewedThroughTheMetadataService(t *testing.T) {
	t.Parallel()
	for _, kind := range []string{"VPC", "PVS"} {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			s, md := criSession(t, kind)
			r := s.run("env")
			require.Equal(t, 0, r.code, "%s\nmetadata service: %v", r.stderr, md.Errors)
			fresh := md.LastIssued()
			assert.Equal(t, "export ACCESS_TOKEN='Bearer "+fresh+"'\n", r.stdout)
			assert.Equal(t, 2, md.Calls(), "an identity token, then the profile's token")
			assert.Equal(t, 0, s.iam.Calls(), "no refresh token, no IAM refresh")

			cfg := s.readConfig()
			assert.Equal(t, "Bearer "+fresh, cfg["IAMToken"], "saved for ibmcloud")
			assert.Equal(t, "", cfg["IAMRefreshToken"], "the refresh token stays empty")
			assert.Equal(t, true, cfg["IsLoggedInAsCRI"])
			assert.Equal(t, kind, cfg["CRIType"])
			assert.Equal(t, profileID, cfg["Profile"].(map[string]any)["ID"])
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
			assert.Equal(t, 2, md.Calls())
		})
	}
}

// Every failure of a compute-resource renewal: FAILED with what to do, nothing on stdout, exit
// 1, config.json untouched.
func TestComputeResourceFailures(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		edit func(s *home, md *iamtest.Metadata)
		want string
	}{
		{"metadata service unreachable", func(_ *home, md *iamtest.Metadata) { md.Close() },
			"Check that this server's metadata service is enabled, or log in again by running 'ibmcloud login --vpc-cri'."},
		{"metadata service hangs", func(_ *home, md *iamtest.Metadata) { md.SetHandler(iamtest.Hang) },
			"The metadata service at '"},
		{"refused", func(_ *home, md *iamtest.Metadata) {
			md.SetHandler(func(w http.ResponseWriter, _ *http.Request) {
				http.Error(w, `{"errors":[{"code":"forbidden"}]}`, http.StatusForbidden)
			})
		}, "refused to issue the trusted profile's token: HTTP 403. Log in again by running 'ibmcloud login --vpc-cri'"},
		{"down", func(_ *home, md *iamtest.Metadata) {
			md.SetHandler(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusServiceUnavailable) })
		}, "could not issue the trusted profile's token: HTTP 503. Try again later."},
		{"no trusted profile in config.json", func(s *home, _ *iamtest.Metadata) {
			cfg := s.readConfig()
			cfg["Profile"] = map[string]any{}
			_, err := iamtest.WriteConfig(s.home, cfg)
			require.NoError(t, err)
		}, "names no trusted profile for this compute-resource session"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s, md := criSession(t, "VPC")
			tc.edit(s, md)
			before, err := os.ReadFile(s.config)
			require.NoError(t, err)
			r := s.run("env", "--timeout", "1s")
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, "FAILED\n")
			assert.Contains(t, r.stderr, tc.want)
			assert.NotContains(t, r.stderr, "IAM at", "the metadata service is to blame, not IAM")
			assert.NotContains(t, r.stderr, "instance-identity-token")
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
	h := keyHome(t)
	h.iam.Profiles = map[string]bool{"kp-reader": true, profileID: true, "crn:v1:bluemix:public:iam-identity::a/0123::profile:" + profileID: true}
	file := filepath.Join(h.home, "sa-token")
	require.NoError(t, os.WriteFile(file, []byte("eyJ.sa-token.one\n"), 0o600))
	vars := []string{"IBMCLOUD_CR_TOKEN=@" + file, "IBMCLOUD_CR_PROFILE=kp-reader"}

	r := h.runIn("", vars, "env")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "export ACCESS_TOKEN='Bearer "+h.iam.LastIssued()+"'\n", r.stdout)
	require.Len(t, h.iam.CRTokens, 1)
	assert.Equal(t, iamtest.CRToken{Token: "eyJ.sa-token.one", ProfileName: "kp-reader"}, h.iam.CRTokens[0])
	assert.NoFileExists(t, h.config, "no config.json is made")

	r = h.runIn("", vars, "env")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, h.iam.CRTokens, 1, "cached")

	// Kubernetes rotates the token file: the next exchange reads it again.
	require.NoError(t, os.WriteFile(file, []byte("eyJ.sa-token.two"), 0o600))
	r = h.runIn("", vars, "print", "--refresh")
	require.Equal(t, 0, r.code, r.stderr)
	require.Len(t, h.iam.CRTokens, 2)
	assert.Equal(t, "eyJ.sa-token.two", h.iam.CRTokens[1].Token)

	// A profile by ID or CRN goes in its own form field.
	for _, p := range []string{profileID, "crn:v1:bluemix:public:iam-identity::a/0123::profile:" + profileID} {
		r = h.runIn("", nil, "print", "--no-cache", "--cr-token", "@"+file, "--profile", p)
		require.Equal(t, 0, r.code, r.stderr)
	}
	assert.Equal(t, profileID, h.iam.CRTokens[2].ProfileID)
	assert.Equal(t, "crn:v1:bluemix:public:iam-identity::a/0123::profile:"+profileID, h.iam.CRTokens[3].ProfileCRN)

	r = h.runIn("", vars, "show", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, "container_token", got["token_source"])
	assert.Equal(t, "container_token", got["login"])
	for _, out := range []string{r.stdout, r.stderr} {
		assert.NotContains(t, out, "sa-token", "the container token is never printed")
	}
}

// Which credential is used, in one place: a flag, then IBMCLOUD_API_KEY, then IBMCLOUD_CR_TOKEN,
// then the session; two credentials on the command line are a usage error; a container flag
// takes the half it lacks from the environment.
func TestCredentialPrecedence(t *testing.T) {
	t.Parallel()
	h := keyHome(t)
	h.iam.Profiles = map[string]bool{"kp-reader": true}
	file := filepath.Join(h.home, "sa-token")
	require.NoError(t, os.WriteFile(file, []byte("eyJ.sa-token.one"), 0o600))

	r := h.runIn("", nil, "env", "--apikey", "@"+file, "--cr-token", "@"+file)
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "Incorrect Usage: --apikey and --cr-token or --profile cannot be used together")

	r = h.runIn("", []string{"IBMCLOUD_API_KEY=" + goodKey, "IBMCLOUD_CR_TOKEN=@" + file, "IBMCLOUD_CR_PROFILE=kp-reader"}, "show", "--output", "json")
	assert.Equal(t, 1, r.code, "show only looks: nothing cached yet")
	r = h.runIn("", []string{"IBMCLOUD_API_KEY=" + goodKey, "IBMCLOUD_CR_TOKEN=@" + file, "IBMCLOUD_CR_PROFILE=kp-reader"}, "print")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, h.iam.CRTokens, "IBMCLOUD_API_KEY wins over IBMCLOUD_CR_TOKEN")

	r = h.runIn("", []string{"IBMCLOUD_API_KEY=" + goodKey}, "print", "--no-cache", "--cr-token", "@"+file, "--profile", "kp-reader")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, h.iam.CRTokens, 1, "a flag wins over the variable")

	r = h.runIn("", []string{"IBMCLOUD_CR_TOKEN=@" + file}, "print")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "give --profile ID|NAME|CRN, or set IBMCLOUD_CR_PROFILE")

	// A flag and the other half from the environment make one container credential.
	r = h.runIn("", []string{"IBMCLOUD_CR_PROFILE=kp-reader"}, "print", "--no-cache", "--cr-token", "@"+file)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, h.iam.CRTokens, 2, "--cr-token with $IBMCLOUD_CR_PROFILE")
	r = h.runIn("", []string{"IBMCLOUD_CR_TOKEN=@" + file}, "print", "--no-cache", "--profile", "kp-reader")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, h.iam.CRTokens, 3, "--profile with $IBMCLOUD_CR_TOKEN")
}

// A container token file is one credential however it is named: show finds the token that
// env fetched with a relative --cr-token under the variable's absolute path.
func TestContainerTokenFileIsOneCredentialByAnyPath(t *testing.T) {
	t.Parallel()
	h := keyHome(t)
	h.iam.Profiles = map[string]bool{"kp-reader": true}
	file := filepath.Join(h.home, "sa-token")
	require.NoError(t, os.WriteFile(file, []byte("eyJ.sa-token.one"), 0o600))
	r := h.runIn("", nil, "print", "--cr-token", "@sa-token", "--profile", "kp-reader")
	require.Equal(t, 0, r.code, r.stderr)
	r = h.runIn("", []string{"IBMCLOUD_CR_TOKEN=@" + file, "IBMCLOUD_CR_PROFILE=kp-reader"}, "show")
	assert.Equal(t, 0, r.code, r.stderr)
	assert.Len(t, h.iam.CRTokens, 1)
	r = h.runIn("", []string{"IBMCLOUD_CR_TOKEN=@" + file, "IBMCLOUD_CR_PROFILE=another-profile"}, "show")
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "No token for this container token and trusted profile is cached")
}

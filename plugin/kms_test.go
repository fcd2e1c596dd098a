package main

// A Key Protect call that works: the instance and its endpoint beside the token, from a loopback
// Resource Controller; proven with bash, curl and go-sdk-core.

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/IBM/go-sdk-core/v5/core"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

var (
	kpDallas = iamtest.RCInstance{Name: "my-kp", GUID: "0a1b2c3d-0000-4000-8000-00000000a001", Service: "kms", Region: "us-south", ResourceGroupID: "rg-1"}
	kpFrank  = iamtest.RCInstance{Name: "twin", GUID: "0a1b2c3d-0000-4000-8000-00000000a002", Service: "kms", Region: "eu-de", ResourceGroupID: "rg-2"}
	kpTwin   = iamtest.RCInstance{Name: "twin", GUID: "0a1b2c3d-0000-4000-8000-00000000a003", Service: "kms", Region: "us-east", ResourceGroupID: "rg-1"}
	hpcs     = iamtest.RCInstance{Name: "my-hpcs", GUID: "0a1b2c3d-0000-4000-8000-00000000b001", Service: "hs-crypto", Region: "us-south", ResourceGroupID: "rg-1",
		Endpoints: map[string]string{"public": "https://api.us-south.hs-crypto.cloud.ibm.com:9730", "private": "https://api.private.us-south.hs-crypto.cloud.ibm.com:9730"}}
)

// kmsSession is a logged-in session beside a loopback Resource Controller holding instances.
func kmsSession(t *testing.T) (*home, *iamtest.ResourceController) {
	t.Helper()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	rc := iamtest.NewResourceController(kpDallas, kpFrank, kpTwin, hpcs)
	t.Cleanup(rc.Close)
	s.env = append(s.env, "IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT="+rc.URL)
	return s, rc
}

// On a fresh session, eval "$(kp-token env --instance my-kp)" sets the token, KP_INSTANCE_ID and
// KP_URL; a second run makes no network call.
func TestEnvWithAnInstance(t *testing.T) {
	t.Parallel()
	s, rc := kmsSession(t)
	bash := shelltest.Require(t, shelltest.All[0])
	run := func() string {
		cmd := exec.Command(bash.Argv[0], append(bash.Argv[1:], "-c", `eval "$(`+binary+` env --instance my-kp)"; printf '%s|%s|%s' "$ACCESS_TOKEN" "$KP_INSTANCE_ID" "$KP_URL"`)...)
		cmd.Env, cmd.Dir = s.env, s.home
		out, err := cmd.CombinedOutput()
		require.NoError(t, err, "%s", out)
		return string(out)
	}
	got := strings.Split(run(), "|")
	require.Len(t, got, 3)
	assert.True(t, strings.HasPrefix(got[0], "Bearer ey"))
	assert.Equal(t, kpDallas.GUID, got[1])
	assert.Equal(t, "https://us-south.kms.cloud.ibm.com", got[2])
	calls := rc.Calls()
	assert.Positive(t, calls)
	assert.Equal(t, strings.Join(got, "|"), run())
	assert.Equal(t, calls, rc.Calls(), "the second run makes no network call")

	// --private, --url; and a CRN needs no call at all.
	r := s.run("env", "--instance", kpDallas.Name, "--private")
	assert.Contains(t, r.stdout, "export KP_URL='https://private.us-south.kms.cloud.ibm.com'")
	r = s.run("env", "--instance", "crn:v1:bluemix:public:kms:eu-gb:a/0123456789abcdef0123456789abcdef:0a1b2c3d-0000-4000-8000-00000000c001::")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "export KP_INSTANCE_ID='0a1b2c3d-0000-4000-8000-00000000c001'\nexport KP_URL='https://eu-gb.kms.cloud.ibm.com'\n")
	assert.Equal(t, calls, rc.Calls(), "a CRN resolves with no network call")

	// HPCS publishes its own endpoints.
	r = s.run("env", "--instance", hpcs.Name)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "export KP_URL='https://api.us-south.hs-crypto.cloud.ibm.com:9730'")
}

func TestInstanceFailures(t *testing.T) {
	t.Parallel()
	s, _ := kmsSession(t)
	r := s.run("env", "--instance", "twin")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	for _, want := range []string{kpFrank.GUID, kpTwin.GUID, "eu-de", "us-east"} {
		assert.Contains(t, r.stderr, want, "a name of several instances lists each")
	}
	assert.NotContains(t, r.stderr, "unexpected", "a Key Protect failure is one we expect")
	r = s.run("env", "--instance", "nope")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "ibmcloud kp-token instances")
	assert.True(t, strings.HasPrefix(r.stderr, "FAILED\n"), r.stderr)
	assert.NotContains(t, r.stderr, "unexpected")
	r = s.run("env", "--private")
	assert.Contains(t, r.stderr, "Incorrect Usage: --private, --public and --url choose the endpoint of an --instance")
}

// --timeout bounds the whole run: IAM and the Resource Controller share one deadline. Here a
// hanging IAM uses all of it (the still-valid token is handed out at the deadline), so the
// Resource Controller is not asked at all and the run fails, rather than taking a second limit.
func TestInstanceSharesTheRunsDeadline(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(100*time.Second), "secret-refresh-token")
	s.iam.SetHandler(iamtest.Hang)
	var asked atomic.Int32
	rc := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked.Add(1)
		iamtest.Hang(w, r)
	}))
	t.Cleanup(rc.Close)
	s.env = append(s.env, "IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT="+rc.URL)
	r := s.run("env", "--timeout", "1s", "--min-validity", "59m", "--instance", "my-kp")
	assert.Equal(t, 1, r.code, r.stderr)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "was not asked: the time this run had was used up before")
	assert.Zero(t, asked.Load(), "the Resource Controller gets no limit of its own")
}

func TestInstancesListsBothServices(t *testing.T) {
	t.Parallel()
	s, _ := kmsSession(t)
	r := s.run("instances")
	require.Equal(t, 0, r.code, r.stderr)
	for _, want := range []string{"my-hpcs", "HPCS", "my-kp", "Key Protect", kpTwin.GUID, "https://api.us-south.hs-crypto.cloud.ibm.com:9730"} {
		assert.Contains(t, r.stdout, want)
	}
	r = s.run("instances", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	require.Len(t, got, 4)
	assert.Equal(t, "my-hpcs", got[0]["name"])
	assert.Equal(t, "hs-crypto", got[0]["service"])
}

// env --format sdk, evaluated, is what go-sdk-core itself reads: a bearer-token authenticator
// holding exactly the token, and the service URL the instance's endpoint.
func TestEnvFormatSDKIsWhatGoSDKCoreReads(t *testing.T) {
	s, _ := kmsSession(t)
	r := s.run("env", "--format", "sdk", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	t.Setenv("HOME", t.TempDir()) // go-sdk-core reads ~/ibm-credentials.env first
	for _, line := range strings.Split(strings.TrimSpace(r.stdout), "\n") {
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
	assert.Equal(t, kpDallas.GUID, os.Getenv("KP_INSTANCE_ID"))

	// --unset takes back every variable --format sdk set, with or without --instance.
	r = s.run("env", "--format", "sdk", "--unset")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "unset IBM_KEY_PROTECT_API_AUTH_TYPE\nunset IBM_KEY_PROTECT_API_BEARER_TOKEN\nunset IBM_KEY_PROTECT_API_URL\nunset KP_INSTANCE_ID\nunset KP_URL\n", r.stdout)
}

// curl -K takes kp-token curl's config: both headers reach the server, and the token sits in no
// command line and no environment.
func TestCurlConfigWorksWithCurl(t *testing.T) {
	t.Parallel()
	s, _ := kmsSession(t)
	curl := shelltest.Tool(t, "curl")
	jwt := strings.TrimPrefix(s.readConfig()["IAMToken"].(string), "Bearer ")
	var gotAuth, gotInstance string
	kp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotInstance = r.Header.Get("Authorization"), r.Header.Get("bluemix-instance")
		_, _ = w.Write([]byte(`{"metadata":{"collectionTotal":0}}`))
	}))
	defer kp.Close()
	config := filepath.Join(s.home, "curl.cfg")
	cmd := exec.Command("bash", "-c", binary+" curl --instance my-kp | "+curl+" -fsS -K - "+kp.URL+"/api/v2/keys")
	cmd.Env, cmd.Dir = s.env, s.home
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, `{"metadata":{"collectionTotal":0}}`, string(out))
	assert.Equal(t, "Bearer "+jwt, gotAuth)
	assert.Equal(t, kpDallas.GUID, gotInstance)
	assert.NoFileExists(t, config)
}

func TestPrintAndExecWithAnInstance(t *testing.T) {
	t.Parallel()
	s, _ := kmsSession(t)
	r := s.run("print", "--output", "json", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, kpDallas.GUID, got["instance_id"])
	assert.Equal(t, "https://us-south.kms.cloud.ibm.com", got["url"])

	r = s.run("exec", "--instance", "my-kp", "--", "sh", "-c", `printf '%s %s' "$KP_INSTANCE_ID" "$KP_URL"`)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, kpDallas.GUID+" https://us-south.kms.cloud.ibm.com", r.stdout)

	r = s.run("show", "--output", "json", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, kpDallas.GUID, got["instance"].(map[string]any)["guid"], "learned by the runs before: show makes no call")
}

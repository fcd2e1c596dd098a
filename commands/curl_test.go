package commands_test

import (
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/token"
)

func TestCurl(t *testing.T) {
	jwt := iamtest.Valid(time.Hour)
	kp := kms.Instance{Name: "my-kp", GUID: "0a1b2c3d-0000-4000-8000-00000000be01", Service: kms.KeyProtect, Region: "us-south"}
	for _, tc := range []struct {
		name    string
		args    []string
		resolve func(token.Token, kms.Query) (kms.Resolution, error)
		code    int
		stdout  string
		stderr  string
		queries []kms.Query
	}{
		{name: "the token's header", args: []string{"curl"}, stdout: "header = \"authorization: Bearer " + jwt + "\"\n"},
		{name: "and the instance's", args: []string{"curl", "--instance", "my-kp", "--private"},
			resolve: func(_ token.Token, q kms.Query) (kms.Resolution, error) {
				return kms.Resolution{Instance: kp, URL: "https://private.us-south.kms.cloud.ibm.com"}, nil
			},
			stdout:  "header = \"authorization: Bearer " + jwt + "\"\nheader = \"bluemix-instance: " + kp.GUID + "\"\n",
			queries: []kms.Query{{Ref: "my-kp", Choice: kms.Choice{Network: kms.Private}}}},
		{name: "an instance not found prints nothing", args: []string{"curl", "--instance", "nope"}, code: 1,
			stderr: "FAILED\n", queries: []kms.Query{{Ref: "nope"}}},
		{name: "--refresh asks the Resource Controller again", args: []string{"curl", "--instance", "my-kp", "--refresh"},
			resolve: func(token.Token, kms.Query) (kms.Resolution, error) { return kms.Resolution{Instance: kp}, nil },
			stdout:  "header = \"authorization: Bearer " + jwt + "\"\nheader = \"bluemix-instance: " + kp.GUID + "\"\n",
			queries: []kms.Query{{Ref: "my-kp", Refresh: true}}},
		{name: "--url needs --instance", args: []string{"curl", "--url", "https://x"}, code: 1, stderr: "Incorrect Usage"},
		{name: "one endpoint choice", args: []string{"curl", "--instance", "my-kp", "--private", "--public"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: Give one of --private, --public and --url."},
		{name: "no argument", args: []string{"curl", "https://kp.example.com"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: 'https://kp.example.com' is not an argument this command takes."},
		{name: "bad freshness", args: []string{"curl", "--min-validity", "2h"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: --min-validity must be at least 0 and less than 1h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := withToken(mustParse(t, jwt))
			rt.resolve = tc.resolve
			got := execute(rt, "", tc.args...)
			require.Equal(t, tc.code, got.code, got.stderr)
			assert.Equal(t, tc.stdout, got.stdout)
			if tc.stderr == "" {
				assert.Empty(t, got.stderr)
			} else {
				assert.Contains(t, got.stderr, tc.stderr)
			}
			assert.Equal(t, tc.queries, rt.queries)
			if strings.Contains(tc.stderr, "Incorrect Usage") {
				assert.Empty(t, rt.opened, "a command line it refuses costs no token")
			} else {
				assert.Len(t, rt.opened, 1)
			}
		})
	}
}

// curl -K takes kp-token curl's config: both headers reach the server, and the token sits in
// no command line and no environment. Our command runs in-process; curl reads its output from
// standard input, as `kp-token curl | curl -K -` hands it over.
func TestCurlConfigWorksWithCurl(t *testing.T) {
	t.Parallel()
	curl := shelltest.Tool(t, "curl")
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	serveInstances(t, s)
	jwt := strings.TrimPrefix(s.readConfig()["IAMToken"].(string), "Bearer ")
	var gotAuth, gotInstance string
	kp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotAuth, gotInstance = r.Header.Get("Authorization"), r.Header.Get("bluemix-instance")
		_, _ = w.Write([]byte(`{"metadata":{"collectionTotal":0}}`))
	}))
	defer kp.Close()

	r := s.run("curl", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	cmd := exec.Command(curl, "-fsS", "-K", "-", kp.URL+"/api/v2/keys")
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + s.home}
	cmd.Dir = s.home
	cmd.Stdin = strings.NewReader(r.stdout)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "%s", out)
	assert.Equal(t, `{"metadata":{"collectionTotal":0}}`, string(out))
	assert.Equal(t, "Bearer "+jwt, gotAuth)
	assert.Equal(t, rcKP.GUID, gotInstance)
	for _, v := range append(cmd.Args, cmd.Env...) {
		assert.NotContains(t, v, jwt, "the token is in no command line and no environment")
	}
	entries, err := os.ReadDir(s.home)
	require.NoError(t, err)
	for _, e := range entries {
		assert.Equal(t, ".bluemix", e.Name(), "nothing written beside the CLI's directory")
	}
}

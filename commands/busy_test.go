//go:build unix

package commands_test

import (
	"os"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/token"
)

// holdConfigLock takes config.json's lock as the CLI does while it saves, until the test ends.
func holdConfigLock(t *testing.T, s *session) {
	t.Helper()
	f, err := os.Open(s.config)
	require.NoError(t, err)
	require.NoError(t, syscall.Flock(int(f.Fd()), syscall.LOCK_EX))
	t.Cleanup(func() { _ = f.Close() })
}

// A CLI on private endpoints whose config.json is being written when an API-key run starts: the
// run says the CLI is busy and stops. It never goes on as if there were no config, which would
// send the key to IBM Cloud's public IAM and print the public Key Protect endpoint.
func TestAnAPIKeyRunStopsWhileTheCLIWritesItsConfig(t *testing.T) {
	t.Parallel()
	private := func(c map[string]any) {
		c["IsPrivate"] = true
		c["IAMPrivateEndpoint"] = "https://private.iam.cloud.ibm.com"
	}
	s := newSession(t, "", "", private)
	s.iam.APIKeys = map[string]bool{apiKey: true}
	delete(s.vars, "IAM_ENDPOINT") // the endpoint comes from the config, or wrongly from none
	holdConfigLock(t, s)

	r := runVars(s, "", []string{"IBMCLOUD_API_KEY=" + apiKey}, "env", "--timeout", "300ms")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "The IBM Cloud CLI is writing its configuration at")
	assert.NotContains(t, r.stderr, "iam.cloud.ibm.com", "no public IAM")
	assert.NotContains(t, r.stderr, apiKey)
	assert.Equal(t, 0, s.iam.Calls())
}

// The same with the key's token cached already (no config needed for it): the instance lookup
// that follows stops too, rather than choosing the public endpoint.
func TestAnInstanceLookupStopsWhileTheCLIWritesItsConfig(t *testing.T) {
	t.Parallel()
	s := newSession(t, "", "", func(c map[string]any) { c["IsPrivate"] = true })
	tok, err := token.Parse(iamtest.Valid(time.Hour))
	require.NoError(t, err)
	holdConfigLock(t, s)
	rt := wired(s) // one run: the config is read once (and waited for 2 s)
	_, err = rt.Resolve(tok, kms.Query{Ref: "crn:v1:bluemix:public:kms:us-south:a/0123456789abcdef0123456789abcdef:0a1b2c3d-0000-4000-8000-00000000be01::"}, nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "The IBM Cloud CLI is writing its configuration at")
	_, err = rt.List(tok)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "The IBM Cloud CLI is writing its configuration at")
}

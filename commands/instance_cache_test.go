package commands_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kms"
)

// The real runtime keys the instance cache by the Resource Controller's endpoint: what one
// (here a test's, through IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT) answered is not an answer
// of another (issue 19, item 4).
func TestTheInstanceCacheIsPerResourceController(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	first := serveInstances(t, s)
	for range 2 {
		r := s.run("env", "--instance", "my-kp")
		require.Equal(t, 0, r.code, r.stderr)
		assert.Contains(t, r.stdout, "KP_INSTANCE_ID='"+rcKP.GUID+"'")
	}
	assert.Equal(t, 1, first.Calls(), "the second run is answered by the cache")

	other := iamtest.NewResourceController(iamtest.RCInstance{Name: "my-kp", GUID: "0a1b2c3d-0000-4000-8000-00000000c001", Service: "kms", Region: "eu-gb", ResourceGroupID: "rg-9"})
	t.Cleanup(other.Close)
	s.vars[kms.EnvRCEndpoint] = other.URL
	r := s.run("env", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Contains(t, r.stdout, "KP_INSTANCE_ID='0a1b2c3d-0000-4000-8000-00000000c001'")
	assert.Contains(t, r.stdout, "KP_URL='https://eu-gb.kms.cloud.ibm.com'")
	assert.Equal(t, 1, other.Calls())
}

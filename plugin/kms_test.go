package main

// What of --instance needs processes: a real shell evaluating the binary's output, with the
// instance cache one process writes serving the next, and exec, which replaces the process.
// The rest (lookups, endpoints, failures, instances, print, curl with real curl, go-sdk-core
// reading --format sdk) is tested in-process in commands/.

import (
	"encoding/json"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands/shell/shelltest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

var (
	kpDallas = iamtest.RCInstance{Name: "my-kp", GUID: "0a1b2c3d-0000-4000-8000-00000000a001", Service: "kms", Region: "us-south", ResourceGroupID: "rg-1"}
	hpcs     = iamtest.RCInstance{Name: "my-hpcs", GUID: "0a1b2c3d-0000-4000-8000-00000000b001", Service: "hs-crypto", Region: "us-south", ResourceGroupID: "rg-1",
		Endpoints: map[string]string{"public": "https://api.us-south.hs-crypto.cloud.ibm.com:9730", "private": "https://api.private.us-south.hs-crypto.cloud.ibm.com:9730"}}
)

// kmsSession is a logged-in session beside a loopback Resource Controller holding instances.
func kmsSession(t *testing.T) (*home, *iamtest.ResourceController) {
	t.Helper()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	rc := iamtest.NewResourceController(kpDallas, hpcs)
	t.Cleanup(rc.Close)
	s.env = append(s.env, "IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT="+rc.URL)
	return s, rc
}

// Needs processes: bash evaluates eval "$(kp-token env --instance my-kp)", which sets the
// token, KP_INSTANCE_ID and KP_URL; a second process finds the instance in the cache the first
// wrote, and makes no network call.
func TestEnvWithAnInstanceEvaluatedByBash(t *testing.T) {
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
	assert.Equal(t, s.readConfig()["IAMToken"], got[0])
	assert.True(t, strings.HasPrefix(got[0], "Bearer ey"))
	assert.Equal(t, kpDallas.GUID, got[1])
	assert.Equal(t, "https://us-south.kms.cloud.ibm.com", got[2])
	calls := rc.Calls()
	assert.Positive(t, calls)
	assert.Equal(t, strings.Join(got, "|"), run())
	assert.Equal(t, calls, rc.Calls(), "the second run makes no network call")
}

// Needs a process: exec replaces kp-token with the command (execve), which only a process of
// its own can do. Then show, another process, finds what exec learned, with no call.
func TestExecWithAnInstance(t *testing.T) {
	t.Parallel()
	s, rc := kmsSession(t)
	r := s.run("exec", "--instance", "my-kp", "--", "sh", "-c", `printf '%s %s' "$KP_INSTANCE_ID" "$KP_URL"`)
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, kpDallas.GUID+" https://us-south.kms.cloud.ibm.com", r.stdout)
	calls := rc.Calls()
	assert.Positive(t, calls)

	r = s.run("show", "--output", "json", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	require.IsType(t, map[string]any{}, got["instance"], r.stdout)
	assert.Equal(t, kpDallas.GUID, got["instance"].(map[string]any)["guid"], "learned by the run before")
	assert.Equal(t, calls, rc.Calls(), "show makes no call")
}

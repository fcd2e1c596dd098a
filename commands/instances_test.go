package commands_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/token"
)

// The Resource Controller's records the in-process sessions of env, print, instances and curl
// look instances up in: two Key Protect instances share a name, and an HPCS instance publishes
// its own endpoints.
var (
	rcKP     = iamtest.RCInstance{Name: "my-kp", GUID: "0a1b2c3d-0000-4000-8000-00000000a001", Service: "kms", Region: "us-south", ResourceGroupID: "rg-1"}
	rcTwinDE = iamtest.RCInstance{Name: "twin", GUID: "0a1b2c3d-0000-4000-8000-00000000a002", Service: "kms", Region: "eu-de", ResourceGroupID: "rg-2"}
	rcTwinUS = iamtest.RCInstance{Name: "twin", GUID: "0a1b2c3d-0000-4000-8000-00000000a003", Service: "kms", Region: "us-east", ResourceGroupID: "rg-1"}
	rcHPCS   = iamtest.RCInstance{Name: "my-hpcs", GUID: "0a1b2c3d-0000-4000-8000-00000000b001", Service: "hs-crypto", Region: "us-south", ResourceGroupID: "rg-1",
		Endpoints: map[string]string{"public": "https://api.us-south.hs-crypto.cloud.ibm.com:9730", "private": "https://api.private.us-south.hs-crypto.cloud.ibm.com:9730"}}
)

// serveInstances starts a loopback Resource Controller holding rcKP, the twins and rcHPCS, and
// points the session at it.
func serveInstances(t *testing.T, s *session) *iamtest.ResourceController {
	t.Helper()
	rc := iamtest.NewResourceController(rcKP, rcTwinDE, rcTwinUS, rcHPCS)
	t.Cleanup(rc.Close)
	s.vars[kms.EnvRCEndpoint] = rc.URL
	return rc
}

// userFacing is a failure written for the user, as the plug-in's packages return them.
type userFacing string

func (e userFacing) Error() string { return string(e) }
func (userFacing) UserFacing()     {}

// instances' own logic on a fake runtime: the table and the JSON, which endpoint each instance
// shows, and the command line it refuses before asking for a token.
func TestInstances(t *testing.T) {
	t.Setenv("IBMCLOUD_COLOR", "false") // the header is painted only when asked to
	jwt := iamtest.Valid(time.Hour)
	kp := kms.Instance{Name: "my-kp", GUID: rcKP.GUID, CRN: rcKP.CRN(), Service: kms.KeyProtect, Region: "us-south", ResourceGroupID: "rg-1"}
	hpcs := kms.Instance{Name: "my-hpcs", GUID: rcHPCS.GUID, CRN: rcHPCS.CRN(), Service: kms.HPCS, Region: "us-south", ResourceGroupID: "rg-1",
		Endpoints: kms.Endpoints{Public: rcHPCS.Endpoints["public"], Private: rcHPCS.Endpoints["private"]}}
	bare := kms.Instance{Name: "old-hpcs\x1b[2J", GUID: "0a1b2c3d-0000-4000-8000-00000000b002", Service: kms.HPCS, Region: "eu-de", ResourceGroupID: "rg-2"}
	list := []kms.Instance{hpcs, kp, bare}
	row := func(i kms.Instance, url string) map[string]any {
		return map[string]any{"name": i.Name, "guid": i.GUID, "crn": i.CRN, "service": i.Service, "region": i.Region, "resource_group_id": i.ResourceGroupID, "url": url}
	}
	const (
		kpPublic  = "https://us-south.kms.cloud.ibm.com"
		kpPrivate = "https://private.us-south.kms.cloud.ibm.com"
	)
	table := "Name              Service       Region     GUID                                   Endpoint                                            Resource group ID\n" +
		"my-hpcs           HPCS          us-south   0a1b2c3d-0000-4000-8000-00000000b001   https://api.us-south.hs-crypto.cloud.ibm.com:9730   rg-1\n" +
		"my-kp             Key Protect   us-south   0a1b2c3d-0000-4000-8000-00000000a001   https://us-south.kms.cloud.ibm.com                  rg-1\n" +
		`old-hpcs\x1b[2J   HPCS          eu-de      0a1b2c3d-0000-4000-8000-00000000b002   -                                                   rg-2` + "\n"
	for _, tc := range []struct {
		name       string
		args       []string
		cliPrivate bool
		list       []kms.Instance
		listErr    error
		stdout     string         // exact, or
		json       []any          // the JSON it must parse to
		stderr     string         // "" when none may be written
		code       int            //
		opened     bool           // a token was asked for
		asked      *token.Options // what the source was asked (with opened)
	}{
		{name: "a table with each instance's public endpoint, escaped", args: []string{"instances"}, list: list, stdout: table, opened: true,
			asked: &token.Options{MinValidity: 5 * time.Minute}},
		{name: "json", args: []string{"instances", "--output", "json"}, list: list, opened: true,
			json: []any{row(hpcs, hpcs.Endpoints.Public), row(kp, kpPublic), row(bare, "")}},
		{name: "JSON in any case", args: []string{"instances", "--output", "JSON"}, list: []kms.Instance{kp}, opened: true,
			json: []any{row(kp, kpPublic)}},
		{name: "--private", args: []string{"instances", "--output", "json", "--private"}, list: list, opened: true,
			json: []any{row(hpcs, hpcs.Endpoints.Private), row(kp, kpPrivate), row(bare, "")}},
		{name: "private when the CLI is", args: []string{"instances", "--output", "json"}, cliPrivate: true, list: list, opened: true,
			json: []any{row(hpcs, hpcs.Endpoints.Private), row(kp, kpPrivate), row(bare, "")}},
		{name: "--public over the CLI's choice", args: []string{"instances", "--output", "json", "--public"}, cliPrivate: true, list: list, opened: true,
			json: []any{row(hpcs, hpcs.Endpoints.Public), row(kp, kpPublic), row(bare, "")}},
		{name: "none", args: []string{"instances"}, opened: true, stdout: "No Key Protect or Hyper Protect Crypto Services instance was found.\n"},
		{name: "none, as JSON", args: []string{"instances", "--output", "json"}, opened: true, json: []any{}},
		{name: "freshness flags reach the source", args: []string{"instances", "--min-validity", "20m", "--refresh"}, list: []kms.Instance{kp}, opened: true,
			stdout: "Name    Service       Region     GUID                                   Endpoint                             Resource group ID\n" +
				"my-kp   Key Protect   us-south   0a1b2c3d-0000-4000-8000-00000000a001   https://us-south.kms.cloud.ibm.com   rg-1\n",
			asked: &token.Options{MinValidity: 20 * time.Minute, Force: true}},
		{name: "the Resource Controller refuses", args: []string{"instances"}, opened: true, code: 1,
			listErr: &kms.Error{Kind: kms.Forbidden, Endpoint: "https://resource-controller.cloud.ibm.com", Status: 403},
			stderr:  "FAILED\nThe Resource Controller at 'https://resource-controller.cloud.ibm.com' refused access (HTTP 403)."},
		{name: "an unexpected failure says so", args: []string{"instances"}, opened: true, code: 1, listErr: errors.New("boom"),
			stderr: "FAILED\nAn unexpected error occurred: boom"},
		{name: "--private and --public", args: []string{"instances", "--private", "--public"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: --private and --public cannot be used together."},
		{name: "an output format it does not know", args: []string{"instances", "--output", "yaml"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: 'yaml' is not a supported output format. The supported format is JSON."},
		{name: "no --instance here", args: []string{"instances", "--instance", "my-kp"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: '--instance' is not an option of this command."},
		{name: "no argument", args: []string{"instances", "my-kp"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: 'my-kp' is not an argument this command takes."},
		{name: "bad freshness", args: []string{"instances", "--min-validity", "1h"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: --min-validity must be at least 0 and less than 1h"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rt := withToken(mustParse(t, jwt))
			rt.list, rt.listErr, rt.private = tc.list, tc.listErr, tc.cliPrivate
			got := execute(rt, "", tc.args...)
			require.Equal(t, tc.code, got.code, got.stderr)
			switch {
			case tc.json != nil:
				var out []any
				require.NoError(t, json.Unmarshal([]byte(got.stdout), &out), got.stdout)
				assert.Equal(t, tc.json, out)
			default:
				assert.Equal(t, tc.stdout, got.stdout)
			}
			if tc.stderr == "" {
				assert.Empty(t, got.stderr)
			} else {
				assert.Contains(t, got.stderr, tc.stderr)
				assert.NotContains(t, got.stderr, jwt)
			}
			if !tc.opened {
				assert.Empty(t, rt.opened, "a command line it refuses costs no token")
				assert.Zero(t, rt.listed)
				return
			}
			assert.Len(t, rt.opened, 1)
			if tc.asked != nil {
				assert.Equal(t, []token.Options{*tc.asked}, rt.src.asked)
			}
			assert.Equal(t, 1, rt.listed)
		})
	}

	t.Run("a token it cannot get lists nothing", func(t *testing.T) {
		rt := withToken(mustParse(t, jwt))
		rt.src.err = userFacing("You are not logged in. Log in by running 'ibmcloud login'.")
		got := execute(rt, "", "instances")
		assert.Equal(t, 1, got.code)
		assert.Empty(t, got.stdout)
		assert.Equal(t, "FAILED\nYou are not logged in. Log in by running 'ibmcloud login'.\n", got.stderr)
		assert.Zero(t, rt.listed, "the Resource Controller is not asked")
	})
}

// The whole stack: both services' instances from a loopback Resource Controller (paged one
// record a page), sorted, with their endpoints.
func TestInstancesListsBothServices(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	rc := serveInstances(t, s)
	r := s.run("instances")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	for _, want := range []string{"my-hpcs", "HPCS", "my-kp", "Key Protect", rcTwinUS.GUID, rcTwinDE.GUID, "https://api.us-south.hs-crypto.cloud.ibm.com:9730", "https://us-south.kms.cloud.ibm.com", "https://eu-de.kms.cloud.ibm.com"} {
		assert.Contains(t, r.stdout, want)
	}
	assert.Positive(t, rc.Calls())

	r = s.run("instances", "--output", "json", "--private")
	require.Equal(t, 0, r.code, r.stderr)
	var got []map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	require.Len(t, got, 4)
	assert.Equal(t, "my-hpcs", got[0]["name"])
	assert.Equal(t, "hs-crypto", got[0]["service"])
	assert.Equal(t, rcHPCS.CRN(), got[0]["crn"])
	assert.Equal(t, "https://api.private.us-south.hs-crypto.cloud.ibm.com:9730", got[0]["url"])
	assert.Equal(t, "my-kp", got[1]["name"])
	assert.Equal(t, "https://private.us-south.kms.cloud.ibm.com", got[1]["url"])
	assert.Equal(t, 0, s.iam.Calls(), "a valid token: IAM is not asked")
}

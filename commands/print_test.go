package commands_test

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/token"
)

// print's own logic on a fake runtime: the token alone or IAM's JSON, what it asks of the
// source and the Resource Controller, and what it refuses before asking for a token.
func TestPrint(t *testing.T) {
	jwt := iamtest.Valid(40 * time.Minute)
	kp := kms.Instance{Name: "my-kp", GUID: rcKP.GUID, Service: kms.KeyProtect, Region: "us-south"}
	found := func(token.Token, kms.Query) (kms.Resolution, error) {
		return kms.Resolution{Instance: kp, URL: "https://private.us-south.kms.cloud.ibm.com"}, nil
	}
	fiveMin := []token.Options{{MinValidity: 5 * time.Minute}}
	for _, tc := range []struct {
		name    string
		args    []string
		resolve func(token.Token, kms.Query) (kms.Resolution, error)
		srcErr  error
		code    int
		stdout  string         // exact, unless json
		json    map[string]any // the fields of --output json besides expiration and expires_in
		stderr  string         // "" when nothing may be written
		asked   []token.Options
		queries []kms.Query
	}{
		{name: "the token", args: []string{"print"}, stdout: "Bearer " + jwt + "\n", asked: fiveMin},
		{name: "--no-bearer", args: []string{"print", "--no-bearer"}, stdout: jwt + "\n", asked: fiveMin},
		{name: "IAM's fields, never the refresh token", args: []string{"print", "--output", "json"}, asked: fiveMin,
			json: map[string]any{"access_token": jwt, "token_type": "Bearer"}},
		{name: "JSON in any case", args: []string{"print", "--output", "Json"}, asked: fiveMin,
			json: map[string]any{"access_token": jwt, "token_type": "Bearer"}},
		{name: "and the instance's", args: []string{"print", "--output", "json", "--instance", "my-kp", "--private"}, resolve: found, asked: fiveMin,
			json:    map[string]any{"access_token": jwt, "token_type": "Bearer", "instance_id": kp.GUID, "url": "https://private.us-south.kms.cloud.ibm.com"},
			queries: []kms.Query{{Ref: "my-kp", Choice: kms.Choice{Network: kms.Private}}}},
		{name: "--url and --refresh reach the lookup", args: []string{"print", "--output", "json", "--instance", "my-kp", "--url", "https://kp.example.com", "--refresh"}, resolve: found,
			asked:   []token.Options{{MinValidity: 5 * time.Minute, Force: true}},
			json:    map[string]any{"access_token": jwt, "token_type": "Bearer", "instance_id": kp.GUID, "url": "https://private.us-south.kms.cloud.ibm.com"},
			queries: []kms.Query{{Ref: "my-kp", Choice: kms.Choice{URL: "https://kp.example.com"}, Refresh: true}}},
		{name: "--min-validity", args: []string{"print", "--min-validity", "45m"}, stdout: "Bearer " + jwt + "\n",
			asked: []token.Options{{MinValidity: 45 * time.Minute}}},
		{name: "an instance not found prints nothing", args: []string{"print", "--output", "json", "--instance", "nope"}, code: 1, asked: fiveMin,
			stderr:  "FAILED\nNo Key Protect or Hyper Protect Crypto Services instance named 'nope' is visible to you.",
			queries: []kms.Query{{Ref: "nope"}}},
		{name: "a token it cannot get", args: []string{"print"}, srcErr: userFacing("Your IBM Cloud session has expired. Log in again by running 'ibmcloud login'."), code: 1,
			asked: fiveMin, stderr: "FAILED\nYour IBM Cloud session has expired. Log in again by running 'ibmcloud login'.\n"},
		{name: "an output format it does not know", args: []string{"print", "--output", "yaml"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: 'yaml' is not a supported output format. The supported format is JSON."},
		{name: "--no-bearer and --output", args: []string{"print", "--no-bearer", "--output", "json"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: --no-bearer and --output cannot be used together."},
		{name: "--instance needs --output json", args: []string{"print", "--instance", "my-kp"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: print shows the instance beside the token with --output json only; env and exec set KP_INSTANCE_ID and KP_URL."},
		{name: "--private needs --instance", args: []string{"print", "--output", "json", "--private"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: --private, --public and --url choose the endpoint of an --instance: name the instance too."},
		{name: "one endpoint choice", args: []string{"print", "--output", "json", "--instance", "my-kp", "--private", "--url", "https://x"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: Give one of --private, --public and --url."},
		{name: "bad freshness", args: []string{"print", "--min-validity", "-1s"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: --min-validity must be at least 0 and less than 1h"},
		{name: "negative timeout", args: []string{"print", "--timeout", "-1s"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: --timeout cannot be negative."},
		{name: "one credential", args: []string{"print", "--apikey", "k", "--profile", "p"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: --apikey and --cr-token or --profile cannot be used together: give one credential."},
		{name: "no argument", args: []string{"print", "now"}, code: 1,
			stderr: "FAILED\nIncorrect Usage: 'now' is not an argument this command takes."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tok := mustParse(t, jwt)
			rt := withToken(tok)
			rt.resolve, rt.src.err = tc.resolve, tc.srcErr
			before := time.Now()
			got := execute(rt, "", tc.args...)
			after := time.Now()
			require.Equal(t, tc.code, got.code, got.stderr)
			if tc.json != nil {
				var out map[string]any
				require.NoError(t, json.Unmarshal([]byte(got.stdout), &out), got.stdout)
				assert.Equal(t, float64(tok.Expiry.Unix()), out["expiration"])
				// expires_in is counted when print runs: between the two instants around it.
				in, ok := out["expires_in"].(float64)
				require.True(t, ok, "%v", out["expires_in"])
				assert.GreaterOrEqual(t, in, float64(int64(tok.Expiry.Sub(after)/time.Second)))
				assert.LessOrEqual(t, in, float64(int64(tok.Expiry.Sub(before)/time.Second)))
				delete(out, "expiration")
				delete(out, "expires_in")
				assert.Equal(t, tc.json, out, "exactly these fields")
			} else {
				assert.Equal(t, tc.stdout, got.stdout)
			}
			if tc.stderr == "" {
				assert.Empty(t, got.stderr)
			} else {
				assert.Contains(t, got.stderr, tc.stderr)
				assert.NotContains(t, got.stderr, jwt)
			}
			assert.Equal(t, tc.asked, rt.src.asked)
			assert.Len(t, rt.opened, len(tc.asked), "a command line it refuses costs no token")
			assert.Equal(t, tc.queries, rt.queries)
		})
	}
}

// The whole stack: a valid token is printed with no call and nothing written, and IAM's JSON
// never holds the refresh token; a token that expires within --min-validity is refreshed.
func TestPrintWithASession(t *testing.T) {
	t.Parallel()
	jwt := iamtest.Valid(40 * time.Minute)
	s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
	before, err := os.ReadFile(s.config)
	require.NoError(t, err)

	r := s.run("print")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, "Bearer "+jwt+"\n", r.stdout)
	assert.Empty(t, r.stderr)

	r = s.run("print", "--no-bearer")
	assert.Equal(t, jwt+"\n", r.stdout)

	start := time.Now()
	r = s.run("print", "--output", "json")
	end := time.Now()
	require.Equal(t, 0, r.code, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, jwt, got["access_token"])
	assert.Equal(t, "Bearer", got["token_type"])
	exp := time.Unix(int64(got["expiration"].(float64)), 0)
	assert.Equal(t, mustParse(t, jwt).Expiry, exp)
	in := got["expires_in"].(float64)
	assert.GreaterOrEqual(t, in, float64(int64(exp.Sub(end)/time.Second)))
	assert.LessOrEqual(t, in, float64(int64(exp.Sub(start)/time.Second)))
	assert.Len(t, got, 4, "IAM's fields, and never the refresh token")
	assert.NotContains(t, r.stdout, "secret-refresh-token")
	assert.Equal(t, 0, s.iam.Calls())
	after, err := os.ReadFile(s.config)
	require.NoError(t, err)
	assert.Equal(t, before, after, "nothing written")

	r = s.run("print", "--output", "yaml")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Contains(t, r.stderr, "'yaml' is not a supported output format")

	r = s.run("print", "--min-validity", "45m") // expires sooner: refreshed
	require.Equal(t, 0, r.code, r.stderr)
	assert.Equal(t, 1, s.iam.Calls())
	assert.Equal(t, []string{"secret-refresh-token"}, s.iam.Refreshs)
	assert.Equal(t, "Bearer "+s.iam.LastIssued()+"\n", r.stdout)
	assert.Equal(t, "Bearer "+s.iam.LastIssued(), s.readConfig()["IAMToken"], "saved for the CLI")
}

// print --instance against the loopback Resource Controller; what it learned, show then finds
// with no call of its own.
func TestPrintWithAnInstance(t *testing.T) {
	t.Parallel()
	s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
	rc := serveInstances(t, s)
	r := s.run("print", "--output", "json", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	assert.Empty(t, r.stderr)
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, rcKP.GUID, got["instance_id"])
	assert.Equal(t, "https://us-south.kms.cloud.ibm.com", got["url"])
	calls := rc.Calls()
	assert.Positive(t, calls)

	r = s.run("print", "--output", "json", "--instance", "my-hpcs", "--private")
	require.Equal(t, 0, r.code, r.stderr)
	got = nil
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, rcHPCS.GUID, got["instance_id"])
	assert.Equal(t, "https://api.private.us-south.hs-crypto.cloud.ibm.com:9730", got["url"])
	calls = rc.Calls()

	r = s.run("show", "--output", "json", "--instance", "my-kp")
	require.Equal(t, 0, r.code, r.stderr)
	got = nil
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	require.IsType(t, map[string]any{}, got["instance"], r.stdout)
	assert.Equal(t, rcKP.GUID, got["instance"].(map[string]any)["guid"], "learned by print")
	assert.Equal(t, calls, rc.Calls(), "show makes no call")
	assert.Equal(t, 0, s.iam.Calls())
}

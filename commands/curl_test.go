package commands_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

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
		})
	}
}

package cliconfig

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var sessions = []string{
	"{\n  \"IAMToken\": \"Bearer a.b.c\",\n  \"IAMRefreshToken\": \"r\",\n  \"Locale\": \"ja_JP\",\n  \"IsPrivate\": true,\n  \"HTTPTimeout\": 60,\n  \"Region\": \"us-south\"\n}",
	`{}`, `null`, ` [] `, `"x"`, `7`, ``, `{`, `{"IAMToken":1}`, `{"IsPrivate":"true"}`, `{"HTTPTimeout":1.5}`, `{"HTTPTimeout":99999999999999999999}`, `{"HTTPTimeout":"soon","IAMToken":"a"}`, `{"httptimeout":5,"HTTPTimeout":null}`,
	`{"iamtoken":"a","IAMTOKEN":"b"}`, `{"IAMToken":null,"Locale":null}`, `{"IAMToken":"\u0041\"x"}`, `{"Locale":"de","IsPrivate":7,"IAMToken":{}}`,
	`{"Other":{"IAMToken":"nested"},"X":[1,"IAMToken"]}`, `{"IAMToken":"a"} x`,
	`{"CloudName":"staging","CloudType":"public","Region":"eu-de","IsAccessFromVPC":true}`, `{"cloudname":"a","CLOUDNAME":"b","region":null}`,
	`{"CloudName":1,"IAMToken":"a"}`, `{"Region":["us-south"]}`, `{"IsAccessFromVPC":"true","CloudName":"x"}`, `{"CloudType":null,"isaccessfromvpc":false}`,
	`{"Region":7,"Region":"us-east"}`, `{"CloudName":"\u0062luemix"}`,
}

// decodeSession decodes as encoding/json does: the same fields, and for a document it refuses
// the same words in the message (describeJSONError).
func checkSession(t *testing.T, data []byte) {
	t.Helper()
	var want sessionFields
	wantErr := json.Unmarshal(data, &want)
	got, timeout, cloud, err := decodeSession(data)
	if wantErr == nil {
		// The cloud's fields, like the timeout, are decoded apart: a mistyped one leaves them to
		// the SDK's decode (ok false), and is no error of the session's.
		var sdk struct {
			CloudName, CloudType, Region string
			IsAccessFromVPC              bool
		}
		cloudErr := json.Unmarshal(data, &sdk)
		require.Equal(t, cloudErr == nil, cloud.ok, "%q", data)
		if cloud.ok {
			require.Equal(t, cloudFields{Name: sdk.CloudName, Type: sdk.CloudType, Region: sdk.Region, VPC: sdk.IsAccessFromVPC, ok: true}, cloud, "%q", data)
		}
	}
	if wantErr == nil {
		var sdk struct{ HTTPTimeout int }
		timeoutErr := json.Unmarshal(data, &sdk)
		require.Equal(t, timeoutErr == nil, timeout.ok, "%q", data)
		if timeout.ok {
			require.Equal(t, sdk.HTTPTimeout, timeout.seconds, "%q", data)
		}
	}
	if wantErr != nil {
		require.Error(t, err, "%q", data)
		require.Equal(t, describeJSONError(wantErr), describeJSONError(err), "%q", data)
		return
	}
	require.NoError(t, err, "%q", data)
	require.Equal(t, want, got, "%q", data)
}

func TestDecodeSessionAsEncodingJSON(t *testing.T) {
	for _, s := range sessions {
		checkSession(t, []byte(s))
	}
}

func FuzzDecodeSession(f *testing.F) {
	for _, s := range sessions {
		f.Add([]byte(s))
	}
	f.Fuzz(checkSession)
}

// The cloud's fields (kms.CloudOf's) come from the cheap decode, as the SDK's repository answers
// them, without the SDK's decode of the whole file; a mistyped one falls back to the SDK's.
func TestSnapshotAnswersTheCloudWithoutTheSDKsDecode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	doc := `{"IAMToken":"Bearer a","CloudName":"staging","CloudType":"public","Region":"eu-de","IsPrivate":true,"IsAccessFromVPC":true}`
	require.NoError(t, os.WriteFile(path, []byte(doc), 0o600))
	s, err := Load(path, time.Time{})
	require.NoError(t, err)
	got := []any{s.CloudName(), s.CloudType(), s.CurrentRegion().Name, s.IsPrivateEndpointEnabled(), s.IsAccessFromVPC()}
	assert.Equal(t, []any{"staging", "public", "eu-de", true, true}, got)
	assert.Nil(t, s.full, "the SDK's decode ran")
	repo := s.Repository()
	assert.Equal(t, []any{repo.CloudName(), repo.CloudType(), repo.CurrentRegion().Name, repo.IsPrivateEndpointEnabled(), repo.IsAccessFromVPC()}, got)

	require.NoError(t, os.WriteFile(path, []byte(`{"IAMToken":"Bearer a","CloudName":"staging","Region":5}`), 0o600))
	s, err = Load(path, time.Time{})
	require.NoError(t, err)
	assert.Equal(t, "Bearer a", s.IAMToken())
	assert.Equal(t, "", s.CloudName(), "the SDK's decode fails, and answers nothing")
	assert.Error(t, s.Problem())
}

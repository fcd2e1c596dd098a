package cliconfig

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

var sessions = []string{
	"{\n  \"IAMToken\": \"Bearer a.b.c\",\n  \"IAMRefreshToken\": \"r\",\n  \"Locale\": \"ja_JP\",\n  \"IsPrivate\": true,\n  \"HTTPTimeout\": 60,\n  \"Region\": \"us-south\"\n}",
	`{}`, `null`, ` [] `, `"x"`, `7`, ``, `{`, `{"IAMToken":1}`, `{"IsPrivate":"true"}`, `{"HTTPTimeout":1.5}`, `{"HTTPTimeout":99999999999999999999}`, `{"HTTPTimeout":"soon","IAMToken":"a"}`, `{"httptimeout":5,"HTTPTimeout":null}`,
	`{"iamtoken":"a","IAMTOKEN":"b"}`, `{"IAMToken":null,"Locale":null}`, `{"IAMToken":"\u0041\"x"}`, `{"Locale":"de","IsPrivate":7,"IAMToken":{}}`,
	`{"Other":{"IAMToken":"nested"},"X":[1,"IAMToken"]}`, `{"IAMToken":"a"} x`,
}

// decodeSession decodes as encoding/json does: the same fields, and for a document it refuses
// the same words in the message (describeJSONError).
func checkSession(t *testing.T, data []byte) {
	t.Helper()
	var want sessionFields
	wantErr := json.Unmarshal(data, &want)
	got, timeout, err := decodeSession(data)
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

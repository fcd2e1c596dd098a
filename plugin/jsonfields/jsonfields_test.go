package jsonfields_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/jsonfields"
)

// members is what Members reports, the last value of a key winning, as encoding/json's does.
func members(t testing.TB, data []byte) (map[string]json.RawMessage, error) {
	got := map[string]json.RawMessage{}
	err := jsonfields.Members(data, func(key string, raw []byte) bool {
		got[key] = append(json.RawMessage(nil), raw...)
		return true
	})
	return got, err
}

var cases = []string{
	`{}`, ` { } `, `{"a":1}`, `{"a":"x","b":true,"c":null,"d":[1,{"e":"}"}],"f":{"g":"]\""}}`,
	"{\n  \"IAMToken\": \"Bearer a.b.c\",\n  \"Region\": \"us-south\"\n}\n",
	`{"k\u00e9y":"v\u00e9","esc":"a\"b\\c\/d\n"}`, `{"a":1,"a":2}`, `{"n":-1.5e+3,"z":0}`,
	`{"s":"\ud83d\ude00"}`, `{"bad":"\ud800"}`,
}

func TestMembersAgreeWithEncodingJSON(t *testing.T) {
	for _, c := range cases {
		var want map[string]json.RawMessage
		require.NoError(t, json.Unmarshal([]byte(c), &want), c)
		got, err := members(t, []byte(c))
		require.NoError(t, err, c)
		assert.Equal(t, want, got, c)
		for k, raw := range got {
			if raw[0] != '"' {
				continue
			}
			var s string
			require.NoError(t, json.Unmarshal(raw, &s))
			v, err := jsonfields.String(raw)
			require.NoError(t, err)
			assert.Equal(t, s, v, "%s in %s", k, c)
		}
	}
}

func TestMembersStopsWhenAsked(t *testing.T) {
	var keys []string
	require.NoError(t, jsonfields.Members([]byte(`{"a":1,"b":2,"c":3}`), func(key string, _ []byte) bool {
		keys = append(keys, key)
		return key != "b"
	}))
	assert.Equal(t, []string{"a", "b"}, keys)
}

func TestWhatIsNoObjectIsRefused(t *testing.T) {
	for _, c := range []string{``, `{`, `{"a":}`, `{"a":1,}`, `{"a" 1}`, `{'a':1}`, `{"a":1}x`, "{\"a\":\"\x01\"}", `{"a":tru}`, "\xff"} {
		_, err := members(t, []byte(c))
		var syn *json.SyntaxError
		assert.True(t, errors.As(err, &syn), "%q: %v", c, err)
	}
	for _, c := range []string{`[]`, `"s"`, `1`, `null`, ` true `} {
		_, err := members(t, []byte(c))
		assert.ErrorIs(t, err, jsonfields.ErrNotObject, c)
	}
}

func TestTypedValues(t *testing.T) {
	b, err := jsonfields.Bool([]byte("true"))
	assert.True(t, b)
	assert.NoError(t, err)
	_, err = jsonfields.Bool([]byte(`"true"`))
	var typ *json.UnmarshalTypeError
	require.ErrorAs(t, err, &typ)
	assert.Equal(t, "string", typ.Value)

	n, err := jsonfields.Int64([]byte("1796680603"))
	assert.Equal(t, int64(1796680603), n)
	assert.NoError(t, err)
	_, err = jsonfields.Int64([]byte("1.5"))
	require.ErrorAs(t, err, &typ)
	assert.Equal(t, "number 1.5", typ.Value)

	_, err = jsonfields.String([]byte("{}"))
	require.ErrorAs(t, err, &typ)
	assert.Equal(t, "object", typ.Value)
	assert.True(t, jsonfields.Null([]byte("null")))
}

// FuzzMembers holds Members and String to encoding/json on any input: the same documents
// refused, the same members, the same strings.
func FuzzMembers(f *testing.F) {
	for _, c := range cases {
		f.Add([]byte(c))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		var want map[string]json.RawMessage
		wantErr := json.Unmarshal(data, &want)
		got, err := members(t, data)
		if wantErr != nil {
			if json.Valid(data) {
				require.Error(t, err, "valid JSON that is no object: %q", data)
				return
			}
			require.Error(t, err, "%q", data)
			return
		}
		if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
			require.ErrorIs(t, err, jsonfields.ErrNotObject)
			return
		}
		require.NoError(t, err, "%q", data)
		require.Equal(t, want, got, "%q", data)
		for _, raw := range got {
			var s string
			if raw[0] != '"' {
				continue
			}
			require.NoError(t, json.Unmarshal(raw, &s))
			v, err := jsonfields.String(raw)
			require.NoError(t, err)
			require.Equal(t, s, v)
		}
	})
}

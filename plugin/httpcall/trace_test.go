package httpcall

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRedactHidesSecretsWhateverTheSpacing(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlMTIz"
	for _, in := range []string{
		`{"access_token":"` + jwt + `"}`,
		`{"access_token" : "` + jwt + `"}`,
		"{\"refresh_token\"\t:\n\"secret-refresh\"}",
		`{"apikey": "secret-key"}`,
		`{"password":"secret\"quoted"}`,
		"grant_type=refresh_token&refresh_token=secret-refresh&response_type=cloud_iam",
		"grant_type=urn:ibm:params:oauth:grant-type:apikey&apikey=secret-key",
		"Authorization: Basic secret-basic",
		"authorization:Bearer " + jwt,
		"the token " + jwt + " in prose",
	} {
		out := Redact(in)
		for _, secret := range []string{jwt, "secret"} {
			assert.NotContains(t, out, secret, "from %q", in)
		}
		assert.Contains(t, out, Hidden, "from %q", in)
	}
	assert.Equal(t, "grant_type=refresh_token&refresh_token="+Hidden+"&response_type=cloud_iam",
		Redact("grant_type=refresh_token&refresh_token=r&response_type=cloud_iam"), "the rest is kept")
}

func TestRedactEscapesControlCharacters(t *testing.T) {
	assert.Equal(t, `\x1b[31mred\x1b[0m\x9b2J`+"\n\tend\\x07", Redact("\x1b[31mred\x1b[0m\u009b2J\r\n\tend\\x07"))
}

// Every secret the client sends or receives stays out of the trace file: the exact value sent,
// escaped or not, and the tokens IAM answers with, whatever its JSON spacing.
func TestTraceFileHoldsNoSecret(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJleHAiOjE3MDAwMDAwMDB9.c2lnbmF0dXJlMTIz"
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("{\"access_token\" : \"" + jwt + "\", \"refresh_token\" :\"new-refresh-secret\", \"note\": \"\x1b]0;owned\x07\"}"))
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "trace.log")
	secret := "old+refresh/secret=="
	rt := newTracer(http.DefaultTransport, file, secret)
	req, err := http.NewRequest(http.MethodPost, srv.URL, strings.NewReader("refresh_token="+secret+"&x="+url.QueryEscape(secret)))
	require.NoError(t, err)
	resp, err := rt.RoundTrip(req)
	require.NoError(t, err)
	_ = resp.Body.Close()

	b, err := os.ReadFile(file)
	require.NoError(t, err)
	trace := string(b)
	assert.Contains(t, trace, "REQUEST:")
	assert.Contains(t, trace, "RESPONSE:")
	for _, s := range []string{jwt, "new-refresh-secret", secret, url.QueryEscape(secret), "\x1b", "\x07"} {
		assert.NotContains(t, trace, s)
	}
	info, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
}

// A secret is Hidden by value too: an answer whose JSON spells a field's name with escapes, in a
// body of any content type.
func TestTraceHidesSecretsByValue(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		_, _ = w.Write([]byte(`{"refresh_\u0074oken":"NEWREFRESHSECRET","token_type":"Bearer"}`))
	}))
	defer srv.Close()
	file := filepath.Join(t.TempDir(), "trace.log")
	req, err := http.NewRequest(http.MethodGet, srv.URL, nil)
	require.NoError(t, err)
	resp, err := newTracer(http.DefaultTransport, file).RoundTrip(req)
	require.NoError(t, err)
	_ = resp.Body.Close()
	b, err := os.ReadFile(file)
	require.NoError(t, err)
	assert.NotContains(t, string(b), "NEWREFRESHSECRET")
}

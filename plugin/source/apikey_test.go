package source_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/source"
	"github.com/kp-token/kp-token/plugin/token"
)

const goodKey = "GoodAPIKey0123456789abcdefghijklmnopqrstuv"

// keyRun is a run with an API key: a loopback IAM that knows only goodKey, and a cache
// directory that does not exist yet.
type keyRun struct {
	t     *testing.T
	iam   *iamtest.Server
	cache string
	warns warnings
}

func newKeyRun(t *testing.T) *keyRun {
	k := &keyRun{t: t, iam: newIAM(t), cache: filepath.Join(t.TempDir(), "cache")}
	k.iam.APIKeys = map[string]bool{goodKey: true}
	return k
}

// env has the key in $IBMCLOUD_API_KEY unless key is "".
func (k *keyRun) env(key string) source.Env {
	return source.Env{CacheDir: k.cache, Getenv: vars("IAM_ENDPOINT", k.iam.URL, "IBMCLOUD_API_KEY", key)}
}

func (k *keyRun) token(req source.Request, o source.Options) (token.Token, error) {
	k.t.Helper()
	if req.Warn == nil {
		req.Warn = k.warns.warn
	}
	src, err := source.Open(k.env(goodKey), req)
	require.NoError(k.t, err)
	require.Equal(k.t, source.FromAPIKey, describe(k.t, src).Source)
	return src.Token(o)
}

// cacheFiles are the token files in the cache directory (not the locks beside them).
func (k *keyRun) cacheFiles() []string {
	files, err := filepath.Glob(filepath.Join(k.cache, "*.json"))
	require.NoError(k.t, err)
	return files
}

func TestAPIKeyCache(t *testing.T) {
	k := newKeyRun(t)
	first, err := k.token(source.Request{}, source.Options{MinValidity: 5 * time.Minute})
	require.NoError(t, err)
	assert.Equal(t, k.iam.LastIssued(), first.JWT)
	assert.Equal(t, 1, k.iam.Calls())

	second, err := k.token(source.Request{}, source.Options{MinValidity: 5 * time.Minute})
	require.NoError(t, err)
	assert.Equal(t, first.JWT, second.JWT)
	assert.Equal(t, 1, k.iam.Calls(), "a second run within the token's life makes no IAM call")

	// One file, mode 0600, in a directory of mode 0700, holding the access token and its expiry:
	// neither the key nor a refresh token.
	files := k.cacheFiles()
	require.Len(t, files, 1)
	info, err := os.Stat(files[0])
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm())
	dir, err := os.Stat(k.cache)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o700), dir.Mode().Perm())
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.NotContains(t, string(b), goodKey)
	assert.NotContains(t, strings.ToLower(string(b)), "refresh")
	assert.NotContains(t, filepath.Base(files[0]), goodKey)
	var fields map[string]any
	require.NoError(t, json.Unmarshal(b, &fields))
	assert.Equal(t, map[string]any{"access_token": first.JWT, "expiration": float64(first.Expiry.Unix())}, fields)
	entries, err := os.ReadDir(k.cache)
	require.NoError(t, err)
	for _, e := range entries {
		assert.NotContains(t, e.Name(), ".tmp-", "no temporary file left behind")
		b, err := os.ReadFile(filepath.Join(k.cache, e.Name()))
		require.NoError(t, err)
		assert.NotContains(t, string(b), goodKey, "%s holds no key", e.Name())
	}

	// Close to its expiry (by the run's clock), the cached token is a miss.
	env := k.env(goodKey)
	env.Now = func() time.Time { return time.Now().Add(56 * time.Minute) }
	src, err := source.Open(env, source.Request{})
	require.NoError(t, err)
	third, err := src.Token(source.Options{MinValidity: 5 * time.Minute})
	require.NoError(t, err)
	assert.Equal(t, 2, k.iam.Calls())
	assert.Equal(t, k.iam.LastIssued(), third.JWT)
}

func TestAPIKeyForceMakesACall(t *testing.T) {
	k := newKeyRun(t)
	src, err := source.Open(k.env(goodKey), source.Request{})
	require.NoError(t, err)
	_, err = src.Token(source.Options{})
	require.NoError(t, err)
	_, err = src.Token(source.Options{})
	require.NoError(t, err)
	assert.Equal(t, 1, k.iam.Calls(), "the same source hits its cache too")

	got, err := src.Token(source.Options{Force: true})
	require.NoError(t, err)
	assert.Equal(t, 2, k.iam.Calls())
	assert.Equal(t, k.iam.LastIssued(), got.JWT)
	files := k.cacheFiles()
	require.Len(t, files, 1)
	b, err := os.ReadFile(files[0])
	require.NoError(t, err)
	assert.Contains(t, string(b), got.JWT, "the forced token is cached")
}

func TestAPIKeyNoCache(t *testing.T) {
	k := newKeyRun(t)
	for i := 1; i <= 2; i++ {
		got, err := k.token(source.Request{NoCache: true}, source.Options{})
		require.NoError(t, err)
		assert.Equal(t, k.iam.LastIssued(), got.JWT)
		assert.Equal(t, i, k.iam.Calls(), "--no-cache asks IAM every time")
	}
	assert.NoDirExists(t, k.cache, "--no-cache writes nothing")

	// A cached token is not read either.
	_, err := k.token(source.Request{}, source.Options{})
	require.NoError(t, err)
	assert.Equal(t, 3, k.iam.Calls())
	_, err = k.token(source.Request{NoCache: true}, source.Options{})
	require.NoError(t, err)
	assert.Equal(t, 4, k.iam.Calls())
}

// A corrupt cache file is a miss, and is replaced by a good one.
func TestAPIKeyCorruptCache(t *testing.T) {
	for _, corrupt := range []string{
		"{not json",
		"",
		`{"access_token":"x'$(id)'","expiration":4102444800}`,
		`{"access_token":"` + iamtest.Valid(-time.Minute) + `","expiration":4102444800}`,
		`["a list"]`,
	} {
		k := newKeyRun(t)
		_, err := k.token(source.Request{}, source.Options{})
		require.NoError(t, err)
		files := k.cacheFiles()
		require.Len(t, files, 1)
		require.NoError(t, os.WriteFile(files[0], []byte(corrupt), 0o600))

		got, err := k.token(source.Request{}, source.Options{MinValidity: 5 * time.Minute})
		require.NoError(t, err, corrupt)
		assert.Equal(t, 2, k.iam.Calls(), "%q is a miss", corrupt)
		assert.Equal(t, k.iam.LastIssued(), got.JWT)
		b, err := os.ReadFile(files[0])
		require.NoError(t, err)
		var c struct {
			AccessToken string `json:"access_token"`
		}
		require.NoError(t, json.Unmarshal(b, &c), "the corrupt file is replaced")
		assert.Equal(t, got.JWT, c.AccessToken)
	}
}

// The cache is per key and per endpoint: another key is a miss.
func TestAPIKeyCacheIsPerKey(t *testing.T) {
	k := newKeyRun(t)
	const otherKey = "OtherAPIKey0123456789"
	k.iam.APIKeys = map[string]bool{goodKey: true, otherKey: true}
	_, err := k.token(source.Request{}, source.Options{})
	require.NoError(t, err)
	src, err := source.Open(k.env(otherKey), source.Request{})
	require.NoError(t, err)
	_, err = src.Token(source.Options{})
	require.NoError(t, err)
	assert.Equal(t, 2, k.iam.Calls())
	assert.Len(t, k.cacheFiles(), 2)
}

// A refused key is not cached, and its error holds no key.
func TestAPIKeyRefused(t *testing.T) {
	k := newKeyRun(t)
	const unknown = "UnknownAPIKey0123456789"
	src, err := source.Open(k.env(unknown), source.Request{})
	require.NoError(t, err)
	got, err := src.Token(source.Options{})
	require.Error(t, err)
	assert.Empty(t, got.JWT)
	assert.Contains(t, err.Error(), "IAM could not find the API key")
	assert.NotContains(t, err.Error(), unknown)
	assert.Empty(t, k.cacheFiles())
	assert.Equal(t, 1, k.iam.Calls())
}

// --apikey: @FILE with the bare key or the JSON 'ibmcloud iam api-key-create --file' writes,
// @- for standard input, or the key itself (which works, with a warning).
func TestAPIKeyFromEachSource(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return "@" + p
	}
	createJSON, err := json.Marshal(map[string]any{"name": "ci", "description": "pipeline", "apikey": goodKey,
		"createdAt": "2026-11-23T09:00+0000", "locked": false, "uuid": "ApiKey-1"})
	require.NoError(t, err)
	for _, tc := range []struct {
		name    string
		apikey  string
		stdin   string
		timeout time.Duration
		warn    string
	}{
		{name: "file with the bare key", apikey: write("key.txt", goodKey+"\n")},
		{name: "file with CRLF and spaces around", apikey: write("key-crlf.txt", "  "+goodKey+"\r\n")},
		{name: "JSON file from api-key-create", apikey: write("key.json", string(createJSON))},
		{name: "JSON file, bounded by --timeout", apikey: write("key2.json", string(createJSON)), timeout: 5 * time.Second},
		{name: "stdin", apikey: "@-", stdin: goodKey + "\n"},
		{name: "stdin with JSON", apikey: "@-", stdin: string(createJSON)},
		{name: "stdin, bounded by --timeout", apikey: "@-", stdin: goodKey, timeout: 5 * time.Second},
		{name: "the key itself", apikey: goodKey, warn: "visible to other users in the process list"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeyRun(t)
			src, err := source.Open(source.Env{CacheDir: k.cache, Getenv: vars("IAM_ENDPOINT", k.iam.URL, "IBMCLOUD_API_KEY", "NotTheKey0123")},
				source.Request{APIKey: tc.apikey, Stdin: strings.NewReader(tc.stdin), Timeout: tc.timeout, Warn: k.warns.warn})
			require.NoError(t, err)
			got, err := src.Token(source.Options{})
			require.NoError(t, err, "IAM knows only the key in the file")
			assert.Equal(t, k.iam.LastIssued(), got.JWT)
			warns := k.warns.all()
			if tc.warn == "" {
				assert.Empty(t, warns)
			} else if assert.Len(t, warns, 1) {
				assert.Contains(t, warns[0], tc.warn)
				assert.NotContains(t, warns[0], goodKey)
			}
		})
	}
}

// What names no usable key is a KeyError (FAILED, no help), which never repeats what was read.
func TestAPIKeyErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, []byte(content), 0o600))
		return "@" + p
	}
	for _, tc := range []struct {
		name    string
		apikey  string
		stdin   string
		want    string
		noLeaks []string
	}{
		{name: "empty file", apikey: write("empty.txt", ""), want: "is empty"},
		{name: "blank file", apikey: write("blank.txt", " \n\t\n"), want: "is empty"},
		{name: "key with spaces", apikey: write("spaces.txt", "Secret part one two"), want: "holds spaces or characters an API key does not have",
			noLeaks: []string{"Secret part"}},
		{name: "two lines", apikey: write("lines.txt", "SecretLineOne\nSecretLineTwo\n"), want: "holds spaces",
			noLeaks: []string{"SecretLine"}},
		{name: "JSON without apikey", apikey: write("noapikey.json", `{"name":"ci","secret":"SecretValue123"}`), want: "is JSON without an 'apikey' field",
			noLeaks: []string{"SecretValue123"}},
		{name: "JSON that does not parse", apikey: write("broken.json", `{"apikey": "SecretValue123"`), want: "is JSON without an 'apikey' field",
			noLeaks: []string{"SecretValue123"}},
		{name: "JSON with an empty apikey", apikey: write("emptykey.json", `{"apikey": ""}`), want: "is empty"},
		{name: "missing file", apikey: "@" + filepath.Join(dir, "nope.txt"), want: "Cannot read the API key from"},
		{name: "a directory", apikey: "@" + dir, want: "is a directory"},
		{name: "empty stdin", apikey: "@-", stdin: "", want: "The API key from standard input is empty"},
		{name: "the key itself with a space", apikey: "Secret key", want: "holds spaces", noLeaks: []string{"Secret key"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newKeyRun(t)
			src, err := source.Open(k.env(goodKey), source.Request{APIKey: tc.apikey, Stdin: strings.NewReader(tc.stdin), Warn: k.warns.warn})
			require.Error(t, err)
			assert.Nil(t, src)
			var keyErr *source.KeyError
			assert.True(t, errors.As(err, &keyErr), "%T: %v", err, err)
			assert.Contains(t, err.Error(), tc.want)
			for _, leak := range tc.noLeaks {
				assert.NotContains(t, err.Error(), leak)
			}
			assert.Equal(t, 0, k.iam.Calls())
		})
	}
}

// With --timeout, a key that never comes (a pipe nobody writes to) ends the run at the deadline.
func TestAPIKeyReadIsBounded(t *testing.T) {
	t.Parallel()
	k := newKeyRun(t)
	r, w := io.Pipe()
	t.Cleanup(func() { _ = w.Close() }) // lets the abandoned reader finish
	start := time.Now()
	src, err := source.Open(k.env(""), source.Request{APIKey: "@-", Stdin: r, Timeout: 300 * time.Millisecond, Warn: k.warns.warn})
	assert.Nil(t, src)
	require.Error(t, err)
	assert.Less(t, time.Since(start), 2*time.Second)
	assert.True(t, errors.Is(err, &source.Error{Kind: source.KeyTimeout}), "%#v", err)
	assert.Contains(t, err.Error(), "Cannot read the API key from standard input: nothing came within 300ms")
	assert.Equal(t, 0, k.iam.Calls())
}

// Runs with one key at one moment make one exchange; queued behind a refusal, they report it
// without asking IAM again.
func TestAPIKeySingleFlight(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		key       string
		wantCalls int
	}{
		{"one exchange for all", goodKey, 1},
		{"the holder's refusal is everyone's", "UnknownAPIKey0123456789", 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			k := newKeyRun(t)
			k.iam.SetHandler(func(w http.ResponseWriter, r *http.Request) {
				time.Sleep(200 * time.Millisecond)
				k.iam.Refresh(w, r)
			})
			const n = 8
			srcs := make([]source.Source, n)
			for i := range srcs {
				var err error
				srcs[i], err = source.Open(k.env(tc.key), source.Request{})
				require.NoError(t, err)
			}
			tokens, errs := tokensAtOnce(srcs)
			assert.Equal(t, tc.wantCalls, k.iam.Calls())
			for i := range srcs {
				if tc.key == goodKey {
					if assert.NoError(t, errs[i]) {
						assert.Equal(t, k.iam.LastIssued(), tokens[i].JWT)
					}
				} else if assert.Error(t, errs[i]) {
					assert.Empty(t, tokens[i].JWT)
					assert.Contains(t, errs[i].Error(), "IAM could not find the API key (HTTP 400 BXNIM0415E")
					assert.Equal(t, errs[0].Error(), errs[i].Error())
				}
			}
		})
	}
}

package tokenserver_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/token"
	"github.com/kp-token/kp-token/plugin/tokenserver"
)

// counting is a Fetch that hands out tokens valid for life, one new token per call.
type counting struct {
	calls atomic.Int64
	life  time.Duration
	err   error
	gate  chan struct{} // non-nil: each fetch waits for it
}

func (c *counting) fetch() (token.Token, error) {
	c.calls.Add(1)
	if c.gate != nil {
		<-c.gate
	}
	if c.err != nil {
		return token.Token{}, c.err
	}
	return token.Parse(iamtest.Valid(c.life))
}

func start(t *testing.T, f tokenserver.Fetch, min time.Duration) *tokenserver.Server {
	t.Helper()
	s, err := tokenserver.Start(f, min, token.Token{})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	return s
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

// post sends the SDK's grant with key; edit changes the request first.
func post(t *testing.T, s *tokenserver.Server, form url.Values, edit ...func(*http.Request)) answer {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.URL()+tokenserver.Path, strings.NewReader(form.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	for _, e := range edit {
		e(req)
	}
	return do(t, req)
}

func do(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{status: resp.StatusCode, header: resp.Header}
	require.NoError(t, json.Unmarshal(b, &a.body), "%s", b)
	return a
}

func grant(key string) url.Values {
	return url.Values{"grant_type": {tokenserver.GrantAPIKey}, "apikey": {key}, "response_type": {"cloud_iam"}}
}

// The SDKs' grant with the key gets IAM's answer: the token, its true expiry and lifetime, no
// refresh token of the session's.
func TestAnswersTheGrantAsIAM(t *testing.T) {
	t.Parallel()
	c := &counting{life: 40 * time.Minute}
	s := start(t, c.fetch, 5*time.Minute)
	assert.Regexp(t, `^http://127\.0\.0\.1:[0-9]+$`, s.URL())
	assert.Regexp(t, `^[0-9a-f]{64}$`, s.Key())

	a := post(t, s, grant(s.Key()))
	require.Equal(t, http.StatusOK, a.status, a.body)
	assert.Equal(t, "application/json", a.header.Get("Content-Type"))
	assert.Equal(t, "no-store", a.header.Get("Cache-Control"))
	tok, err := token.Parse(a.body["access_token"].(string))
	require.NoError(t, err)
	assert.Equal(t, "Bearer", a.body["token_type"])
	assert.Equal(t, "not_supported", a.body["refresh_token"])
	assert.Equal(t, float64(tok.Expiry.Unix()), a.body["expiration"])
	in := a.body["expires_in"].(float64)
	assert.InDelta(t, (40 * time.Minute).Seconds(), in, 5, "expires_in is the token's time left")
	assert.LessOrEqual(t, in, time.Until(tok.Expiry).Seconds()+1)

	// Valid for longer than the minimum: handed out again, no fetch.
	b := post(t, s, grant(s.Key()))
	assert.Equal(t, a.body["access_token"], b.body["access_token"])
	assert.EqualValues(t, 1, c.calls.Load())
}

// Another run's key differs.
func TestKeysAreRandom(t *testing.T) {
	t.Parallel()
	c := &counting{life: time.Hour}
	a, b := start(t, c.fetch, 0), start(t, c.fetch, 0)
	assert.NotEqual(t, a.Key(), b.Key())
	assert.NotEqual(t, a.URL(), b.URL())
}

// Nothing but the grant with the key gets a token, and nothing refused costs a fetch.
func TestRefuses(t *testing.T) {
	t.Parallel()
	c := &counting{life: time.Hour}
	s := start(t, c.fetch, 0)
	key := s.Key()
	host := strings.TrimPrefix(s.URL(), "http://")
	port := host[strings.LastIndex(host, ":"):]
	for _, tc := range []struct {
		name   string
		form   url.Values
		edit   func(*http.Request)
		status int
		code   string
	}{
		{"a wrong key", grant(key[:63] + "x"), nil, 400, "BXNIM0415E"},
		{"a key one longer", grant(key + "0"), nil, 400, "BXNIM0415E"},
		{"no key", url.Values{"grant_type": {tokenserver.GrantAPIKey}}, nil, 400, "BXNIM0415E"},
		{"an empty key", grant(""), nil, 400, "BXNIM0415E"},
		{"the refresh-token grant", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {key}, "apikey": {key}}, nil, 400, "BXNIM0103E"},
		{"the container-token grant", url.Values{"grant_type": {"urn:ibm:params:oauth:grant-type:cr-token"}, "apikey": {key}}, nil, 400, "BXNIM0103E"},
		{"no grant", url.Values{"apikey": {key}}, nil, 400, "BXNIM0103E"},
		{"the key in the query, not the form", url.Values{}, func(r *http.Request) {
			r.URL.RawQuery = grant(key).Encode()
		}, 400, "BXNIM0103E"},
		{"JSON instead of a form", grant(key), func(r *http.Request) { r.Header.Set("Content-Type", "application/json") }, 400, "BXNIM0103E"},
		{"a foreign Host (DNS rebinding)", grant(key), func(r *http.Request) { r.Host = "attacker.example" + port }, 403, "KPTOKEN0002E"},
		{"localhost as Host", grant(key), func(r *http.Request) { r.Host = "localhost" + port }, 403, "KPTOKEN0002E"},
		{"another port as Host", grant(key), func(r *http.Request) { r.Host = "127.0.0.1:1" }, 403, "KPTOKEN0002E"},
		{"a browser's Origin", grant(key), func(r *http.Request) { r.Header.Set("Origin", "http://127.0.0.1"+port) }, 403, "KPTOKEN0002E"},
		{"another path", grant(key), func(r *http.Request) { r.URL.Path = "/identity/tokens" }, 404, "KPTOKEN0002E"},
		{"the root", grant(key), func(r *http.Request) { r.URL.Path = "/" }, 404, "KPTOKEN0002E"},
		{"a GET", grant(key), func(r *http.Request) { r.Method = http.MethodGet }, 405, "KPTOKEN0002E"},
		{"a PUT", grant(key), func(r *http.Request) { r.Method = http.MethodPut }, 405, "KPTOKEN0002E"},
		{"an oversized body", grant(key), func(r *http.Request) {
			body := grant(key).Encode() + "&pad=" + strings.Repeat("a", tokenserver.MaxBody)
			r.Body, r.ContentLength = io.NopCloser(strings.NewReader(body)), int64(len(body))
		}, 413, "KPTOKEN0002E"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			edit := []func(*http.Request){}
			if tc.edit != nil {
				edit = append(edit, tc.edit)
			}
			a := post(t, s, tc.form, edit...)
			assert.Equal(t, tc.status, a.status, a.body)
			assert.Equal(t, tc.code, a.body["errorCode"])
			assert.NotEmpty(t, a.body["errorMessage"])
			assert.Nil(t, a.body["access_token"])
			raw, _ := json.Marshal(a.body)
			assert.NotContains(t, string(raw), key, "the key is never repeated")
		})
	}
	assert.Zero(t, c.calls.Load(), "no refused request asked for a token")
}

// A token that falls within the minimum is fetched again, once for all the requests that come
// while the fetch runs.
func TestOneFetchForConcurrentRequests(t *testing.T) {
	t.Parallel()
	c := &counting{life: time.Hour, gate: make(chan struct{})}
	s := start(t, c.fetch, 5*time.Minute)
	const n = 8
	var wg sync.WaitGroup
	got := make([]string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := post(t, s, grant(s.Key()))
			got[i], _ = a.body["access_token"].(string)
		}()
	}
	// One request fetches; the others wait for it.
	require.Eventually(t, func() bool { return s.Waiting() == n-1 }, 20*time.Second, 5*time.Millisecond)
	close(c.gate)
	wg.Wait()
	assert.EqualValues(t, 1, c.calls.Load())
	for _, g := range got {
		assert.Equal(t, got[0], g)
		assert.NotEmpty(t, g)
	}
}

// A failed fetch is IAM's 400 with the reason; the next request tries again (a login in
// another terminal is picked up), and a token that expired is never handed out.
func TestFailureThenRecovery(t *testing.T) {
	t.Parallel()
	c := &counting{life: time.Hour, err: errors.New("Your session has expired. Run 'ibmcloud login'.")}
	s := start(t, c.fetch, time.Minute)
	a := post(t, s, grant(s.Key()))
	assert.Equal(t, 400, a.status)
	assert.Equal(t, tokenserver.CodeNoToken, a.body["errorCode"])
	assert.Equal(t, "Your session has expired. Run 'ibmcloud login'.", a.body["errorMessage"])

	c.err = nil
	b := post(t, s, grant(s.Key()))
	assert.Equal(t, 200, b.status)
	assert.EqualValues(t, 2, c.calls.Load())

	expired := &counting{life: -time.Minute}
	e := start(t, expired.fetch, 0)
	a = post(t, e, grant(e.Key()))
	assert.Equal(t, 400, a.status)
	assert.Nil(t, a.body["access_token"])
}

// A token still valid but within the minimum (its refresh failed) is handed out as it is,
// with its true, short, lifetime; the refresh is tried again only after RetryAfter (on the
// server's clock, which the test moves), never past the token's expiry.
func TestHandsOutAValidTokenWhoseRefreshFailed(t *testing.T) {
	t.Parallel()
	c := &counting{life: 2 * time.Minute}
	s := start(t, c.fetch, 5*time.Minute)
	var mu sync.Mutex
	now := time.Now()
	s.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	move := func(d time.Duration) { mu.Lock(); now = now.Add(d); mu.Unlock() }

	before := time.Now()
	a := post(t, s, grant(s.Key()))
	require.Equal(t, 200, a.status)
	exp := int64(a.body["expiration"].(float64))
	assert.LessOrEqual(t, int64(a.body["expires_in"].(float64)), exp-before.Unix(), "the truth about the token")
	assert.Greater(t, int64(a.body["expires_in"].(float64)), int64(0))
	require.Equal(t, int64(1), c.calls.Load())

	for range 5 {
		assert.Equal(t, 200, post(t, s, grant(s.Key())).status)
	}
	move(tokenserver.RetryAfter - time.Second)
	assert.Equal(t, 200, post(t, s, grant(s.Key())).status)
	assert.Equal(t, int64(1), c.calls.Load(), "no new attempt within the minute")

	move(time.Second)
	assert.Equal(t, 200, post(t, s, grant(s.Key())).status)
	assert.Equal(t, int64(2), c.calls.Load(), "tried again after it")
}

// A held token is never handed out past its expiry, whatever the minute says.
func TestAHeldTokenIsNotHandedOutExpired(t *testing.T) {
	t.Parallel()
	c := &counting{life: 30 * time.Second}
	s := start(t, c.fetch, 5*time.Minute)
	var mu sync.Mutex
	now := time.Now()
	s.SetClock(func() time.Time { mu.Lock(); defer mu.Unlock(); return now })
	require.Equal(t, 200, post(t, s, grant(s.Key())).status)
	mu.Lock()
	now = now.Add(40 * time.Second) // within the minute, past the first token's expiry
	mu.Unlock()
	a := post(t, s, grant(s.Key()))
	assert.Equal(t, int64(2), c.calls.Load(), "an expired token is fetched again at once")
	if a.status == 200 {
		assert.Greater(t, a.body["expiration"].(float64), float64(now.Unix()))
	}
}

// After Close nothing answers: the port is closed.
func TestGoneAfterClose(t *testing.T) {
	t.Parallel()
	c := &counting{life: time.Hour}
	s, err := tokenserver.Start(c.fetch, 0, token.Token{})
	require.NoError(t, err)
	require.Equal(t, 200, post(t, s, grant(s.Key())).status)
	require.NoError(t, s.Close())
	req, err := http.NewRequest(http.MethodPost, s.URL()+tokenserver.Path, strings.NewReader(grant(s.Key()).Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	_, err = client.Do(req)
	assert.Error(t, err)
}

package source_test

import (
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin/pluginfakes"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/plugin/cliconfig"
	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/source"
)

// vars is the environment a test gives the plug-in: nothing but what it names, whatever the
// environment `go test` runs in.
func vars(kv ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i]] = kv[i+1]
	}
	return func(k string) string { return m[k] }
}

func newIAM(t *testing.T) *iamtest.Server {
	srv := iamtest.NewServer()
	t.Cleanup(srv.Close)
	return srv
}

// warnings collects what Request.Warn receives.
type warnings struct {
	mu  sync.Mutex
	got []string
}

func (w *warnings) warn(msg string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.got = append(w.got, msg)
}

func (w *warnings) all() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.got...)
}

// fakeConfig is the CLI's plugin context as the SDK's fake, logged in with the given tokens.
func fakeConfig(access, refresh, endpoint string) *pluginfakes.FakePluginContext {
	c := new(pluginfakes.FakePluginContext)
	c.IAMTokenReturns(access)
	c.IAMRefreshTokenReturns(refresh)
	c.IAMEndpointReturns(endpoint)
	return c
}

func TestEndpoint(t *testing.T) {
	private := fakeConfig("", "", "https://private.iam.cloud.ibm.com")
	private.IsPrivateEndpointEnabledReturns(true)
	public := fakeConfig("", "", "https://iam.test.cloud.ibm.com")
	noEndpoint := fakeConfig("", "", "")
	noEndpointPrivate := fakeConfig("", "", "")
	noEndpointPrivate.IsPrivateEndpointEnabledReturns(true)

	for _, tc := range []struct {
		name     string
		cfg      source.Config
		env      func(string) string
		want     string
		wantKind string
	}{
		{"IAM_ENDPOINT wins over a private config", private, vars("IAM_ENDPOINT", "https://iam.example.com"), "https://iam.example.com", source.EndpointFromEnv},
		{"IAM_ENDPOINT wins over a public config", public, vars("IAM_ENDPOINT", "http://127.0.0.1:9"), "http://127.0.0.1:9", source.EndpointFromEnv},
		{"IAM_ENDPOINT without a config", nil, vars("IAM_ENDPOINT", "https://iam.example.com"), "https://iam.example.com", source.EndpointFromEnv},
		{"private endpoint", private, vars(), "https://private.iam.cloud.ibm.com", source.EndpointPrivate},
		{"public endpoint", public, vars(), "https://iam.test.cloud.ibm.com", source.EndpointPublic},
		{"no config", nil, vars(), iam.DefaultEndpoint, source.EndpointPublic},
		{"a config without an endpoint", noEndpoint, vars(), iam.DefaultEndpoint, source.EndpointPublic},
		{"a private config without an endpoint: nowhere, not the public one", noEndpointPrivate, vars(), "", source.EndpointPrivate},
		{"an empty IAM_ENDPOINT is no IAM_ENDPOINT", public, vars("IAM_ENDPOINT", ""), "https://iam.test.cloud.ibm.com", source.EndpointPublic},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url, kind := source.Endpoint(tc.cfg, tc.env)
			assert.Equal(t, tc.want, url)
			assert.Equal(t, tc.wantKind, kind)
		})
	}
}

// With the SDK's own config code over a real config.json, the private endpoint is the one the
// CLI would use.
func TestEndpointFromARealConfig(t *testing.T) {
	for _, private := range []bool{false, true} {
		cfg := iamtest.Config("", "", "https://iam.cloud.ibm.com")
		cfg["IsPrivate"] = private
		path, err := iamtest.WriteConfig(t.TempDir(), cfg)
		require.NoError(t, err)
		snap, err := cliconfig.Load(path, time.Time{})
		require.NoError(t, err)
		url, kind := source.Endpoint(snap.Repository(), vars())
		if private {
			assert.Equal(t, "https://private.iam.cloud.ibm.com", url)
			assert.Equal(t, source.EndpointPrivate, kind)
		} else {
			assert.Equal(t, "https://iam.cloud.ibm.com", url)
			assert.Equal(t, source.EndpointPublic, kind)
		}
	}
}

// Open chooses --apikey, else $IBMCLOUD_API_KEY (or $BLUEMIX_API_KEY), else the session. Which
// key was used shows at IAM, which knows only the expected one.
func TestOpenChoosesTheSource(t *testing.T) {
	const flagKey, envKey, oldEnvKey = "FlagKey0123456789", "EnvKey0123456789", "OldEnvKey0123456789"
	for _, tc := range []struct {
		name    string
		apikey  string
		env     []string
		want    string // source
		wantKey string // the key IAM must receive
	}{
		{"--apikey wins over IBMCLOUD_API_KEY", flagKey, []string{"IBMCLOUD_API_KEY", envKey}, source.FromAPIKey, flagKey},
		{"IBMCLOUD_API_KEY wins over the session", "", []string{"IBMCLOUD_API_KEY", envKey}, source.FromAPIKey, envKey},
		{"IBMCLOUD_API_KEY wins over BLUEMIX_API_KEY", "", []string{"IBMCLOUD_API_KEY", envKey, "BLUEMIX_API_KEY", oldEnvKey}, source.FromAPIKey, envKey},
		{"BLUEMIX_API_KEY", "", []string{"BLUEMIX_API_KEY", oldEnvKey}, source.FromAPIKey, oldEnvKey},
		{"the session", "", nil, source.FromSession, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newIAM(t)
			if tc.wantKey != "" {
				srv.APIKeys = map[string]bool{tc.wantKey: true}
			}
			access := iamtest.Valid(time.Hour)
			cfg := fakeConfig("Bearer "+access, "refresh-0", srv.URL)
			cfg.CurrentRegionReturns(models.Region{Name: "eu-de"})
			var w warnings
			src, err := source.Open(source.Env{Config: source.Loaded(cfg), Getenv: vars(tc.env...), CacheDir: filepath.Join(t.TempDir(), "cache")},
				source.Request{APIKey: tc.apikey, Warn: w.warn})
			require.NoError(t, err)
			info, err := src.Describe()
			require.NoError(t, err)
			assert.Equal(t, tc.want, info.Source)
			assert.Equal(t, srv.URL, info.Endpoint)
			assert.Equal(t, source.EndpointPublic, info.EndpointSource)
			assert.Equal(t, "eu-de", info.Region)

			got, err := src.Token(source.Options{MinValidity: 5 * time.Minute})
			require.NoError(t, err)
			if tc.want == source.FromSession {
				assert.True(t, info.RefreshToken)
				assert.Equal(t, access, got.JWT)
				assert.Equal(t, 0, srv.Calls())
			} else {
				assert.False(t, info.RefreshToken, "an API key holds no refresh token")
				assert.Equal(t, srv.LastIssued(), got.JWT)
				assert.Equal(t, 1, srv.Calls())
			}
		})
	}
}

// Without a usable config, an API key still works; the session is the config's error.
func TestOpenWithoutConfig(t *testing.T) {
	configErr := errors.New("No IBM Cloud CLI configuration was found at '/nowhere/config.json'.")
	srv := newIAM(t)
	srv.APIKeys = map[string]bool{"Key0123456789": true}

	_, err := source.Open(source.Env{Config: failing(configErr), Getenv: vars("IAM_ENDPOINT", srv.URL)}, source.Request{})
	assert.Same(t, configErr, err)

	src, err := source.Open(source.Env{Config: failing(configErr), Getenv: vars("IAM_ENDPOINT", srv.URL, "IBMCLOUD_API_KEY", "Key0123456789")}, source.Request{})
	require.NoError(t, err)
	info, err := src.Describe()
	require.NoError(t, err)
	assert.Equal(t, source.FromAPIKey, info.Source)
	assert.Equal(t, source.EndpointFromEnv, info.EndpointSource)
	assert.Empty(t, info.Region)
	got, err := src.Token(source.Options{})
	require.NoError(t, err)
	assert.Equal(t, srv.LastIssued(), got.JWT)

	// No config and no IAM_ENDPOINT: IAM's public endpoint.
	src, err = source.Open(source.Env{Config: failing(configErr), Getenv: vars("IBMCLOUD_API_KEY", "Key0123456789")}, source.Request{})
	require.NoError(t, err)
	assert.Equal(t, iam.DefaultEndpoint, describe(t, src).Endpoint)
	assert.Equal(t, source.EndpointPublic, describe(t, src).EndpointSource)
}

// The run's limit: --timeout, else the CLI's HTTP timeout in seconds, else 30 s.
func TestLimit(t *testing.T) {
	assert.Equal(t, 30*time.Second, source.DefaultTimeout)
	assert.Equal(t, source.DefaultTimeout, source.Limit(0, 0))
	assert.Equal(t, source.DefaultTimeout, source.Limit(0, -5), "a negative HTTP timeout is none")
	assert.Equal(t, 7*time.Second, source.Limit(0, 7))
	assert.Equal(t, 1500*time.Millisecond, source.Limit(1500*time.Millisecond, 7), "--timeout over the CLI's")
	assert.Equal(t, 2*time.Minute, source.Limit(2*time.Minute, 0))
}

// The limit bounds the whole run, and the message names it: seen through an IAM that never
// answers.
func TestTimeoutBoundsTheRun(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name        string
		timeout     time.Duration // --timeout
		httpTimeout int           // the CLI's, in seconds
		session     bool          // the session, else an API key
		want        string
	}{
		{"--timeout, API key", 300 * time.Millisecond, 0, false, "did not answer within 300ms"},
		{"--timeout over the CLI's HTTP timeout, session", 300 * time.Millisecond, 20, true, "did not answer within 300ms"},
		{"the CLI's HTTP timeout, session", 0, 1, true, "did not answer within 1s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newIAM(t)
			srv.SetHandler(iamtest.Hang)
			srv.APIKeys = map[string]bool{"Key0123456789": true}
			// Expired: a refresh for a token still valid has a limit of its own (ValidTokenWait).
			cfg := fakeConfig("Bearer "+iamtest.Valid(-time.Minute), "refresh-0", srv.URL)
			cfg.HTTPTimeoutReturns(tc.httpTimeout)
			path, err := iamtest.WriteConfig(t.TempDir(), iamtest.Config("Bearer "+iamtest.Valid(-time.Minute), "refresh-0", srv.URL))
			require.NoError(t, err)
			env := source.Env{Config: source.Loaded(cfg), ConfigPath: path, Getenv: vars(), CacheDir: filepath.Join(t.TempDir(), "cache")}
			if !tc.session {
				env.Getenv = vars("IBMCLOUD_API_KEY", "Key0123456789")
			}
			start := time.Now()
			src, err := source.Open(env, source.Request{Timeout: tc.timeout})
			require.NoError(t, err)
			got, err := src.Token(source.Options{MinValidity: 5 * time.Minute})
			elapsed := time.Since(start)

			require.Error(t, err)
			assert.Empty(t, got.JWT)
			assert.True(t, errors.Is(err, &iam.Error{Kind: iam.Timeout}), "%#v", err)
			assert.Contains(t, err.Error(), tc.want)
			assert.Contains(t, err.Error(), srv.URL)
			assert.Equal(t, 1, srv.Calls())
			bound := tc.timeout
			if bound == 0 {
				bound = time.Duration(tc.httpTimeout) * time.Second
			}
			assert.GreaterOrEqual(t, elapsed, bound-50*time.Millisecond)
			// Two seconds for a loaded machine's scheduling: the other limits are 20 s and 30 s.
			assert.Less(t, elapsed, bound+2*time.Second, "the run ends at its deadline")
			assert.False(t, strings.Contains(err.Error(), "refresh-0"))
		})
	}
}

// Warn is optional: a literal key, which is warned about, works without a printer.
func TestOpenWithoutAWarningPrinter(t *testing.T) {
	src, err := source.Open(source.Env{Getenv: func(string) string { return "" }}, source.Request{APIKey: "LiteralKey0123"})
	require.NoError(t, err)
	assert.Equal(t, source.FromAPIKey, describe(t, src).Source)
}

// describe is src.Describe, which must not fail.
func describe(tb testing.TB, src source.Source) source.Info {
	tb.Helper()
	info, err := src.Describe()
	require.NoError(tb, err)
	return info
}

// A CLI that uses private endpoints but names no private IAM endpoint: the session's refresh
// token is not sent to the public one; the run says what to do.
func TestNoPrivateEndpoint(t *testing.T) {
	t.Parallel()
	cfg := fakeConfig("Bearer "+iamtest.Valid(-time.Minute), "refresh-0", "")
	cfg.IsPrivateEndpointEnabledReturns(true)
	src, err := source.Open(source.Env{Config: source.Loaded(cfg), ConfigPath: filepath.Join(t.TempDir(), "config.json"), Getenv: vars()}, source.Request{})
	require.NoError(t, err)
	_, err = src.Token(source.Options{})
	assert.True(t, errors.Is(err, &source.Error{Kind: source.NoPrivateEndpoint}), "%v", err)
}

// The CLI's limit counts from when the refresh begins: a key slow to arrive on standard input
// leaves IAM its whole time. Only --timeout bounds the key and IAM together. The key comes
// 1.2 s after Open began reading it (so after Open began, however late): past the 1 s limit,
// had it counted from Open.
func TestTheCLILimitStartsAtTheRefresh(t *testing.T) {
	t.Parallel()
	srv := newIAM(t)
	srv.APIKeys = map[string]bool{"Key0123456789": true}
	cfg := fakeConfig("", "", srv.URL)
	cfg.HTTPTimeoutReturns(1)
	r, w := io.Pipe()
	reading := make(chan struct{})
	go func() {
		<-reading
		time.Sleep(1200 * time.Millisecond)
		_, _ = io.WriteString(w, "Key0123456789")
		_ = w.Close()
	}()
	stdin := &firstRead{r: r, first: reading}
	src, err := source.Open(source.Env{Config: source.Loaded(cfg), Getenv: vars("IAM_ENDPOINT", srv.URL)}, source.Request{APIKey: "@-", Stdin: stdin})
	require.NoError(t, err)
	got, err := src.Token(source.Options{})
	require.NoError(t, err)
	assert.Equal(t, srv.LastIssued(), got.JWT)
}

// firstRead is r, closing first when it is first read.
type firstRead struct {
	r     io.Reader
	once  sync.Once
	first chan struct{}
}

func (f *firstRead) Read(p []byte) (int, error) {
	f.once.Do(func() { close(f.first) })
	return f.r.Read(p)
}

// failing is a Config loader that fails with err.
func failing(err error) func(time.Time) (source.Config, error) {
	return func(time.Time) (source.Config, error) { return nil, err }
}

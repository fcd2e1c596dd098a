// Package source hands out IAM access tokens that are valid for long enough, from whichever
// source the user chose: the CLI's login session (refreshed at IAM and saved back to
// config.json, as `ibmcloud` would) or an API key (exchanged at IAM and cached). Open is the one
// place that chooses the source and the IAM endpoint, and sets the run's one deadline.
package source

import (
	"context"
	"io"
	"os"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/token"
)

// Source hands out checked access tokens.
type Source interface {
	// Token returns a token valid for longer than o.MinValidity, making no network call and
	// writing nothing when the one at hand is.
	Token(o Options) (token.Token, error)
	// Describe says what can be said of the source without a network call or a secret.
	Describe() Info
}

// Options say how fresh the token must be.
type Options struct {
	MinValidity time.Duration // refresh when the token expires within this
	Force       bool          // refresh whatever the token's expiry
}

// Config is the part of the CLI's configuration the sources read: the SDK's config repository
// and its plugin.PluginContext both provide it.
type Config interface {
	IAMToken() string
	IAMRefreshToken() string
	IAMEndpoint() string
	IsPrivateEndpointEnabled() bool
	CurrentRegion() models.Region
	HTTPTimeout() int
	Trace() string
}

// Env is what the plug-in found around it: the CLI's configuration (or why there is none), the
// environment and the plug-in's cache directory.
type Env struct {
	Config     Config // nil when ConfigErr says why there is none
	ConfigErr  error
	ConfigPath string              // the config.json Config was read from; refreshed tokens go there
	Getenv     func(string) string // nil: os.Getenv
	CacheDir   string              // where API-key tokens are cached
	Now        func() time.Time    // nil: time.Now
}

// Request is what the command line asks for.
type Request struct {
	APIKey  string        // --apikey as given: the key, @FILE or @-; "" for $IBMCLOUD_API_KEY or the session
	NoCache bool          // --no-cache
	Timeout time.Duration // --timeout; 0 for the CLI's HTTP timeout, else DefaultTimeout
	Stdin   io.Reader     // for --apikey @-
	Warn    func(string)  // prints a warning on stderr; nil: warnings are dropped
}

// DefaultTimeout limits a run when the CLI sets no HTTP timeout, so that a shell profile never
// hangs.
const DefaultTimeout = 30 * time.Second

// Open chooses the token source: an API key from --apikey, else from $IBMCLOUD_API_KEY (or the
// older $BLUEMIX_API_KEY), else the login session. Every network and lock wait of the run ends
// at one deadline, set here; reading the key counts against --timeout too.
func Open(env Env, req Request) (Source, error) {
	getenv := env.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	if req.Warn == nil {
		req.Warn = func(string) {}
	}
	httpTimeout := 0
	if env.Config != nil {
		httpTimeout = env.Config.HTTPTimeout()
	}
	r := run{limit: limit(req.Timeout, httpTimeout), now: env.Now}
	r.deadline = time.Now().Add(r.limit) // the wall clock, whatever clock a test gives

	key, err := readAPIKey(req, r.deadline)
	if err != nil {
		return nil, err
	}
	if key == "" {
		key = firstEnv(getenv, "IBMCLOUD_API_KEY", "BLUEMIX_API_KEY")
	}
	trace := firstEnv(getenv, "IBMCLOUD_TRACE", "BLUEMIX_TRACE")
	if trace == "" && env.Config != nil {
		trace = env.Config.Trace()
	}
	endpoint, kind := Endpoint(env.Config, getenv)
	r.iam = &iam.Client{Endpoint: endpoint, Bound: r.limit, Trace: trace}
	r.info = Info{Endpoint: endpoint, EndpointSource: kind}
	if env.Config != nil {
		r.info.Region = env.Config.CurrentRegion().Name
	}

	if key != "" {
		a := &apiKey{run: r, key: key}
		a.info.Source = FromAPIKey
		if !req.NoCache {
			a.cacheDir = env.CacheDir
		}
		return a, nil
	}
	if env.ConfigErr != nil {
		return nil, env.ConfigErr
	}
	s := &session{run: r, cfg: env.Config, path: env.ConfigPath, warn: req.Warn}
	s.info.Source = FromSession
	s.info.RefreshToken = env.Config.IAMRefreshToken() != ""
	return s, nil
}

// limit is --timeout, else the CLI's HTTP timeout in seconds, else DefaultTimeout.
func limit(timeout time.Duration, httpTimeout int) time.Duration {
	switch {
	case timeout > 0:
		return timeout
	case httpTimeout > 0:
		return time.Duration(httpTimeout) * time.Second
	}
	return DefaultTimeout
}

// Endpoint sources, as Info reports them.
const (
	EndpointFromEnv = "IAM_ENDPOINT"
	EndpointPrivate = "private"
	EndpointPublic  = "public"
)

// Endpoint is where tokens are got: $IAM_ENDPOINT as the SDK honours it, else the endpoint the
// CLI targets (the SDK picks the private one when the CLI uses private endpoints), else IAM's
// public endpoint.
func Endpoint(cfg Config, getenv func(string) string) (url, kind string) {
	if e := getenv("IAM_ENDPOINT"); e != "" {
		return e, EndpointFromEnv
	}
	if cfg != nil {
		if e := cfg.IAMEndpoint(); e != "" {
			if cfg.IsPrivateEndpointEnabled() {
				return e, EndpointPrivate
			}
			return e, EndpointPublic
		}
	}
	return iam.DefaultEndpoint, EndpointPublic
}

// Token sources, as Info reports them.
const (
	FromSession = "session"
	FromAPIKey  = "api_key"
)

// Info describes a source without its secrets.
type Info struct {
	Source         string // FromSession or FromAPIKey
	RefreshToken   bool   // a refresh token is held
	Endpoint       string // where tokens are got
	EndpointSource string // EndpointFromEnv, EndpointPrivate or EndpointPublic
	Region         string // the targeted region
}

// run is what every source shares: the IAM client, the run's deadline and the clock.
type run struct {
	iam      *iam.Client
	limit    time.Duration // what the deadline came from, for messages
	deadline time.Time
	now      func() time.Time
	info     Info
}

func (r *run) Describe() Info { return r.info }

func (r *run) clock() time.Time {
	if r.now != nil {
		return r.now()
	}
	return time.Now()
}

// context ends at the run's deadline.
func (r *run) context() (context.Context, context.CancelFunc) {
	return context.WithDeadline(context.Background(), r.deadline)
}

func firstEnv(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// Package source hands out IAM access tokens that are valid for long enough, from whichever
// source the user chose: the CLI's login session (refreshed at IAM and saved back to
// config.json, as `ibmcloud` would) or an API key (exchanged at IAM and cached). Open is the one
// place that chooses the source and the IAM endpoint, and sets the run's one deadline.
package source

import (
	"context"
	"io"
	"os"
	"sync"
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
	Describe() (Info, error)
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
// at one deadline, counted from here; reading the key counts against --timeout too.
func Open(env Env, req Request) (Source, error) {
	if env.Getenv == nil {
		env.Getenv = os.Getenv
	}
	if req.Warn == nil {
		req.Warn = func(string) {}
	}
	r := &run{env: env, timeout: req.Timeout, opened: time.Now()}

	key, err := readAPIKey(req, r.opened.Add(req.Timeout))
	if err != nil {
		return nil, err
	}
	if key == "" {
		key = firstEnv(env.Getenv, "IBMCLOUD_API_KEY", "BLUEMIX_API_KEY")
	}
	if key != "" {
		a := &apiKey{run: r, key: key}
		if !req.NoCache {
			a.cacheDir = env.CacheDir
		}
		return a, nil
	}
	if env.ConfigErr != nil {
		return nil, env.ConfigErr
	}
	return &session{run: r, cfg: env.Config, path: env.ConfigPath, warn: req.Warn}, nil
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

// run is what every source shares: the IAM client, the run's deadline and the clock. What it
// reads from the CLI's config beyond the tokens is read when first needed (settle), so that a
// run with a valid token reads no more of it.
type run struct {
	env     Env
	timeout time.Duration // --timeout
	opened  time.Time     // when Open ran, by the wall clock: the deadline counts from here

	once     sync.Once
	err      error // the config's problem, found when its settings were first read
	iam      *iam.Client
	limit    time.Duration // what the deadline came from, for messages
	deadline time.Time
	info     Info
}

// settle reads the run's settings from the environment and the config, once: the limit and
// deadline, the IAM endpoint, the trace, the region.
func (r *run) settle() error {
	r.once.Do(func() {
		cfg := r.env.Config
		httpTimeout, trace := 0, firstEnv(r.env.Getenv, "IBMCLOUD_TRACE", "BLUEMIX_TRACE")
		if cfg != nil {
			if p, ok := cfg.(interface{ Problem() error }); ok {
				if r.err = p.Problem(); r.err != nil {
					return
				}
			}
			httpTimeout = cfg.HTTPTimeout()
			if trace == "" {
				trace = cfg.Trace()
			}
			r.info.Region = cfg.CurrentRegion().Name
		}
		r.limit = limit(r.timeout, httpTimeout)
		r.deadline = r.opened.Add(r.limit)
		r.info.Endpoint, r.info.EndpointSource = Endpoint(cfg, r.env.Getenv)
		r.iam = &iam.Client{Endpoint: r.info.Endpoint, Bound: r.limit, Trace: trace}
	})
	return r.err
}

func (r *run) clock() time.Time {
	if r.env.Now != nil {
		return r.env.Now()
	}
	return time.Now()
}

// context ends at the run's deadline.
func (r *run) context() (context.Context, context.CancelFunc, error) {
	if err := r.settle(); err != nil {
		return nil, nil, err
	}
	ctx, cancel := context.WithDeadline(context.Background(), r.deadline)
	return ctx, cancel, nil
}

func firstEnv(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

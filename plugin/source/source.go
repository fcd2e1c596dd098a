// Package source hands out IAM access tokens that are valid for long enough, from whichever
// source the user chose: the CLI's login session (refreshed at IAM and saved back to
// config.json, as `ibmcloud` would) or an API key (exchanged at IAM and cached). Open is the one
// place that chooses the source and the IAM endpoint, and sets the run's one deadline.
package source

import (
	"context"
	"errors"
	"os"
	"sync"
	"time"

	"github.com/kp-token/kp-token/i18n"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"

	"github.com/kp-token/kp-token/plugin/cliconfig"
	"github.com/kp-token/kp-token/plugin/httpcall"
	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/token"
)

// The contract of a token source is token's, so that the commands see it without this
// package's dependencies; these names are the same types.
type (
	Source  = token.Source
	Options = token.Options
	Request = token.Request
	Info    = token.Info
)

// Token and endpoint sources, as Info reports them.
const (
	FromSession     = token.FromSession
	FromAPIKey      = token.FromAPIKey
	FromContainer   = token.FromContainer
	FromAssume      = token.FromAssume
	EndpointFromEnv = token.EndpointFromEnv
	EndpointPrivate = token.EndpointPrivate
	EndpointPublic  = token.EndpointPublic
)

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

// Env is what the plug-in finds around it: the CLI's configuration, the environment and the
// plug-in's cache directory.
type Env struct {
	// Config loads the CLI's configuration when a run first needs it (a run that needs none,
	// such as --unset, never touches config.json), waiting no longer than deadline (zero: the
	// loader's own limits); nil when there is none.
	Config     func(deadline time.Time) (Config, error)
	ConfigPath string              // the config.json Config reads; refreshed tokens go there
	Getenv     func(string) string // nil: os.Getenv
	CacheDir   string              // where API-key tokens are cached; "" for no cache
	Now        func() time.Time    // nil: time.Now
}

// Loaded is a Config loader for one already at hand, such as the plug-in context the SDK built.
func Loaded(c Config) func(time.Time) (Config, error) {
	return func(time.Time) (Config, error) { return c, nil }
}

// DefaultTimeout limits a run when the CLI sets no HTTP timeout, so that a shell profile never
// hangs: httpcall's, the one the Resource Controller's calls fall back on too.
const DefaultTimeout = httpcall.DefaultTimeout

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
	r := &run{env: env, timeout: req.Timeout, hook: req.Hook, warn: req.Warn, opened: time.Now()}
	profile := or(req.Assume, env.Getenv(AssumeEnv))
	if profile == "" && req.Account != "" {
		return nil, &Error{Kind: AccountWithoutAssume} // said, not ignored
	}
	src, err := r.open(req)
	if err != nil || profile == "" {
		return src, err
	}
	// A trusted profile to assume takes the chosen source's tokens as its caller's.
	return r.assume(src, profile, or(req.Account, env.Getenv(AccountEnv)), req)
}

// open chooses the source of the run's tokens (the caller's, with --assume).
func (r *run) open(req Request) (Source, error) {
	env := r.env

	// Which credential, in one place (README: "Which credential is used"): an API key or a
	// container token on the command line, then $IBMCLOUD_API_KEY, then $IBMCLOUD_CR_TOKEN (or
	// $IBMCLOUD_CR_PROFILE), then the login session. The command line refuses both flags at once.
	key, err := readAPIKey(req, r.opened.Add(req.Timeout))
	if err != nil {
		return nil, err
	}
	r.read = time.Now()
	switch {
	case key != "":
		return r.apiKey(key, req), nil
	case req.CRToken != "" || req.Profile != "":
		// One half on the command line, the other from the environment, as the flags' help says.
		return r.container(or(req.CRToken, env.Getenv("IBMCLOUD_CR_TOKEN")), or(req.Profile, env.Getenv("IBMCLOUD_CR_PROFILE")), req)
	}
	if key = firstEnv(env.Getenv, "IBMCLOUD_API_KEY", "BLUEMIX_API_KEY"); key != "" {
		return r.apiKey(key, req), nil
	}
	if cr, profile := env.Getenv("IBMCLOUD_CR_TOKEN"), env.Getenv("IBMCLOUD_CR_PROFILE"); cr != "" || profile != "" {
		return r.container(cr, profile, req)
	}
	cfg, err := r.config()
	if err != nil {
		return nil, err
	}
	return &session{run: r, cfg: cfg, path: env.ConfigPath}, nil
}

// config loads the CLI's configuration once, by the run's deadline when --timeout gives one.
func (r *run) config() (Config, error) {
	r.loadOnce.Do(func() {
		if r.env.Config == nil {
			r.loadErr = &Error{Kind: NotLoggedIn}
			return
		}
		var deadline time.Time
		if r.timeout > 0 {
			deadline = r.opened.Add(r.timeout)
		}
		r.cfg, r.loadErr = r.env.Config(deadline)
	})
	return r.cfg, r.loadErr
}

// limit is --timeout, else the CLI's HTTP timeout in seconds, else DefaultTimeout.
func limit(timeout time.Duration, httpTimeout int) time.Duration {
	switch {
	case timeout > 0:
		return timeout
	case httpTimeout > 0 && httpTimeout <= maxHTTPTimeout:
		return time.Duration(httpTimeout) * time.Second
	}
	return DefaultTimeout
}

// maxHTTPTimeout is the largest CLI HTTP timeout honoured, in seconds: a day. More is no limit a
// run is meant to wait out (and would overflow a time.Duration); it counts as unset.
const maxHTTPTimeout = 24 * 60 * 60

// cliLimit is the run's limit: --timeout, else the CLI's HTTP timeout as config.json holds it
// (when the SDK reads that field, even if another one of the file it cannot), else
// DefaultTimeout. The IAM client's bound and the run's deadline are both this one.
func (r *run) cliLimit() time.Duration {
	httpTimeout := 0
	if cfg, err := r.config(); err == nil && cfg != nil {
		httpTimeout = cfg.HTTPTimeout()
	}
	return limit(r.timeout, httpTimeout)
}

// Busy says the CLI's configuration exists but could not be read in time, because the CLI was
// writing it. Even a run that needs no configuration (an API key) stops there: going on as if
// there were none would send the key to IBM Cloud's public endpoints when the CLI uses private
// ones.
func Busy(err error) bool {
	var p *cliconfig.Problem
	return errors.As(err, &p) && p.Kind == cliconfig.Busy
}

// Endpoint is where tokens are got: $IAM_ENDPOINT as the SDK honours it, else the endpoint the
// CLI targets (the SDK picks the private one when the CLI uses private endpoints), else IAM's
// public endpoint. A CLI that uses private endpoints but names no private IAM endpoint gets
// "": its refresh token is not sent to the public one.
func Endpoint(cfg Config, getenv func(string) string) (url, kind string) {
	if e := getenv("IAM_ENDPOINT"); e != "" {
		return e, EndpointFromEnv
	}
	if cfg != nil {
		e := cfg.IAMEndpoint()
		if cfg.IsPrivateEndpointEnabled() {
			return e, EndpointPrivate
		}
		if e != "" {
			return e, EndpointPublic
		}
	}
	return iam.DefaultEndpoint, EndpointPublic
}

// run is what every source shares: the IAM client, what the run's deadline counts from
// (Deadline), and the clock. The config's settings beyond the tokens and the HTTP timeout (the
// IAM endpoint, the trace, the region) are worked out when first needed (settle): before a
// refresh, by Describe, and before an API key's or a container token's cache is read; a
// session's run whose token is still valid does without them.
type run struct {
	env     Env
	timeout time.Duration // --timeout
	hook    bool          // run by the shell hook
	warn    func(string)
	opened  time.Time // when Open ran: with --timeout, the deadline counts from here
	read    time.Time // when the credential was read: the CLI's limit counts from here
	keyOnly bool      // an API key's run: the config only lends settings, and may be unusable
	// calling is set while --assume asks its caller for a token: a caller's token handed out
	// by fallback is not what the command hands out (the profile's is), so it is not announced.
	calling bool

	loadOnce sync.Once
	cfg      Config // the CLI's configuration, once loaded
	loadErr  error

	once    sync.Once
	err     error // the config's problem, found when its settings were first read
	iam     *iam.Client
	limit   time.Duration // the run's limit: --timeout, else the CLI's HTTP timeout, else 30 s
	boundBy iam.BoundBy
	info    Info
}

// settle reads the run's settings from the environment and the config, once: the limit and
// deadline, the IAM endpoint, the trace, the region.
func (r *run) settle() error {
	r.once.Do(func() {
		cfg, err := r.config()
		if Busy(err) {
			r.err = err
			return
		}
		if err != nil {
			cfg = nil // an API key needs no config: one that is missing or broken lends nothing
		}
		r.limit = r.cliLimit()
		if p, ok := cfg.(interface{ Problem() error }); ok && p.Problem() != nil {
			if !r.keyOnly {
				r.err = p.Problem()
				return
			}
			cfg = nil // an API key needs no config: one the SDK cannot decode lends nothing
		}
		if cfg != nil {
			r.info.Region = cfg.CurrentRegion().Name
		}
		switch {
		case r.hook && r.timeout > 0:
			r.boundBy = iam.ByHook
		case r.timeout > 0:
			r.boundBy = iam.ByFlag
		}
		r.info.Endpoint, r.info.EndpointSource = Endpoint(cfg, r.env.Getenv)
		r.info.RenewsAt = r.info.Endpoint
		if r.info.Endpoint == "" {
			r.err = &Error{Kind: NoPrivateEndpoint}
			return
		}
		r.iam = &iam.Client{Endpoint: r.info.Endpoint, Bound: r.limit, BoundBy: r.boundBy, Trace: Trace(cfg, r.env.Getenv)}
	})
	return r.err
}

func (r *run) clock() time.Time {
	if r.env.Now != nil {
		return r.env.Now()
	}
	return time.Now()
}

// validTokenWait is how long a refresh may hold up a token that is still valid, which is handed
// out when the refresh fails: unless --timeout says otherwise. A variable for tests only.
var validTokenWait = 5 * time.Second

// Deadline is the run's one deadline, which locks, IAM and the Resource Controller after them all
// share (and the read of config.json, which without --timeout waits for the CLI's lock at most
// 2 s of it): --timeout counted from when Open ran (reading the key counts against it), else the
// CLI's HTTP timeout (or DefaultTimeout) counted from when the key was read, since a person
// typing a key at @- is not the network being slow.
func (r *run) Deadline() (time.Time, time.Duration) {
	bound := r.cliLimit() // not settle: the config's other settings wait for a refresh that needs them
	if r.timeout > 0 {
		return r.opened.Add(bound), bound
	}
	return r.read.Add(bound), bound
}

// context ends at the run's deadline, or sooner when heldValid says the token at hand is still
// valid: then a refresh may hold it up for validTokenWait at most, unless --timeout says
// otherwise.
func (r *run) context(heldValid bool) (context.Context, context.CancelFunc, error) {
	if err := r.settle(); err != nil {
		return nil, nil, err
	}
	// The limit the messages name is the run's, unless this step holds a valid token: an
	// earlier step (a caller's refresh, before --assume's exchange) may have held one.
	r.iam.Bound, r.iam.BoundBy = r.limit, r.boundBy
	deadline, _ := r.Deadline()
	if heldValid && r.timeout == 0 {
		if wait := time.Now().Add(validTokenWait); wait.Before(deadline) {
			deadline = wait
			r.iam.Bound, r.iam.BoundBy = validTokenWait, iam.ByValidToken
		}
	}
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	return ctx, cancel, nil
}

// Trace is the CLI's trace setting: $IBMCLOUD_TRACE (or the older $BLUEMIX_TRACE), else the
// config's; "" for none. cfg may be nil.
func Trace(cfg Config, getenv func(string) string) string {
	if t := firstEnv(getenv, "IBMCLOUD_TRACE", "BLUEMIX_TRACE"); t != "" || cfg == nil {
		return t
	}
	return cfg.Trace()
}

// fallback is what a failed refresh leaves: held, when it is still valid and no --refresh was
// asked for, with a warning that says for how long and why; else the failure.
func (r *run) fallback(held token.Token, o Options, err error) (token.Token, error) {
	left := held.Expiry.Sub(r.clock())
	if o.Force || held.JWT == "" || left <= 0 {
		return token.Token{}, err
	}
	if r.calling {
		return held, nil
	}
	r.warn(i18n.T("WARNING: The access token was not refreshed, so the one at hand was handed out; it expires in {{.Left}}. {{.Reason}}",
		map[string]any{"Left": left.Round(time.Second).String(), "Reason": err.Error()}))
	return held, nil
}

func firstEnv(getenv func(string) string, names ...string) string {
	for _, n := range names {
		if v := getenv(n); v != "" {
			return v
		}
	}
	return ""
}

// or is a, else b.
func or(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

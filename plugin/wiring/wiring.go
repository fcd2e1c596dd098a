// Package wiring is the one place where the plug-in is put together for a run: it reads the
// CLI's configuration when the run first needs it, opens the token source a command asks for,
// resolves Key Protect instances with that token within the same run's deadline, and names the
// plug-in's directories. Commands see it through the narrow commands.Runtime interface (the
// GitHub CLI's factory is the model); main builds it. Nothing here calls back into main.
package wiring

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cliconfig"
	"github.com/kp-token/kp-token/plugin/disk"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/source"
	"github.com/kp-token/kp-token/plugin/token"
)

// Runtime is one run of the plug-in: the CLI's configuration, the token source the run opened
// and the run's deadline.
type Runtime struct {
	path   string // config.json
	name   string // the plug-in's name: its directory under the CLI's plugins directory
	getenv func(string) string

	load    func(deadline time.Time) (source.Config, error)
	once    sync.Once
	cfg     source.Config
	loadErr error

	src source.Source // the source the run opened: its deadline is the run's
}

// Disk is the runtime of the plug-in name over the config.json at path, read when first
// needed: a run that needs none (--unset, help) never touches it. When read, the CLI's language
// setting replaces the environment's, which i18n chose already.
func Disk(path, name string) *Runtime { return New(path, name, diskLoader(path, true)) }

// diskLoader reads config.json at path (cliconfig.Load); with locale, its language setting
// becomes the run's.
func diskLoader(path string, locale bool) func(deadline time.Time) (source.Config, error) {
	return func(deadline time.Time) (source.Config, error) {
		snap, err := cliconfig.Load(path, deadline)
		if err != nil {
			return nil, err
		}
		if l := snap.Locale(); locale && l != "" {
			i18n.Init(l)
		}
		return snap, nil
	}
}

// New is the runtime of the plug-in name over the config that load reads (nil: none), kept at
// path.
func New(path, name string, load func(deadline time.Time) (source.Config, error)) *Runtime {
	return &Runtime{path: path, name: name, load: load}
}

// WithGetenv makes the runtime read the environment through getenv (tests).
func (rt *Runtime) WithGetenv(getenv func(string) string) *Runtime {
	rt.getenv = getenv
	return rt
}

// config reads the CLI's configuration once; the token source and the instance lookup share it.
func (rt *Runtime) config(deadline time.Time) (source.Config, error) {
	rt.once.Do(func() {
		if rt.load == nil {
			rt.loadErr = &source.Error{Kind: source.NotLoggedIn}
			return
		}
		rt.cfg, rt.loadErr = rt.load(deadline)
	})
	return rt.cfg, rt.loadErr
}

// dir is the plug-in's directory name under the CLI's config directory, by the SDK's rule
// (config_helpers.PluginDir) without its second look at the disk; "" for a relative config path:
// never a cache in the working directory.
func (rt *Runtime) dir(name string) string {
	if !filepath.IsAbs(rt.path) {
		return ""
	}
	return filepath.Join(filepath.Dir(rt.path), "plugins", rt.name, name)
}

// Open opens the token source req names; its deadline is the run's.
func (rt *Runtime) Open(req source.Request) (source.Source, error) {
	src, err := source.Open(source.Env{Config: rt.config, ConfigPath: rt.path, Getenv: rt.getenv, CacheDir: rt.dir("cache")}, req)
	if err != nil {
		return nil, err
	}
	rt.src = src
	return src, nil
}

// deadline is the run's: the opened source's, else DefaultTimeout from now.
func (rt *Runtime) deadline() (time.Time, time.Duration) {
	if rt.src == nil {
		return time.Now().Add(source.DefaultTimeout), source.DefaultTimeout
	}
	return rt.src.Deadline()
}

// loaded is the run's configuration, nil when there is none: asked after a token was got, so
// read already, but for an API key's cached token. One that is missing or broken lends nothing,
// as to an API key's run; one the CLI was writing (source.Busy) is the lookup's error, since
// going on without it would choose IBM Cloud's public endpoints for a CLI on private ones.
func (rt *Runtime) loaded() (source.Config, error) {
	cfg, err := rt.config(time.Time{})
	if source.Busy(err) {
		return nil, err
	}
	return cfg, nil
}

// CLIPrivate says whether the CLI uses private endpoints: an instance's endpoint follows it.
func (rt *Runtime) CLIPrivate() bool {
	cfg, _ := rt.loaded() // asked after Resolve or List, which report a Busy config
	return cfg != nil && cfg.IsPrivateEndpointEnabled()
}

// cloud is the CLI's cloud, from config.json's few fields that say it (the cheap decode of
// cliconfig.Snapshot, not the SDK's whole one); the zero Cloud without a configuration.
func (rt *Runtime) cloud() kms.Cloud {
	cfg, _ := rt.loaded() // checked by Resolve and List first
	if c, ok := cfg.(kms.CloudConfig); ok {
		return kms.CloudOf(c)
	}
	return kms.Cloud{}
}

// cacheEndpoint is the Resource Controller whose answers the instance cache keeps: the
// override's URL, else the CLI's cloud's own, as the client works it out; "" (no cache) when
// there is none.
func (rt *Runtime) cacheEndpoint() string {
	endpoint, err := kms.ResourceControllerEndpoint(rt.cloud(), rt.env)
	if err != nil {
		return ""
	}
	return endpoint
}

// client is the Resource Controller's client with the token t, for the CLI's cloud.
func (rt *Runtime) client(t token.Token, bound time.Duration) *kms.Client {
	cfg, _ := rt.loaded() // checked by Resolve and List first
	return &kms.Client{Cloud: rt.cloud(), Getenv: rt.getenv, Token: t.JWT, Bound: bound, Trace: source.Trace(cfg, rt.env)}
}

func (rt *Runtime) env(name string) string {
	if rt.getenv != nil {
		return rt.getenv(name)
	}
	return os.Getenv(name)
}

// Resolve finds the instance q names, asked with t, by the run's deadline: from its CRN or the
// cache (the instance cache beside config.json, per account and Resource Controller), else from
// the Resource Controller, which is worked out only then.
func (rt *Runtime) Resolve(t token.Token, q kms.Query, warn func(string)) (kms.Resolution, error) {
	if _, err := rt.loaded(); err != nil {
		return kms.Resolution{}, err
	}
	deadline, bound := rt.deadline()
	r := &kms.Resolver{Refresh: q.Refresh, Offline: q.Offline, Warn: warn, Deadline: deadline,
		Dial: func() *kms.Client { return rt.client(t, bound) }}
	if dir := rt.dir("instances"); dir != "" {
		// The cache's entries are those of the Resource Controller asked, by its URL: the
		// override's, or the CLI's cloud's own (read from config.json's few fields, cheaply).
		r.Cache = &kms.Cache{Dir: dir, Account: t.Account(), Endpoint: rt.cacheEndpoint(), Files: disk.Private{}}
	}
	q.Choice.CLIPrivate = rt.CLIPrivate()
	return r.Resolve(context.Background(), q.Ref, q.Choice)
}

// List lists the Key Protect and HPCS instances t can see, by the run's deadline.
func (rt *Runtime) List(t token.Token) ([]kms.Instance, error) {
	if _, err := rt.loaded(); err != nil {
		return nil, err
	}
	deadline, bound := rt.deadline()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	return rt.client(t, bound).List(ctx)
}

// ConfigPath is the CLI's config.json: a new login shows there.
func (rt *Runtime) ConfigPath() string { return rt.path }

// StampDir is the user's private directory, where each hooked shell keeps its stamp file.
func (rt *Runtime) StampDir() (string, error) { return disk.PrivateDir() }

// CheckKeyFile reads the key file at path (with container, the container-token file) as a run
// would, and returns its absolute path.
func (rt *Runtime) CheckKeyFile(path string, container bool, warn func(string)) (string, error) {
	return source.CheckKeyFile(path, container, warn)
}

// EnvCRToken is $IBMCLOUD_CR_TOKEN when a run given neither --apikey nor --cr-token would read
// it: $IBMCLOUD_API_KEY (or $BLUEMIX_API_KEY) comes first, unless --profile is given
// (source.Open).
func (rt *Runtime) EnvCRToken(withProfile bool) string {
	if !withProfile && (rt.env("IBMCLOUD_API_KEY") != "" || rt.env("BLUEMIX_API_KEY") != "") {
		return ""
	}
	return rt.env("IBMCLOUD_CR_TOKEN")
}

// Fresh is a new run over the same config.json, read from disk again when first needed (also
// when this run's config came from the CLI's context), with the same environment: exec --serve
// opens a source on one for each token it hands out, so that a login in another terminal is
// picked up. The locale stays the one this run chose.
func (rt *Runtime) Fresh() commands.Runtime {
	f := New(rt.path, rt.name, diskLoader(rt.path, false))
	f.getenv = rt.getenv
	return f
}

// Command kp-token is the IBM Cloud CLI plug-in binary. `ibmcloud plugin install` runs it with
// SendMetadata; `ibmcloud kp-token env` runs it with `env`. Run directly, it behaves the same,
// minus the CLI's own start-up.
package main

import (
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cliconfig"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/source"
)

type kpToken struct{}

func (kpToken) GetMetadata() plugin.PluginMetadata { return commands.Metadata() }

// Run is the SDK's entry for a command. main does not route commands through plugin.Start (see
// there); Run serves a context the SDK built all the same.
func (kpToken) Run(ctx plugin.PluginContext, args []string) {
	i18n.Init(ctx.Locale())
	os.Exit(run(source.Env{Config: source.Loaded(ctx), ConfigPath: cliconfig.Path()}, args))
}

// run runs the commands with the token sources env offers.
func run(env source.Env, args []string) int {
	// The plug-in's directory, by the SDK's rule (config_helpers.PluginDir) without its second
	// look at the disk: the config directory is config.json's.
	if filepath.IsAbs(env.ConfigPath) { // never a cache relative to the working directory
		env.CacheDir = filepath.Join(filepath.Dir(env.ConfigPath), "plugins", commands.Namespace, "cache")
	}
	d := &commands.Deps{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin}
	d.Tokens = func(req source.Request) (source.Source, error) { return source.Open(env, req) }
	d.Instances = func() commands.KMSEnv {
		// Asked once a token was got: the config, when there is one, is loaded already.
		cfg, _ := env.Config(time.Time{})
		return commands.KMSEnv{
			CacheDir: commands.InstanceCacheDir(env.ConfigPath),
			Private:  func() bool { return cfg != nil && cfg.IsPrivateEndpointEnabled() },
			Cloud: func() kms.Cloud {
				if c, ok := cfg.(kms.CloudConfig); ok {
					return kms.CloudOf(c)
				}
				return kms.Cloud{}
			},
			Trace: func() string {
				if t := os.Getenv("IBMCLOUD_TRACE"); t != "" || cfg == nil {
					return t
				}
				return cfg.Trace()
			},
		}
	}
	return commands.Execute(d, args)
}

// once memoizes a config loader: the token source and the instance lookup share one read.
func once(load func(time.Time) (source.Config, error)) func(time.Time) (source.Config, error) {
	var (
		o   sync.Once
		cfg source.Config
		err error
	)
	return func(deadline time.Time) (source.Config, error) {
		o.Do(func() { cfg, err = load(deadline) })
		return cfg, err
	}
}

func main() {
	defer func() {
		// No panic reaches the user as a stack trace; stdout has had nothing written to it.
		if r := recover(); r != nil {
			commands.Failed(os.Stderr, i18n.T("An unexpected error occurred: {{.Error}}", map[string]any{"Error": fmt.Sprint(r)}))
			os.Exit(1)
		}
	}()
	args := os.Args[1:]
	if len(args) == 1 && args[0] == "SendMetadata" {
		// The descriptions in the CLI's language, as `ibmcloud plugin install` finds it set.
		locale := ""
		if snap, err := cliconfig.Load(cliconfig.Path(), time.Now().Add(time.Second)); err == nil {
			locale = snap.Locale()
		}
		i18n.Init(locale)
		plugin.Start(kpToken{})
		return
	}
	// Commands do not go through plugin.Start: it has the SDK load config.json from disk,
	// which creates the file when it is missing and replaces it with an empty one when it does
	// not parse (the user's session is lost), after waiting up to 30 s on its lock. Instead the
	// file is read once, when a command first needs it (--help, --unset, version and API keys
	// may never), and checked, and the SDK's own config code answers from those bytes
	// (cliconfig.Snapshot). Until then the words follow the environment's locale.
	i18n.Init("")
	path := cliconfig.Path()
	os.Exit(run(source.Env{Config: once(func(deadline time.Time) (source.Config, error) {
		snap, err := cliconfig.Load(path, deadline)
		if err != nil {
			return nil, err
		}
		if l := snap.Locale(); l != "" {
			i18n.Init(l) // the CLI's own setting; else the environment's locale, chosen already
		}
		return snap, nil
	}), ConfigPath: path}, args))
}

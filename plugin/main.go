// Command kp-token is the IBM Cloud CLI plug-in binary. `ibmcloud plugin install` runs it with
// SendMetadata; `ibmcloud kp-token env` runs it with `env`. Run directly, it behaves the same,
// minus the CLI's own start-up.
package main

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/config_helpers"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/commands/cliconfig"
	"github.com/kp-token/kp-token/commands/session"
	"github.com/kp-token/kp-token/i18n"
)

type kpToken struct{}

func (kpToken) GetMetadata() plugin.PluginMetadata { return commands.Metadata() }

// Run is the SDK's entry for a command. main does not route commands through plugin.Start (see
// there); Run serves a context the SDK built all the same.
func (kpToken) Run(ctx plugin.PluginContext, args []string) {
	os.Exit(run(ctx, cliconfig.Path(), args))
}

// config is what the commands read from the CLI's configuration: the SDK's config repository
// and its plugin.PluginContext both provide it.
type config interface {
	session.Context
	Locale() string
	Trace() string
}

func run(cfg config, path string, args []string) int {
	i18n.Init(cfg.Locale())
	return execute(cfg, nil, path, args)
}

// execute runs the commands. cfg is the CLI's configuration, or nil with the reason in cfgErr:
// an API key needs no configuration, the session does.
func execute(cfg config, cfgErr error, path string, args []string) int {
	d := &commands.Deps{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin}
	d.Tokens = func(c commands.Credentials) (commands.TokenSource, error) {
		trace := firstEnv("IBMCLOUD_TRACE", "BLUEMIX_TRACE")
		if trace == "" && cfg != nil {
			trace = cfg.Trace()
		}
		key := c.APIKey
		if key == "" {
			key = firstEnv("IBMCLOUD_API_KEY", "BLUEMIX_API_KEY")
		}
		if key != "" {
			return apiKeySource(cfg, key, c.NoCache, trace), nil
		}
		if cfgErr != nil {
			return nil, cfgErr
		}
		return &session.Source{Context: cfg, ConfigPath: path, Warn: d.Warn, Trace: trace}, nil
	}
	return commands.Execute(d, args)
}

// apiKeySource exchanges key at $IAM_ENDPOINT, else the IAM endpoint the CLI targets (private
// when it uses private endpoints), else IAM's public endpoint; its cache lives in the plug-in's
// directory.
func apiKeySource(cfg config, key string, noCache bool, trace string) *session.APIKeySource {
	src := &session.APIKeySource{Key: key, Trace: trace, Endpoint: session.DefaultIAMEndpoint, EndpointSource: session.EndpointPublic}
	if cfg != nil {
		src.HTTPTimeout = cfg.HTTPTimeout()
		src.Region = cfg.CurrentRegion().Name
		if e := cfg.IAMEndpoint(); e != "" {
			src.Endpoint = e
			if cfg.IsPrivateEndpointEnabled() {
				src.EndpointSource = session.EndpointPrivate
			}
		}
	}
	if e := os.Getenv("IAM_ENDPOINT"); e != "" {
		src.Endpoint, src.EndpointSource = e, session.EndpointFromEnv
	}
	if !noCache {
		src.CacheDir = filepath.Join(config_helpers.PluginDir(commands.Namespace), "cache")
	}
	return src
}

func firstEnv(names ...string) string {
	for _, n := range names {
		if v := os.Getenv(n); v != "" {
			return v
		}
	}
	return ""
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
		i18n.Init("")
		plugin.Start(kpToken{})
		return
	}
	// Commands do not go through plugin.Start: it has the SDK load config.json from disk,
	// which creates the file when it is missing and replaces it with an empty one when it does
	// not parse (the user's session is lost), after waiting up to 30 s on its lock. Instead the
	// file is read once and checked, and the SDK's own config code answers from those bytes.
	path := cliconfig.Path()
	snap, err := cliconfig.Load(path)
	if err != nil {
		i18n.Init("")
		os.Exit(execute(nil, err, path, args))
	}
	os.Exit(run(snap.Repository(), path, args))
}

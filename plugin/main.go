// Command kp-token is the IBM Cloud CLI plug-in binary. `ibmcloud plugin install` runs it with
// SendMetadata; `ibmcloud kp-token env` runs it with `env`. Run directly, it behaves the same,
// minus the CLI's own start-up.
package main

import (
	"fmt"
	"os"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/commands/cliconfig"
	"github.com/kp-token/kp-token/commands/session"
	"github.com/kp-token/kp-token/i18n"
)

type kpToken struct{}

func (kpToken) GetMetadata() plugin.PluginMetadata { return commands.Metadata() }

func (kpToken) Run(ctx plugin.PluginContext, args []string) {
	i18n.Init(ctx.Locale())
	d := &commands.Deps{Stdout: os.Stdout, Stderr: os.Stderr}
	d.Tokens = func() (commands.TokenSource, error) {
		return &session.Source{Context: ctx, ConfigPath: cliconfig.Path(), Warn: d.Warn}, nil
	}
	os.Exit(commands.Execute(d, args))
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
	// The SDK, on loading config.json, creates it when it is missing and replaces it with an
	// empty one when it does not parse: the user's session would be lost. So check the file
	// first, and when it is unusable never let the SDK near it.
	if _, err := cliconfig.Check(cliconfig.Path()); err != nil {
		i18n.Init("")
		d := &commands.Deps{Stdout: os.Stdout, Stderr: os.Stderr}
		d.Tokens = func() (commands.TokenSource, error) { return nil, err }
		os.Exit(commands.Execute(d, args))
	}
	plugin.Start(kpToken{})
}

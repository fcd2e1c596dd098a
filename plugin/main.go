// Command kp-token is the IBM Cloud CLI plug-in binary. `ibmcloud plugin install` runs it with
// SendMetadata; `ibmcloud kp-token env` runs it with `env`. Run directly, it behaves the same,
// minus the CLI's own start-up.
package main

import (
	"fmt"
	"os"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/cliconfig"
	"github.com/kp-token/kp-token/plugin/source"
	"github.com/kp-token/kp-token/plugin/wiring"
)

type kpToken struct{}

func (kpToken) GetMetadata() plugin.PluginMetadata { return commands.Metadata() }

// Run is the SDK's entry for a command. main does not route commands through plugin.Start (see
// there); Run serves a context the SDK built all the same.
func (kpToken) Run(ctx plugin.PluginContext, args []string) {
	i18n.Init(ctx.Locale())
	os.Exit(run(wiring.New(cliconfig.Path(), commands.Namespace, source.Loaded(ctx)), args))
}

// run runs the commands in rt, on the process's standard streams.
func run(rt *wiring.Runtime, args []string) int {
	return commands.Execute(&commands.Deps{Stdout: os.Stdout, Stderr: os.Stderr, Stdin: os.Stdin, Runtime: rt}, args)
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
	os.Exit(run(wiring.Disk(cliconfig.Path(), commands.Namespace), args))
}

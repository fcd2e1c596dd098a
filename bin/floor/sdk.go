//go:build sdkfloor

// With -tags sdkfloor, this file makes the program a plug-in of the IBM Cloud CLI SDK: run as
// `sdkfloor SendMetadata` it answers through plugin.Start, as every plug-in does. So it links
// what any plug-in's binary must link (the SDK's plugin package, the plug-in context, the SDK's
// config code) and pays for its initialisation before main runs (the SDK's i18n package parses
// its translation bundle, Masterminds/semver and go-playground/validator compile regular
// expressions, and so on), and for the Go runtime's start-up over a binary of that size (which
// checks the table of every linked function and sets up every interface table). Run without
// arguments, as the bench runs it, it then does exactly what minimal does, so the gap between it
// and minimal is the SDK's, and the gap between kp-token env and it is kp-token's own.

package main

import (
	"os"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"
)

func init() {
	if len(os.Args) == 2 && os.Args[1] == "SendMetadata" {
		plugin.Start(floorPlugin{})
	}
}

// floorPlugin is the least plug-in: a name and no commands.
type floorPlugin struct{}

func (floorPlugin) GetMetadata() plugin.PluginMetadata {
	return plugin.PluginMetadata{Name: "sdkfloor"}
}

func (floorPlugin) Run(plugin.PluginContext, []string) {}

package commands

import (
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/plugin"

	"github.com/kp-token/kp-token/i18n"
)

// Version is the plug-in's version, as SendMetadata reports it (bin/release.sh reads it there).
var Version = plugin.VersionType{Major: 0, Minor: 1, Build: 0}

// Metadata describes the plug-in to the ibmcloud CLI. Commands, descriptions, usage lines
// and flags all come from the cobra tree, the same one that parses the command line.
func Metadata() plugin.PluginMetadata {
	root := NewRoot(&Deps{})
	var cmds []plugin.Command
	for _, c := range root.Commands() {
		if !c.IsAvailableCommand() {
			continue
		}
		flags := plugin.ConvertCobraFlagsToPluginFlags(c)
		for i := range flags {
			flags[i].Description = i18n.Marked(flags[i].Description) // registered as IDs (i18n.N)
		}
		cmds = append(cmds, plugin.Command{
			Namespace:   Namespace,
			Name:        c.Name(),
			Aliases:     c.Aliases,
			Description: i18n.Marked(c.Short),
			Usage:       Usage(c),
			Flags:       flags,
		})
	}
	return plugin.PluginMetadata{
		Name:          Namespace,
		Version:       Version,
		MinCliVersion: plugin.VersionType{Major: 2, Minor: 0, Build: 0},
		Namespaces: []plugin.Namespace{{
			Name:        Namespace,
			Description: i18n.T("Print IAM access tokens for Key Protect and Hyper Protect Crypto Services."),
		}},
		Commands:                 cmds,
		PrivateEndpointSupported: true,
		IsCobraPlugin:            true,
	}
}

package commands

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
)

// NewCmdVersion builds `version`: the plug-in's version, as the metadata reports it to the CLI.
// `kp-token --version` prints the same.
func NewCmdVersion(d *Deps) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   i18n.N("Show the version of the kp-token plug-in."),
		Example: "  ibmcloud kp-token version",
		Args:    noArgs,
		RunE: func(*cobra.Command, []string) error {
			_, err := fmt.Fprintln(d.Stdout, versionLine())
			return err
		},
	}
}

func versionLine() string { return Namespace + " " + Version.String() }

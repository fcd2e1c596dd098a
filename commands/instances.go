package commands

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/safetext"
)

// InstancesOptions are the inputs of `kp-token instances`.
type InstancesOptions struct {
	Output  string
	Private bool
	Public  bool
	TokenFlags
}

// NewCmdInstances builds `instances`: the Key Protect and HPCS instances the token can see.
func NewCmdInstances(d *Deps) *cobra.Command {
	o := &InstancesOptions{}
	cmd := &cobra.Command{
		Use:     "instances",
		Short:   i18n.N("List the Key Protect and Hyper Protect Crypto Services instances you can see."),
		Example: "  ibmcloud kp-token instances\n  ibmcloud kp-token instances --output json",
		Args:    noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := exclusive(c.Flags(), "private", "public"); err != nil {
				return err
			}
			return runInstances(d, o)
		},
	}
	fs := cmd.Flags()
	registerOutput(fs, &o.Output)
	fs.BoolVar(&o.Private, "private", false, i18n.N("Show each instance's private endpoint."))
	fs.BoolVar(&o.Public, "public", false, i18n.N("Show each instance's public endpoint. The default follows the CLI: private when it uses private endpoints."))
	o.TokenFlags.register(fs)
	return cmd
}

func runInstances(d *Deps, o *InstancesOptions) error {
	asJSON, err := wantJSON(o.Output)
	if err != nil {
		return err
	}
	t, _, err := o.token(d)
	if err != nil {
		return err
	}
	list, err := d.Runtime.List(t)
	if err != nil {
		return err
	}
	choice := kms.Choice{CLIPrivate: d.Runtime.CLIPrivate()}
	switch {
	case o.Private:
		choice.Network = kms.Private
	case o.Public:
		choice.Network = kms.Public
	}
	out := make([]*InstanceJSON, 0, len(list))
	for _, inst := range list {
		url, _ := inst.Endpoint(choice) // an HPCS instance that publishes none: no endpoint
		out = append(out, instanceJSON(inst, url))
	}
	if asJSON {
		b, err := json.MarshalIndent(out, "", "  ")
		if err != nil {
			return err
		}
		_, err = fmt.Fprintln(d.Stdout, string(safetext.JSON(b)))
		return err
	}
	return writeInstances(d.Stdout, out)
}

// writeInstances is the CLI's table layout: a bold header, then one row an instance, every
// field the Resource Controller returned escaped for the terminal.
func writeInstances(w io.Writer, list []*InstanceJSON) error {
	if len(list) == 0 {
		_, err := fmt.Fprintln(w, i18n.T("No Key Protect or Hyper Protect Crypto Services instance was found."))
		return err
	}
	header := []string{i18n.T("Name"), i18n.T("Service"), i18n.T("Region"), i18n.T("GUID"), i18n.T("Endpoint"), i18n.T("Resource group ID")}
	rows := [][]string{header}
	for _, in := range list {
		service := map[string]string{kms.KeyProtect: "Key Protect", kms.HPCS: "HPCS"}[in.Service]
		url := in.URL
		if url == "" {
			url = "-"
		}
		rows = append(rows, []string{safetext.Terminal(in.Name), service, safetext.Terminal(in.Region), safetext.Terminal(in.GUID), safetext.Terminal(url), safetext.Terminal(in.ResourceGroupID)})
	}
	// Padded by display width, not by runes as text/tabwriter does: a CJK character takes two
	// columns of the terminal.
	widths := make([]int, len(header))
	for _, r := range rows {
		for i, cell := range r {
			widths[i] = max(widths[i], displayWidth(cell))
		}
	}
	var b strings.Builder
	for n, r := range rows {
		var line strings.Builder
		for i, cell := range r {
			line.WriteString(cell)
			if i < len(r)-1 {
				line.WriteString(strings.Repeat(" ", widths[i]-displayWidth(cell)+3))
			}
		}
		if n == 0 {
			b.WriteString(paint(w, headerStyle, line.String()) + "\n")
		} else {
			b.WriteString(line.String() + "\n")
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

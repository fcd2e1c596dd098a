package commands

import (
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/kms"
)

// CurlOptions are the inputs of `kp-token curl`.
type CurlOptions struct {
	TokenFlags
	InstanceFlags
}

// NewCmdCurl builds `curl`: a curl config with the Authorization (and bluemix-instance) header,
// for `curl -K`, so the token sits in no process list and no environment.
func NewCmdCurl(d *Deps) *cobra.Command {
	o := &CurlOptions{}
	cmd := &cobra.Command{
		Use:   "curl",
		Short: i18n.N("Print a curl config with the token's header (and the instance's), for curl -K."),
		Example: "  curl -K <(ibmcloud kp-token curl --instance my-kp) \"$KP_URL/api/v2/keys\"\n" +
			"  ibmcloud kp-token curl --instance my-kp | curl -K - \"$KP_URL/api/v2/keys\"",
		Args: noArgs,
		RunE: func(*cobra.Command, []string) error { return runCurl(d, o) },
	}
	fs := cmd.Flags()
	o.TokenFlags.register(fs)
	o.InstanceFlags.registerAs(fs, i18n.N("Also print the bluemix-instance header of this Key Protect or Hyper Protect Crypto Services instance: its name, GUID or CRN."))
	return cmd
}

func runCurl(d *Deps, o *CurlOptions) error {
	if err := o.InstanceFlags.check(); err != nil {
		return err
	}
	t, inst, err := tokenAndInstance(d, &o.TokenFlags, &o.InstanceFlags)
	if err != nil {
		return err
	}
	// curl's config syntax: a double-quoted value takes \" and \\ escapes. The token is a checked
	// JWT and the GUID a checked UUID, so neither holds either; quoted all the same.
	lines := []string{"header = " + curlQuote("authorization: "+t.Bearer())}
	if inst != nil {
		lines = append(lines, "header = "+curlQuote(kms.HeaderInstance+": "+inst.Instance.GUID))
	}
	_, err = io.WriteString(d.Stdout, strings.Join(lines, "\n")+"\n")
	return err
}

func curlQuote(s string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
}

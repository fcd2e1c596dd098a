package commands

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
)

// PrintOptions are the inputs of `kp-token print`.
type PrintOptions struct {
	NoBearer bool
	Output   string
	TokenFlags
	InstanceFlags
}

// NewCmdPrint builds `print`: the bare token, for one command's header.
func NewCmdPrint(d *Deps) *cobra.Command {
	o := &PrintOptions{}
	cmd := &cobra.Command{
		Use:   "print",
		Short: i18n.N("Print the IAM access token alone, for use in one command."),
		Example: "  curl -H \"Authorization: $(ibmcloud kp-token print)\" -H \"bluemix-instance: $KP_INSTANCE_ID\" \"$KP_URL/api/v2/keys\"\n" +
			"  ibmcloud kp-token print --output json --instance my-kp",
		Args: noArgs,
		RunE: func(c *cobra.Command, _ []string) error {
			if err := exclusive(c.Flags(), "no-bearer", "output"); err != nil {
				return err
			}
			return runPrint(d, o)
		},
	}
	fs := cmd.Flags()
	registerNoBearer(fs, &o.NoBearer)
	registerOutput(fs, &o.Output)
	o.TokenFlags.register(fs)
	o.InstanceFlags.registerAs(fs, i18n.N("With --output json, also print the GUID and endpoint of this Key Protect or Hyper Protect Crypto Services instance: its name, GUID or CRN."))
	return cmd
}

// TokenJSON is print's --output json: the fields of IAM's own token response, never the
// refresh token.
type TokenJSON struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	Expiration  int64  `json:"expiration"`
	ExpiresIn   int64  `json:"expires_in"`
	// With --instance: the instance's GUID (the bluemix-instance header) and endpoint.
	InstanceID string `json:"instance_id,omitempty"`
	URL        string `json:"url,omitempty"`
}

func runPrint(d *Deps, o *PrintOptions) error {
	asJSON, err := wantJSON(o.Output)
	if err != nil {
		return err
	}
	if err := o.InstanceFlags.check(); err != nil {
		return err
	}
	if o.Instance != "" && !asJSON {
		return usageErrorf(i18n.T("print shows the instance beside the token with --output json only; env and exec set KP_INSTANCE_ID and KP_URL."))
	}
	t, inst, err := tokenAndInstance(d, &o.TokenFlags, &o.InstanceFlags)
	if err != nil {
		return err
	}
	if !asJSON {
		_, err = fmt.Fprintln(d.Stdout, t.Value(!o.NoBearer))
		return err
	}
	out := TokenJSON{
		AccessToken: t.JWT,
		TokenType:   "Bearer",
		Expiration:  t.Expiry.Unix(),
		ExpiresIn:   int64(time.Until(t.Expiry) / time.Second),
	}
	if inst != nil {
		out.InstanceID, out.URL = inst.Instance.GUID, inst.URL
	}
	b, err := json.MarshalIndent(out, "", "  ")
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(d.Stdout, string(b))
	return err
}

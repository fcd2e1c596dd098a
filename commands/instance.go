package commands

import (
	"github.com/spf13/pflag"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/token"
)

// InstanceFlags name the Key Protect or HPCS instance a command sets up beside the token:
// --instance, and --private, --public or --url for its endpoint.
type InstanceFlags struct {
	Instance string
	Private  bool
	Public   bool
	URL      string
}

// register adds the flags of a command that sets the instance's variables (env, exec, hook).
func (f *InstanceFlags) register(fs *pflag.FlagSet) {
	f.registerAs(fs, i18n.N("Also set KP_INSTANCE_ID and KP_URL for this Key Protect or Hyper Protect Crypto Services instance: its name, GUID or CRN."))
}

// registerAs adds the flags with usage, what --instance does for the command, as its help says.
func (f *InstanceFlags) registerAs(fs *pflag.FlagSet, usage string) {
	fs.StringVar(&f.Instance, "instance", "", usage)
	setValueName(fs, "instance", "INSTANCE")
	fs.BoolVar(&f.Private, "private", false, i18n.N("With --instance, use the instance's private endpoint."))
	fs.BoolVar(&f.Public, "public", false, i18n.N("With --instance, use the instance's public endpoint. The default follows the CLI: private when it uses private endpoints."))
	fs.StringVar(&f.URL, "url", "", i18n.N("With --instance, use this endpoint."))
	setValueName(fs, "url", "URL")
}

func (f *InstanceFlags) check() error {
	if f.Instance == "" && (f.Private || f.Public || f.URL != "") {
		return usageErrorf(i18n.T("--private, --public and --url choose the endpoint of an --instance: name the instance too."))
	}
	if f.Private && f.Public || f.URL != "" && (f.Private || f.Public) {
		return usageErrorf(i18n.T("Give one of --private, --public and --url."))
	}
	return nil
}

// tokenAndInstance gets the token, then the instance --instance names (nil without it): from
// its CRN, the cache or the Resource Controller, asked with that token, by the run's deadline.
func tokenAndInstance(d *Deps, tf *TokenFlags, f *InstanceFlags) (token.Token, *kms.Resolution, error) {
	t, _, err := tf.token(d)
	if err != nil {
		return token.Token{}, nil, err
	}
	inst, err := f.lookup(d, t, tf.Refresh, false)
	return t, inst, err
}

// lookup resolves --instance with t (nil without it); offline, from its CRN or the cache only.
func (f *InstanceFlags) lookup(d *Deps, t token.Token, refresh, offline bool) (*kms.Resolution, error) {
	if f.Instance == "" {
		return nil, nil
	}
	q := kms.Query{Ref: f.Instance, Choice: kms.Choice{URL: f.URL}, Refresh: refresh, Offline: offline}
	switch {
	case f.Private:
		q.Choice.Network = kms.Private
	case f.Public:
		q.Choice.Network = kms.Public
	}
	res, err := d.Runtime.Resolve(t, q, d.warn)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

package commands

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"time"

	"github.com/kp-token/kp-token/plugin/safetext"

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

func (f *InstanceFlags) register(fs *pflag.FlagSet) {
	fs.StringVar(&f.Instance, "instance", "", i18n.N("Also set KP_INSTANCE_ID and KP_URL for this Key Protect or Hyper Protect Crypto Services instance: its name, GUID or CRN."))
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
// its CRN, the cache or the Resource Controller, asked with that token, within what is left
// of the run's limit.
func tokenAndInstance(d *Deps, tf *TokenFlags, f *InstanceFlags) (token.Token, *kms.Resolution, error) {
	t, _, err := tf.token(d)
	if err != nil {
		return token.Token{}, nil, err
	}
	deadline, bound := tf.later()
	inst, err := f.lookup(d, t, tf.Refresh, deadline, bound, false)
	return t, inst, err
}

// peek finds the instance from its CRN or the cache only: no network call (show).
func (f *InstanceFlags) peek(d *Deps, t token.Token) (*kms.Resolution, error) {
	res, err := f.lookup(d, t, false, time.Now().Add(kms.DefaultTimeout), 0, true)
	if errors.Is(err, &kms.Error{Kind: kms.NoRCEndpoint}) {
		return nil, &statusError{code: 1, msg: i18n.T("What the instance '{{.Instance}}' is, kp-token has not learned yet, and show makes no call. Run 'ibmcloud kp-token env --instance {{.Instance}}' first.",
			map[string]any{"Instance": safetext.Quote(f.Instance)})}
	}
	return res, err
}

func (f *InstanceFlags) lookup(d *Deps, t token.Token, refresh bool, deadline time.Time, bound time.Duration, peek bool) (*kms.Resolution, error) {
	if f.Instance == "" {
		return nil, nil
	}
	env := d.KMS()
	ctx, cancel := context.WithDeadline(context.Background(), deadline)
	defer cancel()
	network := kms.Auto
	switch {
	case f.Private:
		network = kms.Private
	case f.Public:
		network = kms.Public
	}
	choice := kms.Choice{Network: network, CLIPrivate: env.Private(), URL: f.URL}
	r := &kms.Resolver{Refresh: refresh, Warn: d.warn}
	if env.CacheDir != "" {
		r.Cache = &kms.Cache{Dir: env.CacheDir, Account: t.Account()}
	}
	if !refresh {
		// From the CRN or the cache first: at a shell start the instance is known, and the
		// cloud the Resource Controller is in need not be worked out.
		res, err := r.Resolve(ctx, f.Instance, choice)
		if err == nil || peek || !errors.Is(err, &kms.Error{Kind: kms.NoRCEndpoint}) {
			if err != nil {
				return nil, err
			}
			return &res, nil
		}
	}
	r.RC = &kms.Client{Cloud: env.Cloud(), Token: t.JWT, Bound: bound, Trace: env.Trace()}
	res, err := r.Resolve(ctx, f.Instance, choice)
	if err != nil {
		return nil, err
	}
	return &res, nil
}

// KMSEnv is what instance lookups need from around the plug-in: the CLI's cloud (where the
// Resource Controller is, whether it uses private endpoints), the trace setting, and where
// resolutions are cached.
type KMSEnv struct {
	Cloud    func() kms.Cloud // asked only when the Resource Controller is
	Private  func() bool      // the CLI uses private endpoints
	Trace    func() string
	CacheDir string
}

// KMS is d.Instances, or IBM Cloud's public endpoints with no cache.
func (d *Deps) KMS() KMSEnv {
	if d.Instances != nil {
		return d.Instances()
	}
	return KMSEnv{
		Cloud:   func() kms.Cloud { return kms.Cloud{} },
		Private: func() bool { return false },
		Trace:   func() string { return os.Getenv("IBMCLOUD_TRACE") },
	}
}

// InstanceCacheDir is where instance resolutions are cached, in the plug-in's directory beside
// config.json's; "" for a relative config path (no cache in the working directory).
func InstanceCacheDir(configPath string) string {
	if !filepath.IsAbs(configPath) {
		return ""
	}
	return filepath.Join(filepath.Dir(configPath), "plugins", Namespace, "instances")
}

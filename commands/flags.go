package commands

import (
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/kp-token/kp-token/commands/shell"
	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
	"github.com/kp-token/kp-token/plugin/token"
)

// The flags commands share are defined once here: cobra parses them, and the plug-in metadata
// and help are built from what cobra holds.

// DefaultName is the variable IBM's Key Protect and Hyper Protect Crypto Services docs use.
const DefaultName = "ACCESS_TOKEN"

// DefaultMinValidity is how long a token must still live to be handed out unrefreshed.
const DefaultMinValidity = 5 * time.Minute

// TokenLifetime is how long IAM access tokens live: no token can be valid for longer.
const TokenLifetime = time.Hour

// Freshness is --min-validity, which hook shares with every command that hands out a token.
type Freshness struct {
	MinValidity time.Duration
}

func (f *Freshness) register(fs *pflag.FlagSet) {
	fs.DurationVar(&f.MinValidity, "min-validity", DefaultMinValidity, i18n.N("Refresh the token first when it expires within this duration, such as 10m. The default is 5m."))
	setValueName(fs, "min-validity", "DURATION")
}

func (f *Freshness) check() error {
	if f.MinValidity < 0 || f.MinValidity >= TokenLifetime {
		return usageErrorf(i18n.T("--min-validity must be at least 0 and less than 1h, the life of an IAM access token."))
	}
	return nil
}

// registerAPIKey adds --apikey with the given usage text and value name.
func registerAPIKey(fs *pflag.FlagSet, v *string, usage, value string) {
	fs.StringVar(v, "apikey", "", usage)
	setValueName(fs, "apikey", value)
}

// TokenFlags are the flags every command that hands out a token shares: where the token comes
// from (the session, or an API key) and how fresh it must be.
type TokenFlags struct {
	Freshness
	Refresh bool
	Credential
	NoCache bool
	Timeout time.Duration // 0: the CLI's HTTP timeout, else 30 s
}

// Credential is what stands in for the login session: an API key, or a container token for a
// trusted profile; and a trusted profile to assume with the token of either, or the session's.
type Credential struct {
	APIKey  string
	CRToken string
	Profile string
	Assume  string
	Account string
}

// registerAssume adds --assume and --account: every command that hands out a token hands out
// the profile's instead.
func (c *Credential) registerAssume(fs *pflag.FlagSet) {
	fs.StringVar(&c.Assume, "assume", "", i18n.N("Hand out the token of this trusted profile instead (its ID, CRN or name), assumed with the token the other flags choose; the profile must trust you. The default is $KP_TOKEN_ASSUME."))
	setValueName(fs, "assume", "PROFILE")
	fs.StringVar(&c.Account, "account", "", i18n.N("The account in which --assume looks up a profile's name. The default is $KP_TOKEN_ACCOUNT, else the account of the token it is assumed with."))
	setValueName(fs, "account", "ACCOUNT_ID")
}

// registerContainer adds --cr-token and --profile.
func (c *Credential) registerContainer(fs *pflag.FlagSet, tokenUsage, tokenValue string) {
	fs.StringVar(&c.CRToken, "cr-token", "", tokenUsage)
	setValueName(fs, "cr-token", tokenValue)
	fs.StringVar(&c.Profile, "profile", "", i18n.N("The trusted profile to trade the container token for: its ID, name or CRN. The default is $IBMCLOUD_CR_PROFILE."))
	setValueName(fs, "profile", "PROFILE")
}

// check refuses an API key given together with a container token.
func (c *Credential) check() error {
	if c.APIKey != "" && (c.CRToken != "" || c.Profile != "") {
		return usageErrorf(i18n.T("--apikey and --cr-token or --profile cannot be used together: give one credential."))
	}
	return nil
}

func (c *Credential) request() token.Request {
	return token.Request{APIKey: c.APIKey, CRToken: c.CRToken, Profile: c.Profile, Assume: c.Assume, Account: c.Account}
}

func (f *TokenFlags) register(fs *pflag.FlagSet) {
	f.Freshness.register(fs)
	fs.BoolVar(&f.Refresh, "refresh", false, i18n.N("Refresh the token first, whatever its expiry, for a full hour."))
	registerAPIKey(fs, &f.APIKey, i18n.N("Use an API key instead of the login session: @FILE reads it from a file (as 'ibmcloud iam api-key-create --file' writes it), @- from standard input. The default is $IBMCLOUD_API_KEY."), "KEY")
	f.registerContainer(fs, i18n.N("Use a container's compute-resource token instead of the login session, with --profile: @FILE reads it from a file at every exchange. The default is $IBMCLOUD_CR_TOKEN, else the paths IBM's container authenticators read."), "TOKEN")
	f.registerAssume(fs)
	fs.BoolVar(&f.NoCache, "no-cache", false, i18n.N("Do not use or keep a cached token: an API key's, a container token's or an assumed trusted profile's."))
	// A shell profile's line sets it, so that IAM cannot hold a shell's start for long.
	fs.DurationVar(&f.Timeout, "timeout", 0, i18n.N("Give up after this long, such as 5s: reading the key, locks and IAM share it. The default is the CLI's HTTP timeout, else 30s."))
	setValueName(fs, "timeout", "DURATION")
}

func (f *TokenFlags) check() error {
	if err := f.Freshness.check(); err != nil {
		return err
	}
	if f.Timeout < 0 {
		return usageErrorf(i18n.T("--timeout cannot be negative. Give a duration such as 5s."))
	}
	return f.Credential.check()
}

// token checks the flags, opens the source they name and asks it for a token.
func (f *TokenFlags) token(d *Deps) (token.Token, token.Source, error) {
	if err := f.check(); err != nil {
		return token.Token{}, nil, err
	}
	req := f.request()
	req.NoCache, req.Timeout = f.NoCache, f.Timeout
	src, err := d.open(req)
	if err != nil {
		return token.Token{}, nil, err
	}
	t, err := src.Token(token.Options{MinValidity: f.MinValidity, Force: f.Refresh})
	return t, src, err
}

// registerNoBearer adds --no-bearer.
func registerNoBearer(fs *pflag.FlagSet, v *bool) {
	fs.BoolVar(v, "no-bearer", false, i18n.N("Print the token without the 'Bearer ' prefix."))
}

// registerName adds --name.
func registerName(fs *pflag.FlagSet, v *string) {
	fs.StringVar(v, "name", DefaultName, i18n.N("Name of the variable to set. The default is ACCESS_TOKEN."))
	setValueName(fs, "name", "NAME")
}

func checkName(name string) error {
	if !shell.ValidName(name) {
		return usageErrorf(i18n.T("'{{.Name}}' is not a valid variable name. Use letters, digits and underscores, not starting with a digit.",
			map[string]any{"Name": safetext.Quote(name)}))
	}
	return nil
}

// registerOutput adds --output FORMAT; JSON is the one machine format, as in the CLI.
func registerOutput(fs *pflag.FlagSet, v *string) {
	fs.StringVar(v, "output", "", i18n.N("Specify output format, only JSON is supported."))
	setValueName(fs, "output", "FORMAT")
}

// wantJSON checks --output: empty for text, json (any case) for JSON.
func wantJSON(output string) (bool, error) {
	switch strings.ToLower(output) {
	case "":
		return false, nil
	case "json":
		return true, nil
	}
	return false, usageErrorf(i18n.T("'{{.Format}}' is not a supported output format. The supported format is JSON.",
		map[string]any{"Format": safetext.Quote(output)}))
}

// exclusive refuses flag used with any of others.
func exclusive(fs *pflag.FlagSet, flag string, others ...string) error {
	if !fs.Changed(flag) {
		return nil
	}
	for _, o := range others {
		if fs.Changed(o) {
			return usageErrorf(i18n.T("--{{.Flag}} and --{{.Other}} cannot be used together.", map[string]any{"Flag": flag, "Other": o}))
		}
	}
	return nil
}

// noArgs refuses arguments, in our words.
func noArgs(_ *cobra.Command, args []string) error {
	if len(args) > 0 {
		return usageErrorf(i18n.T("'{{.Argument}}' is not an argument this command takes.", map[string]any{"Argument": safetext.Quote(args[0])}))
	}
	return nil
}

// unknownShell refuses a shell name that is none of shell.Names, for env and hook alike.
func unknownShell(name string) error {
	return usageErrorf(i18n.T("'{{.Shell}}' is not a shell kp-token knows. Use one of: {{.Names}}.",
		map[string]any{"Shell": safetext.Quote(name), "Names": strings.Join(shell.Names(), ", ")}))
}

package commands

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/kp-token/kp-token/plugin/kms"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
	"github.com/kp-token/kp-token/plugin/token"
)

// ShowOptions are the inputs of `kp-token show`.
type ShowOptions struct {
	Output string
	Credential
	InstanceFlags
}

// NewCmdShow builds `show`: who the session is and how long its token has left. It only looks:
// no refresh, no network call, no write, so it also shows whose an expired session was.
func NewCmdShow(d *Deps) *cobra.Command {
	o := &ShowOptions{}
	cmd := &cobra.Command{
		Use:     "show",
		Short:   i18n.N("Show who the session is and how long its token is valid, without refreshing it."),
		Example: "  ibmcloud kp-token show\n  ibmcloud kp-token show --output json",
		Args:    noArgs,
		RunE: func(_ *cobra.Command, _ []string) error {
			return runShow(d, o)
		},
	}
	fs := cmd.Flags()
	registerOutput(fs, &o.Output)
	registerAPIKey(fs, &o.APIKey, i18n.N("Show the token cached for this API key instead of the login session: @FILE reads it from a file, @- from standard input. The default is $IBMCLOUD_API_KEY."), "KEY")
	o.registerContainer(fs, i18n.N("Show the token cached for this container token (with --profile) instead of the login session."), "TOKEN")
	o.registerAssume(fs)
	o.InstanceFlags.registerAs(fs, i18n.N("Also show this Key Protect or Hyper Protect Crypto Services instance and its endpoint, as learned before: its name, GUID or CRN."))
	return cmd
}

// Subject types, as show reports them.
const (
	SubjectUser           = "user"
	SubjectServiceID      = "service_id"
	SubjectTrustedProfile = "trusted_profile"
)

// SessionJSON is show's --output json. Keys are stable; times are Unix seconds. It holds no
// token of any kind.
type SessionJSON struct {
	TokenSource      string `json:"token_source"` // "session" or "api_key"
	SubjectType      string `json:"subject_type"`
	Subject          string `json:"subject"`
	Name             string `json:"name"`
	Email            string `json:"email"`
	IAMID            string `json:"iam_id"`
	AccountID        string `json:"account_id"`
	IssuedAt         int64  `json:"issued_at"`
	ExpiresAt        int64  `json:"expires_at"`
	ExpiresIn        int64  `json:"expires_in"` // negative once expired
	Expired          bool   `json:"expired"`
	RefreshTokenHeld bool   `json:"refresh_token_held"`
	IAMEndpoint      string `json:"iam_endpoint"`
	IAMEndpointType  string `json:"iam_endpoint_type"`
	Region           string `json:"region"`
	// Login is how the identity logged in: sso, password, api_key, container_token or
	// compute_resource ("" when the token does not say).
	Login string `json:"login"`
	// ComputeResource is VPC or PVS for a compute resource's trusted profile.
	ComputeResource string `json:"compute_resource"`
	// RenewsAt is where a new token comes from (IAM, or the server's metadata service); ""
	// when nothing can renew it.
	RenewsAt string `json:"renews_at"`
	// With --instance: the instance and its endpoint, as learned before (show makes no call).
	Instance *InstanceJSON `json:"instance,omitempty"`
	// With --assume: who assumed the trusted profile (token_source assumed_profile), as the
	// caller's own show describes it; its identity is the profile token's authn claim when the
	// caller's token is not at hand.
	OnBehalfOf *SessionJSON `json:"on_behalf_of,omitempty"`
}

// InstanceJSON is an instance as show and instances print it.
type InstanceJSON struct {
	Name            string `json:"name"`
	GUID            string `json:"guid"`
	CRN             string `json:"crn"`
	Service         string `json:"service"` // kms (Key Protect) or hs-crypto (HPCS)
	Region          string `json:"region"`
	ResourceGroupID string `json:"resource_group_id"`
	URL             string `json:"url"` // the endpoint chosen (--private, --public, --url)
}

func instanceJSON(i kms.Instance, url string) *InstanceJSON {
	return &InstanceJSON{Name: i.Name, GUID: i.GUID, CRN: i.CRN, Service: i.Service, Region: i.Region, ResourceGroupID: i.ResourceGroupID, URL: url}
}

// Login kinds, as show reports them.
const (
	LoginSSO             = "sso"
	LoginPassword        = "password"
	LoginAPIKey          = "api_key"
	LoginContainerToken  = "container_token"
	LoginComputeResource = "compute_resource"
	LoginAssume          = "assume" // a trusted profile's token, assumed with the caller's (--assume)
)

// login is how the identity logged in: from where the token came, and else from the grant the
// token was first issued for.
func login(info token.Info, grant string) string {
	switch {
	case info.Source == token.FromAPIKey:
		return LoginAPIKey
	case info.Source == token.FromContainer:
		return LoginContainerToken
	case info.ComputeResource != "":
		return LoginComputeResource
	}
	switch grant {
	case "password":
		return LoginPassword
	case "urn:ibm:params:oauth:grant-type:passcode", "authorization_code", "urn:ibm:params:oauth:grant-type:identity-cookie":
		return LoginSSO
	case "urn:ibm:params:oauth:grant-type:apikey":
		return LoginAPIKey
	case "urn:ibm:params:oauth:grant-type:cr-token":
		return LoginContainerToken
	}
	return ""
}

func describeSession(t token.Token, info token.Info, now time.Time) SessionJSON {
	c := t.Claims()
	kind := SubjectUser
	switch c.SubjectType {
	case "ServiceId":
		kind = SubjectServiceID
	case "Profile":
		kind = SubjectTrustedProfile
	}
	return SessionJSON{
		TokenSource: info.Source, SubjectType: kind, Subject: c.Subject, Name: c.Fullname, Email: c.UserEmail,
		IAMID: c.IAMID, AccountID: c.Accounts.AccountID,
		IssuedAt: c.IssueAt.Unix(), ExpiresAt: t.Expiry.Unix(), ExpiresIn: int64(t.Expiry.Sub(now) / time.Second),
		Expired:          !t.ValidFor(0, now),
		RefreshTokenHeld: info.RefreshToken, IAMEndpoint: info.Endpoint, IAMEndpointType: info.EndpointSource,
		Region: info.Region, Login: login(info, c.GrantType), ComputeResource: info.ComputeResource, RenewsAt: info.RenewsAt,
	}
}

// describeAssumed describes the profile's token t, and on whose behalf it was assumed: the
// caller's token at hand, else the identity the profile token's authn claim names.
func describeAssumed(t token.Token, a token.Assumed, info token.Info, now time.Time) SessionJSON {
	s := describeSession(t, info, now)
	var caller SessionJSON
	if ct, err := a.Caller().Token(token.Options{Peek: true, Whose: true}); err == nil {
		caller = describeSession(ct, info, now)
	} else {
		authn := t.Claims().Authn
		caller = SessionJSON{TokenSource: info.Source, Subject: authn.Subject, Name: authn.Name, Email: authn.Email, IAMID: authn.IAMID,
			RefreshTokenHeld: info.RefreshToken, IAMEndpoint: info.Endpoint, IAMEndpointType: info.EndpointSource, Region: info.Region,
			Login: login(info, ""), ComputeResource: info.ComputeResource, RenewsAt: info.RenewsAt}
	}
	s.TokenSource, s.Login, s.RefreshTokenHeld, s.ComputeResource = token.FromAssume, LoginAssume, false, ""
	s.RenewsAt = info.Endpoint // a new one is assumed at IAM, with a caller's token
	s.OnBehalfOf = &caller
	return s
}

func runShow(d *Deps, o *ShowOptions) error {
	asJSON, err := wantJSON(o.Output)
	if err != nil {
		return err
	}
	if err := o.Credential.check(); err != nil {
		return err
	}
	if err := o.InstanceFlags.check(); err != nil {
		return err
	}
	src, err := d.open(o.request())
	if err != nil {
		return err
	}
	t, err := src.Token(token.Options{Peek: true})
	if err != nil {
		return err
	}
	info, err := src.Describe()
	if err != nil {
		return err
	}
	now := time.Now()
	s := describeSession(t, info, now)
	if a, ok := src.(token.Assumed); ok {
		s = describeAssumed(t, a, info, now)
	}
	inst, err := o.lookup(d, t, false, true)
	if err != nil {
		return err
	}
	if inst != nil {
		s.Instance = instanceJSON(inst.Instance, inst.URL)
	}
	if asJSON {
		var b []byte
		if b, err = json.MarshalIndent(s, "", "  "); err != nil {
			return err
		}
		// Claims come from a token anyone could have put in config.json: no control character
		// of theirs reaches a terminal, in JSON either.
		_, err = fmt.Fprintln(d.Stdout, string(safetext.JSON(b)))
	} else {
		err = writeSession(d.Stdout, s, t, now)
	}
	if err == nil && s.Expired {
		// Shown, and said: a script can test show's status for a session that needs a login.
		warn(d.Stderr, i18n.T("The token expired at {{.Time}}. Run any command to refresh it, or log in again by running 'ibmcloud login'.",
			map[string]any{"Time": stamp(t.Expiry)}))
		return &statusError{code: 1}
	}
	return err
}

func writeSession(w io.Writer, s SessionJSON, t token.Token, now time.Time) error {
	// Claims and settings come from a token or a file anyone could have written: no control
	// character of theirs reaches the terminal.
	for _, v := range []*string{&s.Subject, &s.Name, &s.Email, &s.IAMID, &s.AccountID, &s.IAMEndpoint, &s.Region, &s.RenewsAt} {
		*v = safetext.Terminal(*v)
	}
	// With --assume, the login rows are the caller's: how it logged in, and its identity.
	who := s
	if s.OnBehalfOf != nil {
		who = *s.OnBehalfOf
		for _, v := range []*string{&who.Subject, &who.Name, &who.Email, &who.IAMID} {
			*v = safetext.Terminal(*v)
		}
	}
	entity := func(v string) string {
		if v == "" {
			return "-"
		}
		return paint(w, entityStyle, v)
	}
	var rows [][2]string
	switch s.SubjectType {
	case SubjectServiceID:
		rows = append(rows, [2]string{i18n.T("Service ID"), entity(s.Name) + " (" + s.Subject + ")"})
	case SubjectTrustedProfile:
		rows = append(rows, [2]string{i18n.T("Trusted profile"), entity(s.Name) + " (" + s.Subject + ")"})
	default:
		rows = append(rows, [2]string{i18n.T("Name"), entity(s.Name)}, [2]string{i18n.T("Email"), entity(s.Email)})
	}
	if s.OnBehalfOf != nil {
		caller := entity(who.Name)
		if who.Email != "" {
			caller += ", " + who.Email
		}
		if who.IAMID != "" {
			caller += " (" + who.IAMID + ")"
		}
		rows = append(rows, [2]string{i18n.T("On behalf of"), caller})
	}
	yes := i18n.T("no")
	if s.RefreshTokenHeld {
		yes = i18n.T("yes")
	}
	endpointType := map[string]string{
		token.EndpointPublic:  i18n.T("public"),
		token.EndpointPrivate: i18n.T("private"),
		token.EndpointFromEnv: i18n.T("from IAM_ENDPOINT"),
	}[s.IAMEndpointType]
	region := s.Region
	if region == "" {
		region = i18n.T("none targeted")
	}
	from := map[string]string{
		token.FromSession:   i18n.T("login session"),
		token.FromAPIKey:    i18n.T("API key"),
		token.FromContainer: i18n.T("container token"),
	}[s.TokenSource]
	if s.TokenSource == token.FromAssume {
		from = map[string]string{
			token.FromSession:   i18n.T("trusted profile, assumed with the login session"),
			token.FromAPIKey:    i18n.T("trusted profile, assumed with an API key"),
			token.FromContainer: i18n.T("trusted profile, assumed with a container token"),
		}[who.TokenSource]
	}
	how := map[string]string{
		LoginSSO:             i18n.T("single sign-on (a one-time passcode)"),
		LoginPassword:        i18n.T("user name and password"),
		LoginAPIKey:          i18n.T("API key"),
		LoginContainerToken:  i18n.T("container token, for a trusted profile"),
		LoginComputeResource: i18n.T("compute resource ({{.Kind}}), for a trusted profile", map[string]any{"Kind": who.ComputeResource}),
	}[who.Login]
	if how == "" {
		how = "-"
	}
	renews := s.RenewsAt
	if renews == "" {
		renews = i18n.T("nowhere: log in again when it expires")
	}
	rows = append(rows,
		[2]string{i18n.T("Token source"), from},
		[2]string{i18n.T("Logged in with"), how},
		[2]string{i18n.T("Renewed at"), renews},
		[2]string{i18n.T("IAM ID"), s.IAMID},
		[2]string{i18n.T("Account ID"), entity(s.AccountID)},
		[2]string{i18n.T("Issued at"), stamp(t.IssuedAt)},
		[2]string{i18n.T("Expires at"), stamp(t.Expiry)},
		[2]string{i18n.T("Time left"), timeLeft(t.Expiry.Sub(now))},
	)
	if s.OnBehalfOf == nil { // a profile's token comes without one; the caller's renews it
		rows = append(rows, [2]string{i18n.T("Refresh token"), yes})
	}
	rows = append(rows,
		[2]string{i18n.T("IAM endpoint"), s.IAMEndpoint + " (" + endpointType + ")"},
		[2]string{i18n.T("Region"), region},
	)
	if s.Instance != nil {
		in := s.Instance
		rows = append(rows,
			[2]string{i18n.T("Instance"), entity(safetext.Terminal(in.Name)) + " (" + in.GUID + ", " + in.Service + ", " + in.Region + ")"},
			[2]string{i18n.T("Instance endpoint"), safetext.Terminal(in.URL)},
		)
	}
	// Padded by display width: a CJK character takes two columns of the terminal.
	width := 0
	for _, r := range rows {
		width = max(width, displayWidth(r[0]))
	}
	var b strings.Builder
	for _, r := range rows {
		pad := strings.Repeat(" ", width-displayWidth(r[0])+3)
		b.WriteString(paint(w, headerStyle, r[0]) + pad + r[1] + "\n")
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// stamp is a time in the user's zone, which it names.
func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.Local().Format("2006-01-02 15:04:05 MST")
}

func timeLeft(d time.Duration) string {
	switch {
	case d <= 0:
		return i18n.T("expired")
	case d < time.Minute:
		return i18n.T("less than a minute")
	case d < 2*time.Minute:
		return i18n.T("1 minute")
	}
	return i18n.T("{{.Minutes}} minutes", map[string]any{"Minutes": int(d / time.Minute)})
}

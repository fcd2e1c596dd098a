package token

import (
	"io"
	"strings"
	"time"
	"unicode"
)

// What follows is the contract between the commands and the token sources (plugin/source has
// the real ones): the commands see it without the sources' dependencies (the CLI's config, the
// disk, IAM's client).

// Source hands out checked access tokens.
type Source interface {
	// Token returns a token valid for longer than o.MinValidity, making no network call and
	// writing nothing when the one at hand is.
	Token(o Options) (Token, error)
	// Describe says what can be said of the source without a network call or a secret.
	Describe() (Info, error)
	// Deadline is the run's one deadline, which every lock and network call of the run
	// shares (IAM, then the Resource Controller), and the limit it was counted with:
	// --timeout from Open, else the CLI's HTTP timeout (else 30 s) from when the key was read.
	Deadline() (time.Time, time.Duration)
}

// Options say how fresh the token must be.
type Options struct {
	MinValidity time.Duration // refresh when the token expires within this
	Force       bool          // refresh whatever the token's expiry
	// Peek asks for the token at hand, valid or not, without a refresh, a network call or a
	// write (show).
	Peek bool
	// Whose, with Peek, asks for the token at hand even when it has expired: to say whose it
	// is (--assume keys its cache by the caller; show names the caller).
	Whose bool
}

// Request is what the command line asks for.
type Request struct {
	APIKey  string        // --apikey as given: the key, @FILE or @-; "" for $IBMCLOUD_API_KEY or the session
	NoCache bool          // --no-cache
	Timeout time.Duration // --timeout; 0 for the CLI's HTTP timeout, else 30 s
	Stdin   io.Reader     // for --apikey @-
	Warn    func(string)  // prints a warning on stderr; nil: warnings are dropped
	Hook    bool          // run by the shell hook: its --timeout is the hook's limit
	CRToken string        // --cr-token as given: the token or @FILE; "" for $IBMCLOUD_CR_TOKEN or the default paths
	Profile string        // --profile: the trusted profile's ID, name or CRN
	// Assume is --assume: a trusted profile (ID, CRN or name) whose token is handed out instead,
	// got with the token of the source the other fields choose; "" for $KP_TOKEN_ASSUME, else
	// none. Account is --account: the account a profile's name is looked up in; "" for
	// $KP_TOKEN_ACCOUNT, else the caller's.
	Assume  string
	Account string
}

// The variables that stand for --assume and --account, so that a profile line sets them once.
const (
	AssumeEnv  = "KP_TOKEN_ASSUME"
	AccountEnv = "KP_TOKEN_ACCOUNT"
)

// BadAssume says that a profile to assume, or its account, cannot be one: blank, or holding
// control characters (which would reach IAM's form, messages and a hook's command line).
func BadAssume(profile, account string) bool {
	blank := func(v string) bool { return strings.TrimSpace(v) == "" }
	return blank(profile) || account != "" && blank(account) || strings.ContainsFunc(profile+account, unicode.IsControl)
}

// Assumed is a source whose tokens are a trusted profile's, assumed with the tokens of another
// source, its caller (--assume).
type Assumed interface {
	Source
	// Caller is the source whose tokens are traded for the profile's.
	Caller() Source
}

// Token sources, as Info reports them.
const (
	FromSession   = "session"
	FromAPIKey    = "api_key"
	FromContainer = "container_token"
	FromAssume    = "assumed_profile" // a trusted profile's token, assumed with the caller's (Assumed)
)

// Endpoint sources, as Info reports them.
const (
	EndpointFromEnv = "IAM_ENDPOINT"
	EndpointPrivate = "private"
	EndpointPublic  = "public"
)

// Info describes a source without its secrets.
type Info struct {
	Source         string // FromSession or FromAPIKey
	RefreshToken   bool   // a refresh token is held
	Endpoint       string // where tokens are got
	EndpointSource string // EndpointFromEnv, EndpointPrivate or EndpointPublic
	Region         string // the targeted region
	// ComputeResource is "VPC" or "PVS" for a session of a virtual server's trusted profile
	// (`ibmcloud login --vpc-cri`), renewed through the server's metadata service.
	ComputeResource string
	// RenewsAt is where a new token comes from: IAM's endpoint, or the metadata service's URL;
	// "" when nothing can renew it (a session without a refresh token: log in again).
	RenewsAt string
}

package kms

import (
	"strconv"
	"strings"
	"time"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/httpcall"
	"github.com/kp-token/kp-token/plugin/safetext"
)

// Kind names a way of failing to find an instance or its endpoint; each has its own message
// and advice.
type Kind int

// The kinds of failure.
const (
	NoRef        Kind = iota + 1 // no instance was named
	BadCRN                       // a reference that starts with crn: but is no instance's CRN
	NotKMS                       // the CRN or GUID names an instance of another service
	NotFound                     // no kms or hs-crypto instance has that name or GUID
	Deleted                      // the GUID names an instance being deleted
	Ambiguous                    // several instances have that name (Matches)
	Unauthorized                 // the Resource Controller answered 401: the token is not accepted
	Forbidden                    // the Resource Controller answered 403: no access
	Refused                      // the Resource Controller answered another 4xx
	Unavailable                  // the Resource Controller answered 429 or 5xx, after the retries
	Unreachable                  // no connection to the Resource Controller
	Timeout                      // the Resource Controller did not answer before the deadline
	NoTimeLeft                   // the deadline had passed before the Resource Controller was asked
	BadAnswer                    // an answer that is not a record or a list of records
	NoEndpoint                   // the instance's endpoint on the chosen network is not known
	BadURL                       // --url, or $IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT, is not a usable URL
	NoRCEndpoint                 // the Resource Controller's endpoint for the CLI's cloud is not known
	BadService                   // not a service name SDKVars can make variable names of
	NotLearned                   // an offline lookup (show): neither the CRN nor the cache knows the instance
)

// Error is a failure to find an instance or its endpoint. Its text says what went wrong and what
// to do; it never contains the token.
type Error struct {
	Kind     Kind
	Ref      string        // the name, GUID or CRN asked for
	Endpoint string        // the Resource Controller's
	Bound    time.Duration // the run's limit (Timeout), when known
	Status   int           // the HTTP status of the answer
	Code     string        // the Resource Controller's error code
	Message  string        // the Resource Controller's message, cleaned
	State    string        // the instance's state (Deleted)
	Service  string        // the service the CRN or GUID names (NotKMS)
	Matches  []Instance    // the instances that share the name (Ambiguous), sorted
	Instance Instance      // whose endpoint is not known (NoEndpoint)
	Private  bool          // the private endpoint was asked for (NoEndpoint)
	URL      string        // what was given (BadURL)
	Setting  string        // the variable that gave it (BadURL), or "" for --url
	Cloud    Cloud         // NoRCEndpoint
	Err      error
}

// UserFacing marks the error as written for the user (commands.UserFacing).
func (*Error) UserFacing() {}

func (e *Error) Error() string {
	T := i18n.T
	ref := map[string]any{"Ref": safetext.Quote(e.Ref)}
	switch e.Kind {
	case NoRef:
		return T("No instance was named. Give a Key Protect or Hyper Protect Crypto Services instance's name, GUID or CRN; 'ibmcloud kp-token instances' lists them.")
	case BadCRN:
		return T("'{{.Ref}}' is not the CRN of an instance, which looks like crn:v1:bluemix:public:kms:<region>:a/<account>:<GUID>::. Copy it whole from 'ibmcloud resource service-instance NAME', or give the instance's name or GUID.", ref)
	case NotKMS:
		return T("'{{.Ref}}' is an instance of the service '{{.Service}}', not of Key Protect (kms) or Hyper Protect Crypto Services (hs-crypto). 'ibmcloud kp-token instances' lists the instances you can use.",
			map[string]any{"Ref": safetext.Quote(e.Ref), "Service": safetext.Terminal(safetext.Clean(e.Service))})
	case NotFound:
		if IsGUID(e.Ref) {
			return T("No Key Protect or Hyper Protect Crypto Services instance with the GUID '{{.Ref}}' is visible to you. Check the GUID and the account you are logged in to ('ibmcloud target'); 'ibmcloud kp-token instances' lists the instances you can use.", ref)
		}
		return T("No Key Protect or Hyper Protect Crypto Services instance named '{{.Ref}}' is visible to you. Check the name and the account you are logged in to ('ibmcloud target'); 'ibmcloud kp-token instances' lists the instances you can use.", ref)
	case Deleted:
		return T("The instance with the GUID '{{.Ref}}' is being deleted (its state is {{.State}}). Restore it (see 'ibmcloud resource reclamations'), or use another; 'ibmcloud kp-token instances' lists them.",
			map[string]any{"Ref": safetext.Quote(e.Ref), "State": safetext.Terminal(safetext.Clean(e.State))})
	case Ambiguous:
		lines := make([]string, len(e.Matches))
		for n, m := range e.Matches {
			lines[n] = "  " + T("{{.Name}} in {{.Region}}, resource group {{.Group}}, GUID {{.GUID}}", map[string]any{
				"Name": safetext.Terminal(m.Name), "Region": safetext.Terminal(m.Region),
				"Group": safetext.Terminal(m.ResourceGroupID), "GUID": m.GUID,
			})
		}
		return T("{{.Count}} instances are named '{{.Ref}}'. Name the one you mean by its GUID or CRN:\n{{.List}}",
			map[string]any{"Count": len(e.Matches), "Ref": safetext.Quote(e.Ref), "List": strings.Join(lines, "\n")})
	case Unauthorized:
		return T("The Resource Controller at '{{.Endpoint}}' did not accept the access token ({{.Detail}}). Log in again by running 'ibmcloud login', or check the API key.", e.args())
	case Forbidden:
		return T("The Resource Controller at '{{.Endpoint}}' refused access ({{.Detail}}). Check that you have at least the Viewer role on the instance or its resource group ('ibmcloud iam user-policies'), or ask the account's administrator for it.", e.args())
	case Refused:
		return T("The Resource Controller at '{{.Endpoint}}' refused the request ({{.Detail}}). Check the instance's name or GUID.", e.args())
	case Unavailable:
		return T("The Resource Controller at '{{.Endpoint}}' could not answer ({{.Detail}}). Try again later.", e.args())
	case Unreachable:
		return T("Cannot reach the Resource Controller at '{{.Endpoint}}': {{.Error}}. Check your network connection and try again.",
			map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Error": safetext.Clean(httpcall.ErrText(e.Err))})
	case Timeout:
		if e.Bound > 0 {
			return T("The Resource Controller at '{{.Endpoint}}' did not answer within {{.Bound}}. Try again later.",
				map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Bound": e.Bound.String()})
		}
		return T("The Resource Controller at '{{.Endpoint}}' did not answer in time. Try again later.", e.args())
	case NoTimeLeft:
		return T("The Resource Controller at '{{.Endpoint}}' was not asked: the time this run had was used up before. Try again.", e.args())
	case BadAnswer:
		return T("The Resource Controller at '{{.Endpoint}}' did not answer with instance records. Try again later; if it persists, check {{.Variable}}.",
			map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Variable": EnvRCEndpoint})
	case NoEndpoint:
		args := map[string]any{"Name": safetext.Terminal(e.Instance.Name), "GUID": e.Instance.GUID}
		if e.Instance.Name == "" {
			args["Name"] = e.Instance.GUID
		}
		switch {
		case e.Instance.Service == HPCS && e.Private:
			return T("The Hyper Protect Crypto Services instance '{{.Name}}' publishes no private endpoint. Use its public one (--public), or give its key management endpoint with --url.", args)
		case e.Instance.Service == HPCS:
			return T("The Hyper Protect Crypto Services instance '{{.Name}}' publishes no public endpoint. Give its key management endpoint with --url (the console shows it under Overview > Connect).", args)
		case e.Private:
			return T("The private endpoint of the Key Protect instance '{{.Name}}' is not known. Give it with --url.", args)
		}
		return T("The endpoint of the Key Protect instance '{{.Name}}' is not known. Give it with --url.", args)
	case BadURL:
		args := map[string]any{"URL": safetext.Quote(e.URL), "Variable": e.Setting}
		if e.Setting != "" {
			return T("{{.Variable}} is set to '{{.URL}}', which is not an http or https URL of a host. Correct it or unset it.", args)
		}
		return T("The endpoint given with --url, '{{.URL}}', is not an http or https URL of a host (without user, query or fragment), such as https://us-south.kms.cloud.ibm.com.", args)
	case NoRCEndpoint:
		args := map[string]any{"Variable": EnvRCEndpoint, "Cloud": safetext.Quote(e.Cloud.Name)}
		if e.Cloud.Private && (e.Cloud.Name == "" || e.Cloud.Name == "bluemix" || e.Cloud.Name == "staging") {
			return T("The IBM Cloud CLI uses private endpoints but targets no region, so the Resource Controller's private endpoint is not known. Target one with 'ibmcloud target -r REGION', or set {{.Variable}}.", args)
		}
		return T("The Resource Controller's endpoint for the cloud '{{.Cloud}}' is not known. Set {{.Variable}} to it, or give the instance's CRN.", args)
	case NotLearned:
		return T("What the instance '{{.Instance}}' is, kp-token has not learned yet, and show makes no call. Run 'ibmcloud kp-token env --instance {{.Instance}}' first.",
			map[string]any{"Instance": safetext.Quote(e.Ref)})
	case BadService:
		return T("'{{.Service}}' is not a service name the IBM SDKs read from the environment. Use letters, digits, '_' and '-', starting with a letter, such as ibm_key_protect_api.",
			map[string]any{"Service": safetext.Quote(e.Service)})
	}
	return T("An unexpected error occurred.")
}

// Unwrap returns the cause, such as a connection error.
func (e *Error) Unwrap() error { return e.Err }

// Is lets callers test the kind with errors.Is(err, &kms.Error{Kind: kms.NotFound}).
func (e *Error) Is(target error) bool {
	t, ok := target.(*Error)
	return ok && t.Kind == e.Kind
}

func (e *Error) args() map[string]any {
	return map[string]any{"Endpoint": safetext.Quote(e.Endpoint), "Detail": e.detail()}
}

func (e *Error) detail() string {
	parts := []string{"HTTP " + strconv.Itoa(e.Status)}
	if e.Code != "" {
		parts = append(parts, safetext.Terminal(safetext.Clean(e.Code)))
	}
	if e.Message != "" {
		parts = append(parts, safetext.Terminal(safetext.Clean(e.Message)))
	}
	return strings.Join(parts, " ")
}

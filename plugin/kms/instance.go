package kms

import (
	"encoding/json"
	"net/url"
	"strings"
)

// The services whose instances count, as CRNs name them.
const (
	KeyProtect = "kms"       // IBM Key Protect
	HPCS       = "hs-crypto" // IBM Hyper Protect Crypto Services
)

// What the commands set and send beside the token.
const (
	EnvInstanceID  = "KP_INSTANCE_ID"   // the instance's GUID
	EnvURL         = "KP_URL"           // the instance's endpoint
	HeaderInstance = "bluemix-instance" // the request header that carries the GUID
)

// Endpoints are the URLs an instance publishes in its extensions.endpoints, without a trailing
// slash; empty when it publishes none.
type Endpoints struct {
	Public  string `json:"public,omitempty"`
	Private string `json:"private,omitempty"`
}

// Instance is a Key Protect or HPCS instance. Its fields come from a CRN or from the Resource
// Controller; those from the Resource Controller are the server's words, to be escaped
// (safetext.Terminal) before they reach a terminal.
type Instance struct {
	Name            string    `json:"name"`
	GUID            string    `json:"guid"` // lower case
	CRN             string    `json:"crn"`
	Service         string    `json:"service"` // KeyProtect or HPCS
	Region          string    `json:"region"`
	ResourceGroupID string    `json:"resource_group_id"`
	Endpoints       Endpoints `json:"endpoints"`
}

// crn is a checked instance CRN: crn:v1:<cname>:<ctype>:<service>:<region>:<scope>:<guid>::.
type crn struct {
	cname, ctype, service, region, scope, guid string
}

func (c crn) String() string {
	return strings.Join([]string{"crn", "v1", c.cname, c.ctype, c.service, c.region, c.scope, c.guid, "", ""}, ":")
}

// parseCRN checks the form of a CRN; service is not checked. A resource's CRN within the
// instance (a key's: …:<guid>:key:<id>) names the instance too.
func parseCRN(s string) (crn, bool) {
	f := strings.Split(s, ":")
	if len(f) != 10 || f[0] != "crn" || f[1] != "v1" {
		return crn{}, false
	}
	c := crn{cname: f[2], ctype: f[3], service: f[4], region: f[5], scope: f[6], guid: strings.ToLower(f[7])}
	if !word(c.cname) || !word(c.ctype) || !word(c.service) || !validRegion(c.region) || !IsGUID(c.guid) {
		return crn{}, false
	}
	if c.scope != "" && !(strings.HasPrefix(c.scope, "a/") && word(c.scope[2:])) {
		return crn{}, false
	}
	if (f[8] != "" || f[9] != "") && (!word(f[8]) || !word(f[9])) {
		return crn{}, false // a resource within the instance: a type and an ID, or neither
	}
	return c, true
}

// ParseCRN reads a Key Protect or HPCS instance's CRN, with no network call: the GUID, the
// service and the region are in it; the name, the resource group and the published endpoints are
// not. A key's CRN names its instance. Another service's CRN is an *Error of Kind NotKMS, a
// malformed one of Kind BadCRN.
func ParseCRN(s string) (Instance, error) {
	c, ok := parseCRN(s)
	if !ok {
		return Instance{}, &Error{Kind: BadCRN, Ref: s}
	}
	if c.service != KeyProtect && c.service != HPCS {
		return Instance{}, &Error{Kind: NotKMS, Ref: s, Service: c.service}
	}
	return Instance{GUID: c.guid, CRN: c.String(), Service: c.service, Region: c.region}, nil
}

// IsGUID says whether s has the 36-character form of a UUID (8-4-4-4-12 hexadecimal digits, any
// case): the form of an instance's GUID. Resolve takes such a reference as a GUID, never a name.
func IsGUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F') {
				return false
			}
		}
	}
	return true
}

// validRegion accepts a region's ID (us-south, eu-de, in-che): it becomes part of a host name.
func validRegion(s string) bool {
	if s == "" || len(s) > 40 || s[0] == '-' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// word accepts a CRN field or an ID of letters, digits, '-', '_' and '.'.
func word(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

// rcInstance is the part of the Resource Controller's record of an instance that is read.
type rcInstance struct {
	ID              string `json:"id"`
	GUID            string `json:"guid"`
	CRN             string `json:"crn"`
	Name            string `json:"name"`
	RegionID        string `json:"region_id"`
	ResourceGroupID string `json:"resource_group_id"`
	State           string `json:"state"`
	Extensions      struct {
		Endpoints json.RawMessage `json:"endpoints"`
	} `json:"extensions"`
}

// deleted says whether the record is of an instance being deleted or gone.
func (r *rcInstance) deleted() bool {
	return r.State == "pending_reclamation" || r.State == "removed"
}

// instance turns a record into an Instance; ok is false for a record that is not a kms or
// hs-crypto instance with a well-formed CRN, whose guid (when given) matches its CRN's.
func (r *rcInstance) instance() (inst Instance, c crn, ok bool) {
	s := r.CRN
	if s == "" {
		s = r.ID
	}
	c, ok = parseCRN(s)
	if !ok || (r.GUID != "" && !strings.EqualFold(r.GUID, c.guid)) {
		return Instance{}, c, false
	}
	if c.service != KeyProtect && c.service != HPCS {
		return Instance{}, c, false
	}
	inst = Instance{
		Name:            r.Name,
		GUID:            c.guid,
		CRN:             c.String(),
		Service:         c.service,
		Region:          c.region,
		ResourceGroupID: r.ResourceGroupID,
		Endpoints:       publishedEndpoints(r.Extensions.Endpoints),
	}
	if validRegion(r.RegionID) {
		inst.Region = r.RegionID
	}
	return inst, c, true
}

// publishedEndpoints reads extensions.endpoints: {"public": URL, "private": URL}, or the same
// nested in {"kms": {…}}. Values that are not usable https URLs are dropped.
func publishedEndpoints(raw json.RawMessage) Endpoints {
	var top map[string]json.RawMessage
	if len(raw) == 0 || json.Unmarshal(raw, &top) != nil {
		return Endpoints{}
	}
	pick := func(m map[string]json.RawMessage) Endpoints {
		var e Endpoints
		var s string
		if json.Unmarshal(m["public"], &s) == nil {
			e.Public = publishedURL(s)
		}
		s = ""
		if json.Unmarshal(m["private"], &s) == nil {
			e.Private = publishedURL(s)
		}
		return e
	}
	e := pick(top)
	if e == (Endpoints{}) {
		var nested map[string]json.RawMessage
		if json.Unmarshal(top["kms"], &nested) == nil {
			e = pick(nested)
		}
	}
	return e
}

// publishedURL checks an endpoint the Resource Controller publishes: https, a host, no userinfo,
// query or fragment; a value without a scheme gets https://. It returns "" for anything else.
func publishedURL(s string) string {
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	u, ok := checkURL(s)
	if !ok || !strings.HasPrefix(u, "https://") {
		return ""
	}
	return u
}

// checkURL accepts an http or https URL of a host, with an optional port and path but no
// userinfo, query or fragment, and returns it with its scheme in lower case and without a
// trailing slash.
func checkURL(s string) (string, bool) {
	if len(s) > 2048 {
		return "", false
	}
	for _, r := range s {
		if r <= ' ' || r == 0x7f || r >= 0x80 {
			return "", false // nothing a shell or a terminal could take for something else
		}
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Hostname() == "" ||
		u.User != nil || u.RawQuery != "" || u.ForceQuery || u.Fragment != "" || u.Opaque != "" {
		return "", false
	}
	return strings.TrimRight(u.Scheme+"://"+u.Host+u.EscapedPath(), "/"), true
}

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

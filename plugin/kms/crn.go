package kms

import "strings"

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

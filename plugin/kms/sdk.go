package kms

import "strings"

// DefaultSDKService is Key Protect's service name in IBM's SDKs: the prefix of the variables
// they read (IBM_KEY_PROTECT_API_…).
const DefaultSDKService = "ibm_key_protect_api"

// AuthTypeBearerToken is the value of <PREFIX>_AUTH_TYPE that makes go-sdk-core build a
// bearer-token authenticator from <PREFIX>_BEARER_TOKEN.
const AuthTypeBearerToken = "bearerToken"

// SDKNames are the names of the variables IBM's SDKs read for one service (go-sdk-core's
// external configuration).
type SDKNames struct {
	AuthType    string // <PREFIX>_AUTH_TYPE: set it to AuthTypeBearerToken
	BearerToken string // <PREFIX>_BEARER_TOKEN: the JWT, without "Bearer "
	URL         string // <PREFIX>_URL: the service's endpoint
}

// SDKVars names the variables for a service name as go-sdk-core derives them: the name in upper
// case with '-' made '_' (ibm_key_protect_api gives IBM_KEY_PROTECT_API_AUTH_TYPE,
// IBM_KEY_PROTECT_API_BEARER_TOKEN and IBM_KEY_PROTECT_API_URL). A name that would not make a
// variable name (letters, digits, '_' and '-', starting with a letter) is an *Error of Kind
// BadService.
func SDKVars(service string) (SDKNames, error) {
	if service == "" || len(service) > 100 || !('a' <= service[0] && service[0] <= 'z' || 'A' <= service[0] && service[0] <= 'Z') {
		return SDKNames{}, &Error{Kind: BadService, Service: service}
	}
	for i := 0; i < len(service); i++ {
		c := service[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_' || c == '-') {
			return SDKNames{}, &Error{Kind: BadService, Service: service}
		}
	}
	p := strings.ReplaceAll(strings.ToUpper(service), "-", "_")
	return SDKNames{AuthType: p + "_AUTH_TYPE", BearerToken: p + "_BEARER_TOKEN", URL: p + "_URL"}, nil
}

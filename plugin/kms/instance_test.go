package kms

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/models"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseCRN(t *testing.T) {
	const acct = "a/" + testAccount
	for _, tc := range []struct {
		in   string
		want Instance
		kind Kind
	}{
		{in: "crn:v1:bluemix:public:kms:us-south:" + acct + ":" + guidKP1 + "::",
			want: Instance{GUID: guidKP1, Service: KeyProtect, Region: "us-south", CRN: "crn:v1:bluemix:public:kms:us-south:" + acct + ":" + guidKP1 + "::"}},
		{in: "crn:v1:bluemix:public:hs-crypto:us-east:" + acct + ":" + strings.ToUpper(guidHPCS) + "::",
			want: Instance{GUID: guidHPCS, Service: HPCS, Region: "us-east", CRN: "crn:v1:bluemix:public:hs-crypto:us-east:" + acct + ":" + guidHPCS + "::"}},
		{in: "crn:v1:bluemix:public:kms:eu-de:" + acct + ":" + guidKP2 + ":key:0b5e2c0a-1234-4bbb-8ccc-0123456789ab",
			want: Instance{GUID: guidKP2, Service: KeyProtect, Region: "eu-de", CRN: "crn:v1:bluemix:public:kms:eu-de:" + acct + ":" + guidKP2 + "::"}},
		{in: "crn:v1:staging:public:kms:us-south:" + acct + ":" + guidKP1 + "::",
			want: Instance{GUID: guidKP1, Service: KeyProtect, Region: "us-south", CRN: "crn:v1:staging:public:kms:us-south:" + acct + ":" + guidKP1 + "::"}},
		{in: "crn:v1:bluemix:public:cloud-object-storage:global:" + acct + ":" + guidCOS + "::", kind: NotKMS},
		{in: "crn:v1:bluemix:public:kms:us-south:" + acct + ":not-a-guid::", kind: BadCRN},
		{in: "crn:v1:bluemix:public:kms:us-south:" + acct + ":" + guidKP1, kind: BadCRN},
		{in: "crn:v2:bluemix:public:kms:us-south:" + acct + ":" + guidKP1 + "::", kind: BadCRN},
		{in: "crn:v1:bluemix:public:kms:us-south.evil.example/x:" + acct + ":" + guidKP1 + "::", kind: BadCRN},
		{in: "crn:v1:bluemix:public:kms::" + acct + ":" + guidKP1 + "::", kind: BadCRN},
		{in: "crn:v1:bluemix:public:kms:us-south:b/x y:" + guidKP1 + "::", kind: BadCRN},
		{in: "crn:v1:bluemix:public:kms:us-south:" + acct + ":" + guidKP1 + "::\x1b[31m", kind: BadCRN},
	} {
		got, err := ParseCRN(tc.in)
		if tc.kind != 0 {
			require.ErrorIs(t, err, &Error{Kind: tc.kind}, tc.in)
			assert.NotContains(t, err.Error(), "\x1b", "escaped for the terminal")
			continue
		}
		require.NoError(t, err, tc.in)
		assert.Equal(t, tc.want, got, tc.in)
	}
	_, err := ParseCRN("crn:v1:bluemix:public:cloud-object-storage:global:" + acct + ":" + guidCOS + "::")
	assert.Contains(t, err.Error(), "'cloud-object-storage', not of Key Protect (kms) or Hyper Protect Crypto Services (hs-crypto)")
}

func TestIsGUID(t *testing.T) {
	assert.True(t, IsGUID(guidKP1))
	assert.True(t, IsGUID(strings.ToUpper(guidKP1)))
	for _, s := range []string{"", "my-kp", guidKP1 + "0", strings.ReplaceAll(guidKP1, "-", "_"), "g1111111-aaaa-4bbb-8ccc-000000000001"} {
		assert.False(t, IsGUID(s), s)
	}
}

func TestPublishedEndpointsShapes(t *testing.T) {
	for _, tc := range []struct {
		name, json string
		want       Endpoints
	}{
		{"HPCS", `{"public":"https://api.us-south.hs-crypto.cloud.ibm.com:9730","private":"https://api.private.us-south.hs-crypto.cloud.ibm.com:9730"}`,
			Endpoints{"https://api.us-south.hs-crypto.cloud.ibm.com:9730", "https://api.private.us-south.hs-crypto.cloud.ibm.com:9730"}},
		{"no scheme", `{"public":"api.us-south.hs-crypto.cloud.ibm.com:9730","private":"api.private.us-south.hs-crypto.cloud.ibm.com:9730/"}`,
			Endpoints{"https://api.us-south.hs-crypto.cloud.ibm.com:9730", "https://api.private.us-south.hs-crypto.cloud.ibm.com:9730"}},
		{"nested under kms, EP11 ignored", `{"ep11":{"public":"ep11.us-south.hs-crypto.cloud.ibm.com:9731"},"kms":{"public":"https://api.us-south.hs-crypto.cloud.ibm.com:9730"}}`,
			Endpoints{Public: "https://api.us-south.hs-crypto.cloud.ibm.com:9730"}},
		{"public only", `{"public":"https://us-south.kms.cloud.ibm.com/"}`, Endpoints{Public: "https://us-south.kms.cloud.ibm.com"}},
		{"unusable values dropped", `{"public":"http://us-south.kms.cloud.ibm.com","private":"https://me@private.us-south.kms.cloud.ibm.com"}`, Endpoints{}},
		{"query, fragment, spaces", `{"public":"https://a.example/?x=1","private":"https://b.example/ x"}`, Endpoints{}},
		{"control characters", `{"public":"https://a.example/\u001b[2J"}`, Endpoints{}},
		{"not strings", `{"public":42,"private":{"url":"https://b.example"}}`, Endpoints{}},
		{"not an object", `"https://a.example"`, Endpoints{}},
		{"null", `null`, Endpoints{}},
	} {
		assert.Equal(t, tc.want, publishedEndpoints(json.RawMessage(tc.json)), tc.name)
	}
}

func TestEndpointChoice(t *testing.T) {
	kp, _ := ParseCRN("crn:v1:bluemix:public:kms:eu-de:a/" + testAccount + ":" + guidKP1 + "::")
	kpExt := kp
	kpExt.Endpoints = Endpoints{Public: "https://kp.example.com", Private: "https://private.kp.example.com"}
	kpPublicOnly := kp
	kpPublicOnly.Endpoints = Endpoints{Public: "https://kp.example.com"}
	hpcs, _ := ParseCRN("crn:v1:bluemix:public:hs-crypto:us-east:a/" + testAccount + ":" + guidHPCS + "::")
	hpcs.Name = "my-hpcs"
	hpcsExt := hpcs
	hpcsExt.Endpoints = Endpoints{Public: "https://api.us-east.hs-crypto.cloud.ibm.com:9730", Private: "https://api.private.us-east.hs-crypto.cloud.ibm.com:9730"}
	hpcsPublicOnly := hpcs
	hpcsPublicOnly.Endpoints = Endpoints{Public: "https://api.us-east.hs-crypto.cloud.ibm.com:9730"}
	staging, _ := ParseCRN("crn:v1:staging:public:kms:us-south:a/" + testAccount + ":" + guidKP1 + "::")

	for _, tc := range []struct {
		name   string
		inst   Instance
		choice Choice
		want   string
		kind   Kind
	}{
		{"Key Protect, auto, public CLI", kp, Choice{}, "https://eu-de.kms.cloud.ibm.com", 0},
		{"Key Protect, auto, private CLI", kp, Choice{CLIPrivate: true}, "https://private.eu-de.kms.cloud.ibm.com", 0},
		{"Key Protect, --public on a private CLI", kp, Choice{Network: Public, CLIPrivate: true}, "https://eu-de.kms.cloud.ibm.com", 0},
		{"Key Protect, --private", kp, Choice{Network: Private}, "https://private.eu-de.kms.cloud.ibm.com", 0},
		{"Key Protect, --url", kp, Choice{Network: Private, URL: "http://127.0.0.1:8080/"}, "http://127.0.0.1:8080", 0},
		{"Key Protect, bad --url", kp, Choice{URL: "127.0.0.1:8080"}, "", BadURL},
		{"Key Protect, published", kpExt, Choice{}, "https://kp.example.com", 0},
		{"Key Protect, published, private", kpExt, Choice{Network: Private}, "https://private.kp.example.com", 0},
		{"Key Protect, published public only, private", kpPublicOnly, Choice{Network: Private}, "https://private.eu-de.kms.cloud.ibm.com", 0},
		{"HPCS, auto", hpcsExt, Choice{}, "https://api.us-east.hs-crypto.cloud.ibm.com:9730", 0},
		{"HPCS, private CLI", hpcsExt, Choice{CLIPrivate: true}, "https://api.private.us-east.hs-crypto.cloud.ibm.com:9730", 0},
		{"HPCS, --url", hpcs, Choice{URL: "https://api.us-east.hs-crypto.cloud.ibm.com:9730"}, "https://api.us-east.hs-crypto.cloud.ibm.com:9730", 0},
		{"HPCS without endpoints", hpcs, Choice{}, "", NoEndpoint},
		{"HPCS without a private endpoint", hpcsPublicOnly, Choice{Network: Private}, "", NoEndpoint},
		{"Key Protect on staging", staging, Choice{}, "", NoEndpoint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := tc.inst.Endpoint(tc.choice)
			if tc.kind != 0 {
				require.ErrorIs(t, err, &Error{Kind: tc.kind})
				assert.Contains(t, err.Error(), "--url")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
	_, err := hpcs.Endpoint(Choice{})
	assert.Contains(t, err.Error(), "'my-hpcs' publishes no public endpoint")
	_, err = hpcsPublicOnly.Endpoint(Choice{CLIPrivate: true})
	assert.Contains(t, err.Error(), "publishes no private endpoint. Use its public one (--public)")
}

type fakeCloudConfig struct{}

func (fakeCloudConfig) CloudName() string              { return "bluemix" }
func (fakeCloudConfig) CloudType() string              { return "public" }
func (fakeCloudConfig) CurrentRegion() models.Region   { return models.Region{Name: "eu-gb"} }
func (fakeCloudConfig) IsPrivateEndpointEnabled() bool { return true }
func (fakeCloudConfig) IsAccessFromVPC() bool          { return false }

func TestCloudOf(t *testing.T) {
	assert.Equal(t, Cloud{}, CloudOf(nil))
	c := CloudOf(fakeCloudConfig{})
	assert.Equal(t, Cloud{Name: "bluemix", Type: "public", Region: "eu-gb", Private: true}, c)
	e, err := (&Client{Cloud: c, Getenv: func(string) string { return "" }}).Endpoint()
	require.NoError(t, err)
	assert.Equal(t, "https://private.eu-gb.resource-controller.cloud.ibm.com", e)
}

func TestSDKVars(t *testing.T) {
	got, err := SDKVars(DefaultSDKService)
	require.NoError(t, err)
	assert.Equal(t, SDKNames{AuthType: "IBM_KEY_PROTECT_API_AUTH_TYPE", BearerToken: "IBM_KEY_PROTECT_API_BEARER_TOKEN", URL: "IBM_KEY_PROTECT_API_URL"}, got)
	got, err = SDKVars("hs-crypto-kms")
	require.NoError(t, err)
	assert.Equal(t, "HS_CRYPTO_KMS_URL", got.URL)
	assert.Equal(t, "bearerToken", AuthTypeBearerToken)
	for _, bad := range []string{"", "1kms", "my kms", "kms;rm", "kms=x", "k\u00e9", strings.Repeat("a", 101)} {
		_, err := SDKVars(bad)
		require.ErrorIs(t, err, &Error{Kind: BadService}, bad)
	}
}

// Every kind has its own message, none of them the fallback.
func TestEveryKindSaysSomething(t *testing.T) {
	for k := NoRef; k <= BadService; k++ {
		msg := (&Error{Kind: k, Ref: "x", Endpoint: "https://rc"}).Error()
		assert.NotEmpty(t, msg)
		assert.NotContains(t, msg, "unexpected", "kind %d", k)
	}
}

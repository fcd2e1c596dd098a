package kms

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

// decodeEntry reads what store writes as encoding/json would, and refuses what the writer never
// writes.
func TestDecodeEntry(t *testing.T) {
	want := cacheEntry{Key: "name:my-kp", At: 1796677003, Instance: Instance{Name: "my \"kp\" é", GUID: "0a1b2c3d-0000-4000-8000-00000000be01",
		CRN: "crn:v1:bluemix:public:hs-crypto:us-south:a/0123456789abcdef0123456789abcdef:0a1b2c3d-0000-4000-8000-00000000be01::", Service: HPCS,
		Region: "us-south", ResourceGroupID: "rg", Endpoints: Endpoints{Public: "https://a.example", Private: "https://b.example"}}}
	line, err := json.Marshal(want)
	assert.NoError(t, err)
	got, ok := decodeEntry(line)
	assert.True(t, ok)
	assert.Equal(t, want, got)

	for _, bad := range []string{
		`{"key":1,"at":1,"instance":{}}`, `{"key":"k","at":"1","instance":{}}`, `{"key":"k","at":1,"instance":[]}`,
		`{"key":"k","at":1,"instance":{"guid":false}}`, `{"key":"k","at":1,"instance":{"endpoints":{"public":1}}}`,
		`{"key":"k","at":1.5}`, `{"key":"k"`, `[]`,
	} {
		_, ok := decodeEntry([]byte(bad))
		assert.False(t, ok, bad)
	}
}

package wiring

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/kp-token/kp-token/plugin/source"
)

// The instance cache is keyed by the Resource Controller the CLI's configuration names (its
// cloud, region and network), or by the override's URL: never by one fixed value for every
// cloud, so an entry learned from one Resource Controller is never another's.
func TestCacheEndpointIsTheResourceControllersURL(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.json")
	write := func(doc string) *Runtime {
		t.Helper()
		if err := os.WriteFile(path, []byte(doc), 0o600); err != nil {
			t.Fatal(err)
		}
		return New(path, "kp-token", diskLoader(path, false)).WithGetenv(func(string) string { return "" })
	}
	rt := write(`{"IAMToken":"Bearer a"}`)
	assert.Equal(t, "https://resource-controller.cloud.ibm.com", rt.cacheEndpoint())
	rt = write(`{"IAMToken":"Bearer a","CloudName":"staging","Region":"eu-de","IsPrivate":true}`)
	assert.Equal(t, "https://private.eu-de.resource-controller.test.cloud.ibm.com", rt.cacheEndpoint())
	rt = write(`{"IAMToken":"Bearer a","Region":"eu-de","IsPrivate":true,"IsAccessFromVPC":true}`)
	assert.Equal(t, "https://private.resource-controller.cloud.ibm.com", rt.cacheEndpoint())

	rt = write(`{"IAMToken":"Bearer a","Region":"eu-de","IsPrivate":true}`)
	rt.getenv = func(name string) string {
		if name == "IBMCLOUD_RESOURCE_CONTROLLER_API_ENDPOINT" {
			return "http://127.0.0.1:9"
		}
		return ""
	}
	assert.Equal(t, "http://127.0.0.1:9", rt.cacheEndpoint())
	rt.getenv = func(string) string { return "not a URL" }
	assert.Equal(t, "", rt.cacheEndpoint(), "a bad override: no cache")

	// No configuration (an API key's run): IBM Cloud's public Resource Controller.
	rt = New(path, "kp-token", func(time.Time) (source.Config, error) { return nil, nil }).WithGetenv(func(string) string { return "" })
	assert.Equal(t, "https://resource-controller.cloud.ibm.com", rt.cacheEndpoint())
}

package kms

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A name that only instances of other services have is visible, just not usable: the message
// says which service it is, not that nothing has the name (issue 19, item 11).
func TestResolveANameOfAnotherServiceSaysWhichService(t *testing.T) {
	f := newResolverFixture(t)
	for ref, service := range map[string]string{"my-kp-db": "databases-for-postgresql", "bucket": "cloud-object-storage"} {
		_, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), ref, Choice{})
		require.ErrorIs(t, err, &Error{Kind: NotKMS}, ref)
		assert.Contains(t, err.Error(), "'"+ref+"' is an instance of the service '"+service+"', not of Key Protect")
		assert.NotContains(t, err.Error(), "visible")
	}

	// A Key Protect instance of the name wins over a database of the same name.
	res, err := f.resolver(testAccount).Resolve(ctxFor(t, 5*time.Second), "my-kp", Choice{})
	require.NoError(t, err)
	assert.Equal(t, guidKP1, res.Instance.GUID)
}

// Several services: each is named once.
func TestByNameOfSeveralOtherServices(t *testing.T) {
	rc := newFakeRC(t,
		record("thing", "databases-for-postgresql", "us-south", guidPG, nil),
		record("thing", "cloud-object-storage", "global", guidCOS, nil),
		record("thing", "databases-for-postgresql", "eu-de", "55555555-aaaa-4bbb-8ccc-000000000001", nil))
	_, err := rc.client().ByName(ctxFor(t, 5*time.Second), "thing")
	require.ErrorIs(t, err, &Error{Kind: NotKMS})
	assert.Equal(t, "cloud-object-storage, databases-for-postgresql", err.(*Error).Service)
}

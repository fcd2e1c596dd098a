package source

import "time"

// Limit is limit, for the external tests: the 30 s default is checked here, never waited for.
var Limit = limit

// ValidTokenWait is how long a refresh may hold up a token that is still valid.
func ValidTokenWait() time.Duration { return validTokenWait }

// SetValidTokenWait changes it until the test ends; the test must not run in parallel.
func SetValidTokenWait(t interface{ Cleanup(func()) }, d time.Duration) {
	old := validTokenWait
	validTokenWait = d
	t.Cleanup(func() { validTokenWait = old })
}

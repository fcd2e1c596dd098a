package source

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"time"

	"github.com/kp-token/kp-token/plugin/disk"
	"github.com/kp-token/kp-token/plugin/iam"
	"github.com/kp-token/kp-token/plugin/token"
)

// flight gets a token once for every process that wants one for the same file (config.json, a
// cache file) at the same moment. Whoever holds the file's lock runs fetch; the others wait for
// it, then run recheck, which finds the holder's token on disk (ok), and make no call. When the
// holder failed at IAM, it leaves the failure in the lock's note, and those queued behind it
// report that failure instead of each calling IAM again: only a failure met with the same
// secret at the same endpoint (the subject, a hash of both) after this process began, and
// never for --refresh (force). start is when this process began.
func (r *run) flight(ctx context.Context, path string, start time.Time, subject string, force bool,
	recheck func() (t token.Token, ok bool, err error), fetch func() (token.Token, error)) (token.Token, error) {
	lock, err := disk.LockFor(ctx, path)
	switch {
	case errors.Is(err, disk.ErrLockTimeout):
		return token.Token{}, &Error{Kind: LockTimeout, Path: path, Bound: r.iam.Bound}
	case err != nil:
		// No lock file anywhere (neither beside the file nor in the private directory): do
		// the work alone rather than not at all.
		lock = nil
	default:
		defer lock.Unlock()
		if e := failureSince(lock.Note(), start, r.clock(), subject); e != nil && !force {
			return token.Token{}, e
		}
	}
	if t, ok, err := recheck(); err != nil || ok {
		return t, err
	}
	t, err := fetch()
	if lock != nil {
		lock.SetNote(failureNote(err, r.clock(), subject))
	}
	return t, err
}

// Subject names a secret and the endpoint it goes to, without the secret: a failure note is
// honoured only for the same pair (a new login, another key, another endpoint: a new try).
func Subject(secret, endpoint string) string {
	sum := sha256.Sum256([]byte(secret + "\x00" + endpoint))
	return hex.EncodeToString(sum[:16])
}

// noteLife is how long after it was written a note is honoured: those queued behind a holder
// read it the moment the holder lets go. A note older than this, or stamped in the future (a
// clock that was wrong), is somebody else's story.
const noteLife = 10 * time.Second

// note is what a lock holder leaves when IAM failed it. It holds IAM's verdict and no secret.
type note struct {
	At       int64       `json:"at"` // Unix nanoseconds
	Subject  string      `json:"subject"`
	Kind     iam.Kind    `json:"kind"`
	Grant    iam.Grant   `json:"grant,omitempty"`
	Endpoint string      `json:"endpoint,omitempty"`
	Bound    int64       `json:"bound,omitempty"` // nanoseconds
	BoundBy  iam.BoundBy `json:"bound_by,omitempty"`
	Status   int         `json:"status,omitempty"`
	Code     string      `json:"code,omitempty"`
	Message  string      `json:"message,omitempty"`
	Expiry   int64       `json:"expiry,omitempty"`  // Unix seconds, of a token that came expired
	Profile  string      `json:"profile,omitempty"` // the trusted profile asked for (--assume)
}

// failureNote records an IAM failure, or clears the record (nil) after a success or any other
// failure.
func failureNote(err error, now time.Time, subject string) []byte {
	var e *iam.Error
	if err == nil || !errors.As(err, &e) {
		return nil
	}
	b, _ := json.Marshal(note{At: now.UnixNano(), Subject: subject, Kind: e.Kind, Grant: e.Grant, Endpoint: e.Endpoint, Bound: int64(e.Bound), BoundBy: e.BoundBy,
		Status: e.Status, Code: e.Code, Message: e.Message, Expiry: unixOrZero(e.Expiry), Profile: e.Profile})
	return b
}

// failureSince returns the failure a holder recorded for subject at or after start (while this
// process waited for the lock), no later than now and no earlier than noteLife before it; or nil.
func failureSince(b []byte, start, now time.Time, subject string) error {
	var n note
	if len(b) == 0 || json.Unmarshal(b, &n) != nil || n.Kind == 0 || n.Subject != subject ||
		n.At < start.UnixNano() || n.At > now.UnixNano() || n.At < now.Add(-noteLife).UnixNano() {
		return nil
	}
	e := &iam.Error{Kind: n.Kind, Grant: n.Grant, Endpoint: n.Endpoint, Bound: time.Duration(n.Bound), BoundBy: n.BoundBy, Status: n.Status, Code: n.Code, Message: n.Message, Profile: n.Profile}
	if n.Expiry != 0 {
		e.Expiry = time.Unix(n.Expiry, 0)
	}
	return e
}

func unixOrZero(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.Unix()
}

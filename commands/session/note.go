package session

import (
	"encoding/json"
	"errors"
	"time"
)

// note is what a refresh lock holder leaves when IAM failed it, so that the processes queued
// behind it report the same failure instead of each calling IAM again.
type note struct {
	At       int64  `json:"at"` // Unix nanoseconds
	Kind     Kind   `json:"kind"`
	Endpoint string `json:"endpoint,omitempty"`
	Bound    int64  `json:"bound,omitempty"` // nanoseconds
	Status   int    `json:"status,omitempty"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message,omitempty"`
	Expiry   int64  `json:"expiry,omitempty"` // Unix seconds, of a token that came expired
}

// failureNote records err, or clears the record (nil) after a success. Only IAM's verdicts are
// recorded; they carry no secret.
func failureNote(err error, now time.Time) []byte {
	var e *Error
	if err == nil || !errors.As(err, &e) {
		return nil
	}
	b, _ := json.Marshal(note{At: now.UnixNano(), Kind: e.Kind, Endpoint: e.Endpoint, Bound: int64(e.Bound),
		Status: e.Status, Code: e.Code, Message: e.Message, Expiry: unixOrZero(e.Expiry)})
	return b
}

// failureSince returns the failure a holder recorded at or after start (while this process
// waited for the lock), or nil.
func failureSince(b []byte, start time.Time) error {
	var n note
	if len(b) == 0 || json.Unmarshal(b, &n) != nil || n.Kind == 0 || n.At < start.UnixNano() {
		return nil
	}
	e := &Error{Kind: n.Kind, Endpoint: n.Endpoint, Bound: time.Duration(n.Bound), Status: n.Status, Code: n.Code, Message: n.Message}
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

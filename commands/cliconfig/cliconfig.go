// Package cliconfig reads and updates the IBM Cloud CLI's config.json without the SDK's
// hazards: the SDK replaces a config.json that fails to parse with an empty one, and writes
// with a plain truncate-and-write. Here a broken file is reported and left alone, and an update
// is written to a temporary file, synced and renamed over the original, so a crash at any
// instant leaves the old file or the new one.
package cliconfig

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/config_helpers"
	"github.com/IBM-Cloud/ibm-cloud-cli-sdk/bluemix/configuration/core_config"
	"github.com/gofrs/flock"
)

// Path is where the CLI keeps its config: $IBMCLOUD_CONFIG_HOME, else ~/.ibmcloud if it exists,
// else ~/.bluemix, where ~ is $IBMCLOUD_HOME or $HOME. The SDK's own rule, so we read what the
// CLI writes.
func Path() string { return config_helpers.ConfigFilePath() }

// ProblemKind says why a config.json cannot be used.
type ProblemKind int

// The ways a config.json can be unusable.
const (
	Missing ProblemKind = iota + 1
	Unreadable
	IsDirectory
	Empty
	Corrupt
)

// Problem is a config.json that cannot be used. Err never holds the file's content.
type Problem struct {
	Kind ProblemKind
	Path string
	Err  error
}

func (p *Problem) Error() string {
	return fmt.Sprintf("config %s: kind %d: %v", p.Path, p.Kind, p.Err)
}

func (p *Problem) Unwrap() error { return p.Err }

// Check reads path the way the SDK will (the same struct and the same decoding), and reports
// a problem instead of letting the SDK see it. It must run before the SDK loads the config.
func Check(path string) (*core_config.BXConfigData, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, classify(path, err)
	}
	return parse(path, data)
}

func classify(path string, err error) error {
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return &Problem{Missing, path, err}
	case errors.Is(err, fs.ErrPermission):
		return &Problem{Unreadable, path, err}
	}
	if info, statErr := os.Stat(path); statErr == nil && info.IsDir() {
		return &Problem{IsDirectory, path, err}
	}
	return &Problem{Unreadable, path, err}
}

func parse(path string, data []byte) (*core_config.BXConfigData, error) {
	if len(data) == 0 {
		return nil, &Problem{Empty, path, errors.New("empty file")}
	}
	cfg := core_config.NewBXConfigData()
	if err := cfg.Unmarshal(data); err != nil {
		return nil, &Problem{Corrupt, path, sanitize(err)}
	}
	return cfg, nil
}

// sanitize keeps the position of a syntax error but not the text around it, which could be
// part of a token.
func sanitize(err error) error {
	var syn *json.SyntaxError
	if errors.As(err, &syn) {
		return fmt.Errorf("invalid JSON at byte %d", syn.Offset)
	}
	var typ *json.UnmarshalTypeError
	if errors.As(err, &typ) {
		return fmt.Errorf("field %s holds a JSON %s", typ.Field, typ.Value)
	}
	return errors.New("invalid JSON")
}

// Tokens are the session's tokens as config.json holds them.
type Tokens struct {
	Access  string // "Bearer <jwt>"
	Refresh string
}

// ReadTokens reads the tokens as they are on disk now (another process may have written them
// since the SDK loaded the config).
func ReadTokens(path string) (Tokens, error) {
	cfg, err := Check(path)
	if err != nil {
		return Tokens{}, err
	}
	return Tokens{Access: cfg.IAMToken, Refresh: cfg.IAMRefreshToken}, nil
}

const retryLock = 20 * time.Millisecond

// LockRefresh takes the single-flight lock that makes concurrent processes refresh once: a lock
// file beside config.json, so the config itself stays free for the CLI while IAM answers. The
// OS releases it if the holder dies. It waits until ctx is done.
func LockRefresh(ctx context.Context, path string) (unlock func(), err error) {
	return lock(ctx, path+".kp-token.lock")
}

func lock(ctx context.Context, path string) (func(), error) {
	l := flock.New(path)
	ok, err := l.TryLockContext(ctx, retryLock)
	if err != nil || !ok {
		if err == nil || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
			return nil, ErrLockTimeout
		}
		return nil, err
	}
	return func() { _ = l.Unlock() }, nil
}

// ErrLockTimeout means another process held a lock for longer than our bound.
var ErrLockTimeout = errors.New("timed out waiting for a lock")

// SaveTokens writes new tokens into config.json, keeping every other field, under the same
// flock the SDK takes on config.json. The file is replaced atomically with mode 0600.
func SaveTokens(ctx context.Context, path string, t Tokens, now time.Time) error {
	unlock, err := lock(ctx, path)
	if err != nil {
		return err
	}
	defer unlock()

	data, err := os.ReadFile(path)
	if err != nil {
		return classify(path, err)
	}
	if _, err := parse(path, data); err != nil {
		return err
	}
	// A map of raw values keeps fields the SDK's struct does not know, exactly as they are.
	// encoding/json sorts map keys, which is also how the SDK writes this file.
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(data, &fields); err != nil {
		return &Problem{Corrupt, path, sanitize(err)}
	}
	for key, value := range map[string]string{"IAMToken": t.Access, "IAMRefreshToken": t.Refresh} {
		raw, _ := json.Marshal(value)
		fields[key] = raw
	}
	// The SDK stamps every refresh; the CLI uses it for its session bookkeeping.
	fields["LastSessionUpdateTime"] = json.RawMessage(strconv.FormatInt(now.Unix(), 10))

	out, err := json.MarshalIndent(fields, "", "  ")
	if err != nil {
		return err
	}
	return WriteAtomic(path, out, 0o600)
}

// WriteAtomic replaces path with data: write a temporary file in the same directory, sync it,
// rename it over path, then sync the directory so the rename itself survives a crash.
func WriteAtomic(path string, data []byte, mode os.FileMode) (err error) {
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			_ = os.Remove(tmp.Name())
		}
	}()
	if err = tmp.Chmod(mode); err != nil {
		_ = tmp.Close()
		return err
	}
	if _, err = tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Sync(); err != nil {
		_ = tmp.Close()
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), path); err != nil {
		return err
	}
	if d, derr := os.Open(dir); derr == nil {
		_ = d.Sync()
		_ = d.Close()
	}
	removeStale(dir, "."+filepath.Base(path)+".tmp-*")
	return nil
}

// removeStale deletes temporary files that a process killed mid-write left behind (they hold
// tokens). Only old ones: a young one may belong to a writer still at work.
func removeStale(dir, pattern string) {
	matches, _ := filepath.Glob(filepath.Join(dir, pattern))
	for _, m := range matches {
		if info, err := os.Stat(m); err == nil && time.Since(info.ModTime()) > time.Minute {
			_ = os.Remove(m)
		}
	}
}

//go:build !unix

package httpcall

import (
	"errors"
	"os"

	"github.com/kp-token/kp-token/i18n"
)

// openTrace opens the trace file to append to, only when it is a regular file (or is created
// as one): a link is not followed.
func openTrace(path string) (*os.File, error) {
	if info, err := os.Lstat(path); err == nil && !info.Mode().IsRegular() {
		return nil, &os.PathError{Op: "open", Path: path, Err: errors.New(i18n.T("it is not a regular file"))}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		return nil, err
	}
	if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
		_ = f.Close()
		return nil, &os.PathError{Op: "open", Path: path, Err: errors.New(i18n.T("it is not a regular file"))}
	}
	return f, nil
}

//go:build unix

package httpcall

import (
	"errors"
	"os"
	"syscall"

	"github.com/kp-token/kp-token/i18n"
)

// openTrace opens the trace file to append to, without ever waiting or writing elsewhere: a
// symbolic link is not followed (a planted kp-trace.log -> ~/.bashrc), a FIFO is not waited on
// for a reader (O_NONBLOCK), and only a regular file of the user's own is written.
func openTrace(path string) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND|os.O_CREATE|syscall.O_NOFOLLOW|syscall.O_NONBLOCK|syscall.O_CLOEXEC, 0o600)
	if errors.Is(err, syscall.ELOOP) || errors.Is(err, syscall.ENXIO) || errors.Is(err, syscall.EISDIR) {
		// A link, a FIFO without a reader, a directory.
		return nil, &os.PathError{Op: "open", Path: path, Err: errors.New(i18n.T("it is not a regular file"))}
	}
	if err != nil {
		return nil, err
	}
	info, err := f.Stat()
	if err == nil && !info.Mode().IsRegular() {
		err = &os.PathError{Op: "open", Path: path, Err: errors.New(i18n.T("it is not a regular file"))}
	}
	if err == nil {
		if st, ok := info.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
			err = &os.PathError{Op: "open", Path: path, Err: errors.New(i18n.T("another user owns it"))}
		}
	}
	if err != nil {
		_ = f.Close()
		return nil, err
	}
	return f, nil
}

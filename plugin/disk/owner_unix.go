//go:build unix

package disk

import (
	"os"
	"syscall"

	"github.com/kp-token/kp-token/i18n"
)

// keepOwner gives tmp the owner and group of the file it will replace. Only root can give a
// file away, so for everyone else a differing owner is an error: renaming would hand the
// user's config to the wrong account.
func keepOwner(tmp *os.File, original os.FileInfo) error {
	st, ok := original.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	mine, err := tmp.Stat()
	if err != nil {
		return err
	}
	if cur, ok := mine.Sys().(*syscall.Stat_t); ok && cur.Uid == st.Uid && cur.Gid == st.Gid {
		return nil
	}
	return tmp.Chown(int(st.Uid), int(st.Gid))
}

// checkOwner refuses what another user owns.
func checkOwner(info os.FileInfo) error {
	st, ok := info.Sys().(*syscall.Stat_t)
	if ok && int(st.Uid) != os.Geteuid() {
		return &ownerError{}
	}
	return nil
}

type ownerError struct{}

func (*ownerError) Error() string { return i18n.T("another user owns it") }

//go:build unix

package disk

import (
	"os"
	"syscall"
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

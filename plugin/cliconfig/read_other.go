//go:build !unix

package cliconfig

import (
	"os"
	"time"
)

// readFile reads config.json. The SDK takes no lock on config.json on Windows either (its
// windowsLockedRead and windowsLockedWrite are plain reads and writes).
func readFile(path string, _ time.Time) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if err := checkFile(f, path); err != nil {
		return nil, err
	}
	return readAll(f, path)
}

//go:build !unix

package cliconfig

import "os"

// readFile reads config.json. The SDK takes no lock on config.json on Windows either (its
// windowsLockedRead and windowsLockedWrite are plain reads and writes).
func readFile(path string) ([]byte, error) { return os.ReadFile(path) }

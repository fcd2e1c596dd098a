//go:build !unix

package source

// openNoWait has nothing to add where opening a file does not wait on its other end.
const openNoWait = 0

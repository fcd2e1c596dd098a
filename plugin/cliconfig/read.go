package cliconfig

import (
	"io"
	"os"
)

// checkFile refuses what config.json must not be: not a regular file (a FIFO, a device such as
// /dev/zero behind a link), or larger than MaxSize.
func checkFile(f *os.File, path string) error {
	info, err := f.Stat()
	if err != nil {
		return err
	}
	if info.IsDir() {
		return &Problem{Kind: IsDirectory, Path: path}
	}
	if !info.Mode().IsRegular() {
		return &Problem{Kind: NotAFile, Path: path}
	}
	if info.Size() > MaxSize {
		return &Problem{Kind: TooLarge, Path: path}
	}
	return nil
}

// readAll reads f whole, up to MaxSize: a file that grows past it is refused.
func readAll(f *os.File, path string) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(f, MaxSize+1))
	if err == nil && len(data) > MaxSize {
		return nil, &Problem{Kind: TooLarge, Path: path}
	}
	return data, err
}

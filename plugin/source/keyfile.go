package source

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
)

// maxKeyFile bounds what is read for a key: a key file is tens of bytes, its JSON a few hundred.
const maxKeyFile = 64 << 10

// KeyError is an --apikey that gives no usable key: a file that is missing, unreadable or holds
// something else. The command line is right, so it is no usage error. Its text says what to do
// and never holds the key.
type KeyError struct{ msg string }

// UserFacing marks the error as written for the user (commands.UserFacing).
func (*KeyError) UserFacing() {}

func (e *KeyError) Error() string { return e.msg }

func keyErrorf(msg string) error { return &KeyError{msg} }

// readKey resolves --apikey: @FILE (the bare key, or the JSON that 'ibmcloud iam
// api-key-create --file' and 'service-api-key-create --file' write), @- (standard input), or
// the key itself, which works but is visible in the process list and the shell's history, so
// it is warned about. "" means no flag: the caller falls back to $IBMCLOUD_API_KEY, then the
// session. No error ever contains the key.
func readKey(flag string, stdin io.Reader, warn func(string)) (string, error) {
	if flag == "" {
		return "", nil
	}
	if !strings.HasPrefix(flag, "@") {
		warn(i18n.T("WARNING: An API key given on the command line is visible to other users in the process list and stays in your shell history. Use --apikey @FILE, --apikey @- or IBMCLOUD_API_KEY instead."))
		return checkKey(flag, fromCommandLine)
	}
	where := flag[1:]
	var data []byte
	var err error
	if where == "-" {
		if f, ok := stdin.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			// Reading a terminal to its end would wait, silently, for Ctrl-D.
			return "", keyErrorf(i18n.T("--apikey @- reads the key from standard input, which is a terminal. Pipe the key in, or use --apikey @FILE."))
		}
		where = fromStdin
		data, err = io.ReadAll(io.LimitReader(stdin, maxKeyFile))
	} else {
		if where, err = expandHome(where, false); err != nil {
			return "", err
		}
		data, err = readKeyFile(where)
		if err == nil {
			warnIfShared(where, warn)
		}
	}
	if err != nil {
		return "", unreadable(where, err)
	}
	data = bytes.TrimSpace(data)
	if bytes.HasPrefix(data, []byte("{")) {
		var file struct {
			APIKey *string `json:"apikey"`
		}
		if json.Unmarshal(data, &file) != nil || file.APIKey == nil {
			return "", keyErrorf(bySource(where,
				i18n.T("The API key from standard input is JSON without an 'apikey' field. Use the file that 'ibmcloud iam api-key-create NAME --file FILE' writes."), "",
				func(w string) string {
					return i18n.T("The API key from {{.Where}} is JSON without an 'apikey' field. Use the file that 'ibmcloud iam api-key-create NAME --file FILE' writes.", map[string]any{"Where": w})
				}))
		}
		return checkKey(*file.APIKey, where)
	}
	return checkKey(string(data), where)
}

// readAPIKey is readKey bounded by the run's deadline when --timeout gives one (the hook's
// runs): a key file that is a FIFO or a pipe nobody writes to must not hold a prompt. Without
// it a pipe is waited for, as cat would: its writer may be a password manager asking for a
// passphrase.
func readAPIKey(req Request, deadline time.Time) (string, error) {
	if req.Timeout <= 0 || !strings.HasPrefix(req.APIKey, "@") {
		return readKey(req.APIKey, req.Stdin, req.Warn)
	}
	type read struct {
		key string
		err error
	}
	done := make(chan read, 1)
	go func() {
		key, err := readKey(req.APIKey, req.Stdin, req.Warn)
		done <- read{key, err}
	}()
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	select {
	case r := <-done:
		return r.key, r.err
	case <-timer.C:
		// The reader stays blocked in open or read; the process is about to exit. Not a
		// usage error: the command line is right, and a prompt must not get the whole help.
		where := req.APIKey[1:]
		if where == "-" {
			where = fromStdin
		}
		return "", &Error{Kind: KeyTimeout, Path: where, Bound: req.Timeout}
	}
}

// CheckKeyFile reads the key file at path, or with container the container-token file, as a
// run reads a token file (hook checks the file it writes into a profile), and returns its
// absolute path. Only an API key's file is warned about when others may read it: Kubernetes
// projects container tokens readable by all, and a container token is bound to its pod.
func CheckKeyFile(path string, container bool, warn func(string)) (string, error) {
	path, err := expandHome(path, container)
	if err != nil {
		return "", err
	}
	if path, err = filepath.Abs(path); err != nil {
		return "", err
	}
	// A regular file only, never waited on: the hook writes its path into a profile, read at
	// every shell's start.
	if _, err := readRegular(context.Background(), path); err != nil {
		if container {
			return "", unreadableToken(path, err)
		}
		return "", unreadable(path, err)
	}
	if !container {
		warnIfShared(path, warn)
	}
	return path, nil
}

// expandHome reads a leading ~/ as the user's home directory, as a shell would have had the
// path been typed without the @ in front of it; its errors name the container token with
// container, else the API key.
func expandHome(path string, container bool) (string, error) {
	if !strings.HasPrefix(path, "~") {
		return path, nil
	}
	rest, ok := strings.CutPrefix(path, "~/")
	if !ok && path != "~" {
		args := map[string]any{"Where": safetext.Quote(path)}
		if container {
			return "", keyErrorf(i18n.T("Cannot read the container token from {{.Where}}: only ~/ stands for a home directory here. Give the whole path.", args))
		}
		return "", keyErrorf(i18n.T("Cannot read the API key from {{.Where}}: only ~/ stands for a home directory here. Give the whole path.", args))
	}
	home, err := os.UserHomeDir()
	if err != nil {
		args := map[string]any{"Where": safetext.Quote(path), "Error": safetext.OSError(err)}
		if container {
			return "", keyErrorf(i18n.T("Cannot read the container token from {{.Where}}: there is no home directory to read ~ as ({{.Error}}). Give the whole path.", args))
		}
		return "", keyErrorf(i18n.T("Cannot read the API key from {{.Where}}: there is no home directory to read ~ as ({{.Error}}). Give the whole path.", args))
	}
	return filepath.Join(home, rest), nil
}

// warnIfShared warns, as ssh does for a private key, when other users may read the key file.
func warnIfShared(path string, warn func(string)) {
	info, err := os.Stat(path)
	if err != nil || runtime.GOOS == "windows" || info.Mode().Perm()&0o077 == 0 {
		return
	}
	warn(i18n.T("WARNING: The API key file '{{.Path}}' can be read by other users (mode {{.Mode}}). Run 'chmod 600 {{.Path}}'.",
		map[string]any{"Path": safetext.Quote(path), "Mode": fmt.Sprintf("%04o", info.Mode().Perm())}))
}

func unreadable(where string, err error) error {
	if where == fromStdin {
		return keyErrorf(i18n.T("Cannot read the API key from standard input: {{.Error}}.", map[string]any{"Error": safetext.OSError(err)}))
	}
	return keyErrorf(i18n.T("Cannot read the API key from {{.Where}}: {{.Error}}. Check that it exists and that you can read it.",
		map[string]any{"Where": safetext.Quote(where), "Error": safetext.OSError(err)}))
}

// readKeyFile reads a key file whole (it is small), refusing a directory.
func readKeyFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if info, err := f.Stat(); err == nil && info.IsDir() {
		return nil, &fs.PathError{Op: "read", Path: path, Err: errors.New(i18n.T("is a directory"))}
	}
	return io.ReadAll(io.LimitReader(f, maxKeyFile))
}

// readRegular reads a token file, which must be a regular file (through links, as Kubernetes
// projects its tokens), without ever waiting on it: opened without blocking (a FIFO with no
// writer is not waited for), refused unless regular, and read by ctx's deadline, the run's.
func readRegular(ctx context.Context, path string) ([]byte, error) {
	type read struct {
		data []byte
		err  error
	}
	done := make(chan read, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_RDONLY|openNoWait, 0)
		if err != nil {
			done <- read{nil, err}
			return
		}
		defer f.Close()
		if info, err := f.Stat(); err != nil || !info.Mode().IsRegular() {
			if err == nil {
				err = &fs.PathError{Op: "read", Path: path, Err: errors.New(i18n.T("it is not a regular file"))}
			}
			done <- read{nil, err}
			return
		}
		data, err := io.ReadAll(io.LimitReader(f, maxKeyFile))
		done <- read{data, err}
	}()
	select {
	case r := <-done:
		return r.data, r.err
	case <-ctx.Done():
		return nil, &fs.PathError{Op: "read", Path: path, Err: os.ErrDeadlineExceeded}
	}
}

// checkKey refuses what cannot be an API key (IBM's are printable ASCII without spaces),
// without repeating it.
// A key or token that came from no file is named by one of these, never by a translated word
// composed into a sentence: languages word "from standard input" and "given on the command
// line" each their own way (articles, particles), so each has whole sentences of its own. No
// path holds a NUL.
const (
	fromStdin       = "\x00stdin"
	fromCommandLine = "\x00command line"
)

// bySource is the sentence for where: standard input's, the command line's, or file's with the
// path quoted.
func bySource(where, stdin, commandLine string, file func(quoted string) string) string {
	switch where {
	case fromStdin:
		return stdin
	case fromCommandLine:
		return commandLine
	}
	return file(safetext.Quote(where))
}

func checkKey(key, where string) (string, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return "", keyErrorf(bySource(where,
			i18n.T("The API key from standard input is empty. Give the key itself, or the file that 'ibmcloud iam api-key-create NAME --file FILE' writes."),
			i18n.T("The API key given on the command line is empty. Give the key itself, or the file that 'ibmcloud iam api-key-create NAME --file FILE' writes."),
			func(w string) string {
				return i18n.T("The API key from {{.Where}} is empty. Give the key itself, or the file that 'ibmcloud iam api-key-create NAME --file FILE' writes.", map[string]any{"Where": w})
			}))
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] >= 0x7f {
			return "", keyErrorf(bySource(where,
				i18n.T("The API key from standard input holds spaces or characters an API key does not have. Check that it is the key itself, copied whole."),
				i18n.T("The API key given on the command line holds spaces or characters an API key does not have. Check that it is the key itself, copied whole."),
				func(w string) string {
					return i18n.T("The API key from {{.Where}} holds spaces or characters an API key does not have. Check that it is the key itself, copied whole.", map[string]any{"Where": w})
				}))
		}
	}
	return key, nil
}

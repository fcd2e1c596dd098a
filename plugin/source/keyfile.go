package source

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/mattn/go-isatty"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/safetext"
)

// maxKeyFile bounds what is read for a key: a key file is tens of bytes, its JSON a few hundred.
const maxKeyFile = 64 << 10

// UsageError is a mistake in what the command line asks for, such as an --apikey that names
// no readable key. Its text says what to do and never holds the key.
type UsageError struct{ msg string }

func (e *UsageError) Error() string { return e.msg }

func usageErrorf(msg string) error { return &UsageError{msg} }

// readAPIKey resolves --apikey: @FILE (the bare key, or the JSON that 'ibmcloud iam
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
		return checkKey(flag, i18n.T("the command line"))
	}
	where := flag[1:]
	var data []byte
	var err error
	if where == "-" {
		if f, ok := stdin.(*os.File); ok && isatty.IsTerminal(f.Fd()) {
			// Reading a terminal to its end would wait, silently, for Ctrl-D.
			return "", usageErrorf(i18n.T("--apikey @- reads the key from standard input, which is a terminal. Pipe the key in, or use --apikey @FILE."))
		}
		where = i18n.T("standard input")
		data, err = io.ReadAll(io.LimitReader(stdin, maxKeyFile))
	} else {
		data, err = readKeyFile(where)
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
			return "", usageErrorf(i18n.T("The API key from {{.Where}} is JSON without an 'apikey' field. Use the file that 'ibmcloud iam api-key-create NAME --file FILE' writes.", map[string]any{"Where": safetext.Quote(where)}))
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
			where = i18n.T("standard input")
		}
		return "", &Error{Kind: KeyTimeout, Path: safetext.Quote(where), Bound: req.Timeout}
	}
}

// CheckKeyFile reports whether the key file at path can be read (hook checks the file it writes
// into a profile).
func CheckKeyFile(path string) error {
	if _, err := readKeyFile(path); err != nil {
		return unreadable(path, err)
	}
	return nil
}

func unreadable(where string, err error) error {
	return usageErrorf(i18n.T("Cannot read the API key from {{.Where}}: {{.Error}}. Check that it exists and that you can read it.",
		map[string]any{"Where": safetext.Quote(where), "Error": ErrorText(err)}))
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

// checkKey refuses what cannot be an API key (IBM's are printable ASCII without spaces),
// without repeating it.
func checkKey(key, where string) (string, error) {
	key = strings.TrimSpace(key)
	if key == "" {
		return "", usageErrorf(i18n.T("The API key from {{.Where}} is empty. Give the key itself, or the file that 'ibmcloud iam api-key-create NAME --file FILE' writes.", map[string]any{"Where": safetext.Quote(where)}))
	}
	for i := 0; i < len(key); i++ {
		if key[i] <= ' ' || key[i] >= 0x7f {
			return "", usageErrorf(i18n.T("The API key from {{.Where}} holds spaces or characters an API key does not have. Check that it is the key itself, copied whole.", map[string]any{"Where": safetext.Quote(where)}))
		}
	}
	return key, nil
}

// ErrorText is an OS error without the path and operation Go puts before it.
func ErrorText(err error) string {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

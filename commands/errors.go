package commands

import (
	"errors"

	"github.com/spf13/pflag"

	"github.com/kp-token/kp-token/plugin/safetext"

	"github.com/spf13/cobra"

	"github.com/kp-token/kp-token/i18n"
)

// report prints err as the CLI does and returns the exit status: a usage error gets IBM's
// `Incorrect Usage` and the command's help; any other error FAILED and one message. For the
// shell hook's runs, one line either way.
func report(d *Deps, cmd *cobra.Command, err error) int {
	w := d.Stderr
	var ue *usageError
	if errors.As(err, &ue) {
		msg := i18n.T("Incorrect Usage: {{.Error}}", map[string]any{"Error": err.Error()})
		if d.brief {
			oneLine(w, msg)
			return 1
		}
		Failed(w, msg+"\n")
		writeHelp(w, cmd)
		return 1
	}
	var st *statusError
	if errors.As(err, &st) && st.msg == "" {
		return st.code // said already
	}
	if d.brief {
		oneLine(w, describe(err))
	} else {
		Failed(w, describe(err))
	}
	if st != nil {
		return st.code
	}
	return 1
}

// usageError is a mistake in the command line.
type usageError struct{ err error }

func (e *usageError) Error() string { return e.err.Error() }

func usageErrorf(msg string) error { return &usageError{errors.New(msg)} }

// statusError is a failure with its own exit status; without a message, one that was reported
// already.
type statusError struct {
	code int
	msg  string
}

func (e *statusError) Error() string { return e.msg }

// UserFacing is what every package's errors for the user have: their text says what went
// wrong and what to do, and never holds a secret. Any other error is unexpected.
type UserFacing interface {
	error
	UserFacing()
}

// UserFacing marks statusError as written for the user.
func (*statusError) UserFacing() {}

// describe turns an error into the sentence the user reads.
func describe(err error) string {
	var uf UserFacing
	if errors.As(err, &uf) {
		return err.Error()
	}
	return i18n.T("An unexpected error occurred: {{.Error}}", map[string]any{"Error": err.Error()})
}

// flagError says in our words what pflag found wrong with the command line (its own text is
// English only).
func flagError(err error) error {
	var (
		notExist *pflag.NotExistError
		noValue  *pflag.ValueRequiredError
		invalid  *pflag.InvalidValueError
		syntax   *pflag.InvalidSyntaxError
	)
	switch {
	case errors.As(err, &notExist):
		flag := "--" + notExist.GetSpecifiedName()
		if s := notExist.GetSpecifiedShortnames(); s != "" {
			flag = "-" + notExist.GetSpecifiedName()
		}
		return usageErrorf(i18n.T("'{{.Flag}}' is not an option of this command.", map[string]any{"Flag": safetext.Quote(flag)}))
	case errors.As(err, &noValue):
		return usageErrorf(i18n.T("--{{.Flag}} needs a value.", map[string]any{"Flag": noValue.GetFlag().Name}))
	case errors.As(err, &invalid):
		f := invalid.GetFlag()
		args := map[string]any{"Flag": f.Name, "Value": safetext.Quote(invalid.GetValue())}
		switch f.Value.Type() {
		case "duration":
			return usageErrorf(i18n.T("'{{.Value}}' is not a duration for --{{.Flag}}. Give one such as 30s, 10m or 1h30m.", args))
		case "bool":
			return usageErrorf(i18n.T("--{{.Flag}} takes no value, or true or false; '{{.Value}}' is neither.", args))
		}
		return usageErrorf(i18n.T("'{{.Value}}' is not a valid value for --{{.Flag}}.", args))
	case errors.As(err, &syntax):
		return usageErrorf(i18n.T("'{{.Flag}}' is not an option: options start with -- and have a name.", map[string]any{"Flag": safetext.Quote(syntax.GetSpecifiedFlag())}))
	}
	return &usageError{err}
}

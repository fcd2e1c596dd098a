package commands_test

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/kp-token/kp-token/commands"
	"github.com/kp-token/kp-token/plugin/iamtest"
	"github.com/kp-token/kp-token/plugin/kms"
	"github.com/kp-token/kp-token/plugin/source"
	"github.com/kp-token/kp-token/plugin/token"
)

// showAccount is the account iamtest's tokens are for.
const showAccount = "0123456789abcdef0123456789abcdef"

// showRows reads show's table: each line a label, three spaces or more, a value; every value
// starts in the one column after the longest label. It returns the labels in order and the
// values by label.
func showRows(t *testing.T, stdout string) ([]string, map[string]string) {
	t.Helper()
	require.True(t, strings.HasSuffix(stdout, "\n"), "%q", stdout)
	var labels []string
	values := map[string]string{}
	width, column := 0, -1
	for _, line := range strings.Split(strings.TrimSuffix(stdout, "\n"), "\n") {
		m := regexp.MustCompile(`^(\S+(?: \S+)*)( {3,})(\S.*)$`).FindStringSubmatch(line)
		require.NotNil(t, m, "a label and a value: %q", line)
		labels = append(labels, m[1])
		values[m[1]] = m[3]
		width = max(width, len([]rune(m[1])))
		if column < 0 {
			column = len([]rune(m[1] + m[2]))
		}
		assert.Equal(t, column, len([]rune(m[1]+m[2])), "values in one column: %q", line)
	}
	assert.Equal(t, width+3, column, "three spaces after the longest label")
	return labels, values
}

// minutesLeft is show's "Time left" for exp as seen at some instant between before and after:
// it returns the row's value with its number replaced by N, after checking the number is one
// show could have printed in that window.
func minutesLeft(t *testing.T, value string, exp, before, after time.Time) string {
	t.Helper()
	m := regexp.MustCompile(`^(\d+) minutes$`).FindStringSubmatch(value)
	require.NotNil(t, m, "%q", value)
	n, err := strconv.Atoi(m[1])
	require.NoError(t, err)
	assert.GreaterOrEqual(t, n, int(exp.Sub(after)/time.Minute))
	assert.LessOrEqual(t, n, int(exp.Sub(before)/time.Minute))
	return "N minutes"
}

// expiresIn checks show's JSON expires_in against exp as seen between before and after, and
// removes it from got.
func expiresIn(t *testing.T, got map[string]any, exp, before, after time.Time) {
	t.Helper()
	v, ok := got["expires_in"].(float64)
	require.True(t, ok, "expires_in is a number: %v", got["expires_in"])
	assert.GreaterOrEqual(t, v, float64(int64(exp.Sub(after)/time.Second)))
	assert.LessOrEqual(t, v, float64(int64(exp.Sub(before)/time.Second)))
	delete(got, "expires_in")
}

// noControl fails for any character that could steer a terminal: C0 but newline, DEL, C1, and
// the bidirectional overrides and isolates.
func noControl(t *testing.T, what, out string) {
	t.Helper()
	for _, c := range out {
		assert.False(t, c < 0x20 && c != '\n' || c == 0x7f || c >= 0x80 && c < 0xa0 || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069,
			"%s: %U reached stdout:\n%q", what, c, out)
	}
}

// show's own logic on a fake source: the table and the JSON for each kind of identity and
// token source, from the token's claims and the source's description, asking only to peek.
func TestShow(t *testing.T) {
	t.Parallel()
	const iamURL = "https://iam.test.example"
	session := token.Info{Source: token.FromSession, RefreshToken: true, Endpoint: iamURL, EndpointSource: token.EndpointFromEnv, Region: "us-south", RenewsAt: iamURL}
	for _, tc := range []struct {
		name   string
		claims iamtest.Claims
		info   token.Info
		labels []string          // the rows, in order
		rows   map[string]string // the rows that differ from a user's login session
		json   map[string]any    // the fields that differ from a user's login session
	}{
		{name: "user", claims: iamtest.Claims{Email: "jane.doe@example.com", IAMID: "IBMid-2700012345"}, info: session},
		{name: "service ID", claims: iamtest.Claims{SubType: "ServiceId", IAMID: "iam-ServiceId-1234"}, info: session,
			labels: []string{"Service ID"},
			rows:   map[string]string{"Service ID": "Jane Doe (ServiceId-1234)", "IAM ID": "iam-ServiceId-1234"},
			json:   map[string]any{"subject_type": "service_id", "subject": "ServiceId-1234", "iam_id": "iam-ServiceId-1234", "email": ""}},
		{name: "trusted profile", claims: iamtest.Claims{SubType: "Profile", IAMID: "iam-Profile-5678"}, info: session,
			labels: []string{"Trusted profile"},
			rows:   map[string]string{"Trusted profile": "Jane Doe (Profile-5678)", "IAM ID": "iam-Profile-5678"},
			json:   map[string]any{"subject_type": "trusted_profile", "subject": "Profile-5678", "iam_id": "iam-Profile-5678", "email": ""}},
		{name: "API key", claims: iamtest.Claims{SubType: "ServiceId", IAMID: "iam-ServiceId-1234"},
			info:   token.Info{Source: token.FromAPIKey, Endpoint: iamURL, EndpointSource: token.EndpointPrivate, RenewsAt: iamURL},
			labels: []string{"Service ID"},
			rows: map[string]string{"Service ID": "Jane Doe (ServiceId-1234)", "IAM ID": "iam-ServiceId-1234", "Token source": "API key",
				"Logged in with": "API key", "Refresh token": "no", "IAM endpoint": iamURL + " (private)", "Region": "none targeted"},
			json: map[string]any{"subject_type": "service_id", "subject": "ServiceId-1234", "iam_id": "iam-ServiceId-1234", "email": "",
				"token_source": "api_key", "login": "api_key", "refresh_token_held": false, "iam_endpoint_type": "private", "region": ""}},
		{name: "container token", claims: iamtest.Claims{SubType: "Profile", IAMID: "iam-Profile-5678"},
			info:   token.Info{Source: token.FromContainer, Endpoint: iamURL, EndpointSource: token.EndpointPublic, Region: "eu-de", RenewsAt: iamURL},
			labels: []string{"Trusted profile"},
			rows: map[string]string{"Trusted profile": "Jane Doe (Profile-5678)", "IAM ID": "iam-Profile-5678", "Token source": "container token",
				"Logged in with": "container token, for a trusted profile", "Refresh token": "no", "IAM endpoint": iamURL + " (public)", "Region": "eu-de"},
			json: map[string]any{"subject_type": "trusted_profile", "subject": "Profile-5678", "iam_id": "iam-Profile-5678", "email": "",
				"token_source": "container_token", "login": "container_token", "refresh_token_held": false, "iam_endpoint_type": "public", "region": "eu-de"}},
		{name: "compute resource", claims: iamtest.Claims{SubType: "Profile", IAMID: "iam-Profile-5678"},
			info:   token.Info{Source: token.FromSession, Endpoint: iamURL, EndpointSource: token.EndpointPublic, Region: "us-south", ComputeResource: "PVS", RenewsAt: "http://169.254.169.254"},
			labels: []string{"Trusted profile"},
			rows: map[string]string{"Trusted profile": "Jane Doe (Profile-5678)", "IAM ID": "iam-Profile-5678", "Logged in with": "compute resource (PVS), for a trusted profile",
				"Renewed at": "http://169.254.169.254", "Refresh token": "no", "IAM endpoint": iamURL + " (public)"},
			json: map[string]any{"subject_type": "trusted_profile", "subject": "Profile-5678", "iam_id": "iam-Profile-5678", "email": "",
				"login": "compute_resource", "compute_resource": "PVS", "renews_at": "http://169.254.169.254", "refresh_token_held": false, "iam_endpoint_type": "public"}},
		{name: "a session that cannot be renewed", claims: iamtest.Claims{},
			info: token.Info{Source: token.FromSession, Endpoint: iamURL, EndpointSource: token.EndpointFromEnv, Region: "us-south"},
			rows: map[string]string{"Renewed at": "nowhere: log in again when it expires", "Refresh token": "no"},
			json: map[string]any{"renews_at": "", "refresh_token_held": false}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			issued := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
			exp := issued.Add(time.Hour)
			tc.claims.IssuedAt, tc.claims.ExpiresAt = issued, exp
			jwt := iamtest.JWT(tc.claims)

			labels := append(tc.labels, "Token source", "Logged in with", "Renewed at", "IAM ID", "Account ID", "Issued at",
				"Expires at", "Time left", "Refresh token", "IAM endpoint", "Region")
			if tc.labels == nil {
				labels = append([]string{"Name", "Email"}, labels...)
			}
			rows := map[string]string{
				"Name": "Jane Doe", "Email": "jane.doe@example.com", "Token source": "login session",
				"Logged in with": "user name and password", "Renewed at": iamURL, "IAM ID": "IBMid-2700012345",
				"Account ID": showAccount, "Issued at": issued.Local().Format("2006-01-02 15:04:05 MST"),
				"Expires at": exp.Local().Format("2006-01-02 15:04:05 MST"), "Time left": "N minutes",
				"Refresh token": "yes", "IAM endpoint": iamURL + " (from IAM_ENDPOINT)", "Region": "us-south",
			}
			for k, v := range tc.rows {
				rows[k] = v
			}
			for k := range rows {
				if !contains(labels, k) {
					delete(rows, k)
				}
			}
			fields := map[string]any{
				"token_source": "session", "subject_type": "user", "subject": "jane.doe@example.com", "name": "Jane Doe",
				"email": "jane.doe@example.com", "iam_id": "IBMid-2700012345", "account_id": showAccount,
				"issued_at": float64(issued.Unix()), "expires_at": float64(exp.Unix()), "expired": false,
				"refresh_token_held": true, "iam_endpoint": iamURL, "iam_endpoint_type": "IAM_ENDPOINT", "region": "us-south",
				"login": "password", "compute_resource": "", "renews_at": iamURL,
			}
			for k, v := range tc.json {
				fields[k] = v
			}

			rt := withToken(mustParse(t, jwt))
			rt.src.info = tc.info
			before := time.Now()
			r := execute(rt, "", "show")
			after := time.Now()
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			assert.NotContains(t, r.stdout, "\x1b[", "no colour when stdout is not a terminal")
			gotLabels, gotRows := showRows(t, r.stdout)
			assert.Equal(t, labels, gotLabels)
			gotRows["Time left"] = minutesLeft(t, gotRows["Time left"], exp, before, after)
			assert.Equal(t, rows, gotRows)
			assert.Equal(t, 1, strings.Count(r.stdout, issued.Local().Format("15:04:05")), "each time once, in local time:\n%s", r.stdout)

			before = time.Now()
			r = execute(rt, "", "show", "--output", "json")
			after = time.Now()
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
			expiresIn(t, got, exp, before, after)
			assert.Equal(t, fields, got, "every field, and no other")

			for _, out := range []string{r.stdout, execute(rt, "", "show").stdout} {
				assert.NotContains(t, out, strings.Split(jwt, ".")[1], "no token")
			}
			assert.Equal(t, []token.Request{{}, {}, {}}, withoutFuncs(rt.opened), "the session, or $IBMCLOUD_API_KEY: the source decides")
			assert.Equal(t, []token.Options{{Peek: true}, {Peek: true}, {Peek: true}}, rt.src.asked, "show only peeks")
			assert.Empty(t, rt.queries)
		})
	}
}

// withoutFuncs is reqs without what a request carries for the source to use (stdin, the
// warning printer), which a test cannot compare.
func withoutFuncs(reqs []token.Request) []token.Request {
	out := make([]token.Request, len(reqs))
	for i, r := range reqs {
		r.Stdin, r.Warn = nil, nil
		out[i] = r
	}
	return out
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// An expired token is still shown, whose it was and when it expired, with a warning and exit
// status 1 (a script can test it), but no FAILED: show did what it was asked.
func TestShowAnExpiredToken(t *testing.T) {
	t.Parallel()
	exp := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
	jwt := iamtest.JWT(iamtest.Claims{IssuedAt: exp.Add(-time.Hour), ExpiresAt: exp, Email: "jane.doe@example.com"})
	rt := withToken(mustParse(t, jwt))
	rt.src.info = token.Info{Source: token.FromSession, RefreshToken: true, Endpoint: "https://iam.test.example", EndpointSource: token.EndpointPublic}

	r := execute(rt, "", "show")
	assert.Equal(t, 1, r.code)
	_, rows := showRows(t, r.stdout)
	assert.Equal(t, "jane.doe@example.com", rows["Email"])
	assert.Equal(t, exp.Local().Format("2006-01-02 15:04:05 MST"), rows["Expires at"])
	assert.Equal(t, "expired", rows["Time left"])
	assert.Equal(t, "The token expired at "+exp.Local().Format("2006-01-02 15:04:05 MST")+
		". Run any command to refresh it, or log in again by running 'ibmcloud login'.\n", r.stderr)

	before := time.Now()
	r = execute(rt, "", "show", "--output", "json")
	after := time.Now()
	assert.Equal(t, 1, r.code)
	assert.Contains(t, r.stderr, "The token expired at ")
	assert.NotContains(t, r.stderr, "FAILED")
	var got map[string]any
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, true, got["expired"])
	assert.Equal(t, float64(exp.Unix()), got["expires_at"])
	expiresIn(t, got, exp, before, after)
	assert.Equal(t, []token.Options{{Peek: true}, {Peek: true}}, rt.src.asked, "no refresh asked")
}

// Claims come from a token anyone could put in config.json, and the endpoint and region from
// the config itself: show lets none of their control characters reach the terminal, in text or
// JSON, and JSON still reads back the same values.
func TestShowEscapesHostileClaims(t *testing.T) {
	t.Parallel()
	for name, value := range map[string]string{
		"ESC":     "Jane\x1b[2J\x1b]0;owned\x07",
		"C1 CSI":  "Jane\u009b31mred",
		"DEL":     "Jane\x7f",
		"newline": "Jane\nIAM ID   forged",
		"bidi":    "Jane\u202eeoD",
		"isolate": "Jane\u2066x\u2069",
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			jwt := iamtest.JWT(iamtest.Claims{Override: map[string]any{
				"name": value, "email": value, "iam_id": value, "sub": value, "account": map[string]any{"bss": value},
			}})
			rt := withToken(mustParse(t, jwt))
			rt.src.info = token.Info{Source: token.FromSession, RefreshToken: true, Endpoint: "https://iam.test.example/" + value,
				EndpointSource: token.EndpointFromEnv, Region: value, RenewsAt: "https://iam.test.example/" + value}
			rt.resolve = func(token.Token, kms.Query) (kms.Resolution, error) {
				return kms.Resolution{Instance: kms.Instance{Name: value, GUID: "0a1b2c3d-0000-4000-8000-00000000be01", Service: kms.KeyProtect, Region: "us-south"},
					URL: "https://us-south.kms.cloud.ibm.com/" + value}, nil
			}
			for _, tc := range []struct {
				args []string
				rows int // lines of the table; 0 for JSON
			}{
				{[]string{"show"}, 13},
				{[]string{"show", "--output", "json"}, 0},
				{[]string{"show", "--instance", "my-kp"}, 15},
				{[]string{"show", "--instance", "my-kp", "--output", "json"}, 0},
			} {
				r := execute(rt, "", tc.args...)
				require.Equal(t, 0, r.code, r.stderr)
				noControl(t, strings.Join(tc.args, " "), r.stdout)
				if tc.rows > 0 {
					assert.Equal(t, tc.rows, strings.Count(r.stdout, "\n"), "one line a row:\n%s", r.stdout)
					continue
				}
				var got commands.SessionJSON
				require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
				for k, v := range map[string]string{"name": got.Name, "email": got.Email, "iam_id": got.IAMID, "account_id": got.AccountID,
					"subject": got.Subject, "region": got.Region} {
					assert.Equal(t, value, v, k)
				}
				assert.Equal(t, "https://iam.test.example/"+value, got.IAMEndpoint)
				assert.Equal(t, "https://iam.test.example/"+value, got.RenewsAt)
				if got.Instance != nil {
					assert.Equal(t, value, got.Instance.Name)
					assert.Equal(t, "https://us-south.kms.cloud.ibm.com/"+value, got.Instance.URL)
				} else {
					assert.Len(t, tc.args, 3, "the instance with --instance")
				}
			}
		})
	}
}

// With --instance, show adds what was learned of the instance before, asking offline: from the
// CRN or the cache, never the Resource Controller.
func TestShowInstance(t *testing.T) {
	t.Parallel()
	kp := kms.Instance{Name: "my-kp", GUID: "0a1b2c3d-0000-4000-8000-00000000be01", CRN: "crn:v1:bluemix:public:kms:us-south:a/" + showAccount + ":0a1b2c3d-0000-4000-8000-00000000be01::",
		Service: kms.KeyProtect, Region: "us-south", ResourceGroupID: "rg-1"}
	rt := withToken(mustParse(t, iamtest.Valid(time.Hour)))
	rt.src.info = token.Info{Source: token.FromSession, RefreshToken: true, Endpoint: "https://iam.test.example", EndpointSource: token.EndpointPublic}
	rt.resolve = func(_ token.Token, q kms.Query) (kms.Resolution, error) {
		if q.Ref != "my-kp" {
			return kms.Resolution{}, &kms.Error{Kind: kms.NotLearned, Ref: q.Ref}
		}
		url := "https://private.us-south.kms.cloud.ibm.com"
		if q.Choice.URL != "" {
			url = q.Choice.URL
		}
		return kms.Resolution{Instance: kp, URL: url, Cached: true}, nil
	}

	r := execute(rt, "", "show", "--instance", "my-kp", "--private")
	require.Equal(t, 0, r.code, r.stderr)
	labels, rows := showRows(t, r.stdout)
	assert.Equal(t, []string{"Instance", "Instance endpoint"}, labels[len(labels)-2:])
	assert.Equal(t, "my-kp ("+kp.GUID+", kms, us-south)", rows["Instance"])
	assert.Equal(t, "https://private.us-south.kms.cloud.ibm.com", rows["Instance endpoint"])

	r = execute(rt, "", "show", "--instance", "my-kp", "--url", "https://kp.example", "--output", "json")
	require.Equal(t, 0, r.code, r.stderr)
	var got struct{ Instance map[string]any }
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
	assert.Equal(t, map[string]any{"name": "my-kp", "guid": kp.GUID, "crn": kp.CRN, "service": "kms", "region": "us-south",
		"resource_group_id": "rg-1", "url": "https://kp.example"}, got.Instance)

	r = execute(rt, "", "show", "--instance", "new-kp")
	assert.Equal(t, 1, r.code)
	assert.Empty(t, r.stdout)
	assert.Equal(t, "FAILED\nWhat the instance 'new-kp' is, kp-token has not learned yet, and show makes no call. Run 'ibmcloud kp-token env --instance new-kp' first.\n", r.stderr)

	assert.Equal(t, []kms.Query{
		{Ref: "my-kp", Choice: kms.Choice{Network: kms.Private}, Offline: true},
		{Ref: "my-kp", Choice: kms.Choice{URL: "https://kp.example"}, Offline: true},
		{Ref: "new-kp", Offline: true},
	}, rt.queries, "offline, every time")
}

// What the command line gets wrong is said before any source is opened; what the source
// cannot give is a failure with nothing on stdout.
func TestShowRefuses(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args    []string
		openErr error
		stderr  string
		opened  int
	}{
		{args: []string{"show", "--output", "yaml"}, stderr: "'yaml' is not a supported output format"},
		{args: []string{"show", "--private"}, stderr: "Incorrect Usage: --private, --public and --url choose the endpoint of an --instance: name the instance too."},
		{args: []string{"show", "--instance", "kp", "--private", "--public"}, stderr: "Incorrect Usage: Give one of --private, --public and --url."},
		{args: []string{"show", "--apikey", "@key", "--cr-token", "@token"}, stderr: "Incorrect Usage: --apikey and --cr-token or --profile cannot be used together"},
		{args: []string{"show", "extra"}, stderr: "Incorrect Usage: "},
		{args: []string{"show"}, openErr: &source.Error{Kind: source.NotLoggedIn}, stderr: "FAILED\nYou are not logged in.", opened: 1},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			t.Parallel()
			rt := withToken(mustParse(t, iamtest.Valid(time.Hour)))
			rt.openErr = tc.openErr
			r := execute(rt, "", tc.args...)
			assert.Equal(t, 1, r.code)
			assert.Empty(t, r.stdout)
			assert.Contains(t, r.stderr, tc.stderr)
			assert.Len(t, rt.opened, tc.opened)
			assert.Empty(t, rt.src.asked)
		})
	}
}

// The whole plug-in in-process: show reports the session from config.json and the environment
// as they are, and only looks: on a valid or an expired session it makes no call and writes
// nothing, and with nothing learned or cached yet it creates no directory either.
func TestShowOnlyLooks(t *testing.T) {
	t.Parallel()
	tree := func(s *session) map[string]string {
		files := map[string]string{}
		require.NoError(t, filepath.WalkDir(s.home, func(p string, d fs.DirEntry, err error) error {
			if err != nil {
				return err
			}
			files[p] = ""
			if !d.IsDir() {
				b, err := os.ReadFile(p)
				files[p] = string(b)
				return err
			}
			return nil
		}))
		return files
	}

	t.Run("valid", func(t *testing.T) {
		t.Parallel()
		issued := time.Now().Add(-10 * time.Minute).Truncate(time.Second)
		jwt := iamtest.JWT(iamtest.Claims{IssuedAt: issued, ExpiresAt: issued.Add(time.Hour)})
		s := newSession(t, "Bearer "+jwt, "secret-refresh-token")
		before := tree(s)
		for _, args := range [][]string{{"show"}, {"show", "--output", "json"}} {
			r := s.run(args...)
			require.Equal(t, 0, r.code, r.stderr)
			assert.Empty(t, r.stderr)
			for _, out := range []string{r.stdout, r.stderr} {
				assert.NotContains(t, out, strings.Split(jwt, ".")[1], "no token")
				assert.NotContains(t, out, "secret-refresh-token", "no refresh token")
			}
			if len(args) == 1 {
				_, rows := showRows(t, r.stdout)
				assert.Equal(t, s.iam.URL+" (from IAM_ENDPOINT)", rows["IAM endpoint"])
				assert.Equal(t, "login session", rows["Token source"])
				continue
			}
			var got map[string]any
			require.NoError(t, json.Unmarshal([]byte(r.stdout), &got))
			delete(got, "expires_in")
			assert.Equal(t, map[string]any{
				"token_source": "session", "subject_type": "user", "subject": "jane.doe@example.com", "name": "Jane Doe",
				"email": "jane.doe@example.com", "iam_id": "IBMid-2700012345", "account_id": showAccount,
				"issued_at": float64(issued.Unix()), "expires_at": float64(issued.Add(time.Hour).Unix()), "expired": false,
				"refresh_token_held": true, "iam_endpoint": s.iam.URL, "iam_endpoint_type": "IAM_ENDPOINT", "region": "us-south",
				"login": "password", "compute_resource": "", "renews_at": s.iam.URL,
			}, got, "what the session's config and environment say")
		}
		assert.Equal(t, 0, s.iam.Calls(), "no call")
		assert.Equal(t, before, tree(s), "nothing written")
	})

	t.Run("expired", func(t *testing.T) {
		t.Parallel()
		exp := time.Now().Add(-3 * time.Hour).Truncate(time.Second)
		s := newSession(t, "Bearer "+iamtest.JWT(iamtest.Claims{IssuedAt: exp.Add(-time.Hour), ExpiresAt: exp}), "secret-refresh-token")
		before := tree(s)
		for _, args := range [][]string{{"show"}, {"show", "--output", "json"}} {
			r := s.run(args...)
			assert.Equal(t, 1, r.code)
			assert.Contains(t, r.stdout, "jane.doe@example.com")
			assert.Contains(t, r.stderr, "The token expired at "+exp.Local().Format("2006-01-02 15:04:05 MST"))
			assert.NotContains(t, r.stderr, "FAILED")
		}
		assert.Equal(t, 0, s.iam.Calls(), "no refresh")
		assert.Equal(t, before, tree(s), "nothing written")
	})

	t.Run("nothing learned or cached", func(t *testing.T) {
		t.Parallel()
		s := newSession(t, "Bearer "+iamtest.Valid(time.Hour), "secret-refresh-token")
		before := tree(s)
		r := s.run("show", "--instance", "new-kp")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "kp-token has not learned yet, and show makes no call")
		r = s.run("show", "--apikey", "an-api-key-not-yet-used-0123456789")
		assert.Equal(t, 1, r.code)
		assert.Empty(t, r.stdout)
		assert.Contains(t, r.stderr, "FAILED\n")
		assert.Equal(t, 0, s.iam.Calls(), "no call")
		assert.Equal(t, before, tree(s), "no directory, no file")
	})
}

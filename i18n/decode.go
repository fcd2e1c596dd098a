package i18n

import (
	"cmp"
	"encoding/json"
	"slices"
	"strings"
)

// entry is one message of a catalog.
type entry struct{ id, translation string }

// catalog is one locale's messages, sorted by ID, one entry per ID: T finds a message by binary
// search, which costs a few string comparisons and, unlike a map, nothing to build.
type catalog []entry

// lookup returns the translation of id, if the catalog has one.
func (c catalog) lookup(id string) (string, bool) {
	i, ok := slices.BinarySearchFunc(c, id, func(e entry, id string) int { return strings.Compare(e.id, id) })
	if !ok {
		return "", false
	}
	return c[i].translation, true
}

// decode parses one resource file into a catalog, in one pass, whose strings are slices of s
// rather than copies.
//
// encoding/json takes about 0.5 ms for a 50 KB file, as long as the rest of kp-token's own
// start-up, and env runs at every shell start. So decode reads the shape every resource file
// has, a JSON array of objects whose members are "id" and "translation", itself; a file of any
// other shape (other members, other JSON values, a syntax error) goes to encoding/json, which
// decides. A file whose IDs are not in order (the files are written in all.en_US.json's order,
// which is sorted) is sorted; where an ID comes twice, the last wins, as with encoding/json.
//
// decode answers as encoding/json does but for two things a string without escapes may hold,
// each of which would cost a check of every byte: a control character (a raw newline, say),
// which encoding/json refuses, and bytes that are not UTF-8, which encoding/json replaces with
// U+FFFD; decode keeps both as they are. Neither can ship: the tests read every shipped file
// with encoding/json too and hold it to valid UTF-8. Tests hold decode to encoding/json's answer
// for every shipped file and for odd inputs, and fuzz it.
func decode(s string) (catalog, error) {
	c, sorted, ok := scan(s)
	if !ok {
		var list []Message
		if err := json.Unmarshal([]byte(s), &list); err != nil {
			return nil, err
		}
		c, sorted = make(catalog, 0, len(list)), false
		for _, m := range list {
			c = append(c, entry{m.ID, m.Translation})
		}
	}
	if !sorted {
		c = sortCatalog(c)
	}
	return c, nil
}

// sortCatalog sorts c by ID and keeps the last entry of each ID.
func sortCatalog(c catalog) catalog {
	slices.SortStableFunc(c, func(a, b entry) int { return cmp.Compare(a.id, b.id) })
	out := c[:0]
	for i, e := range c {
		if i+1 < len(c) && c[i+1].id == e.id {
			continue // a later entry has this ID
		}
		out = append(out, e)
	}
	return out
}

// scan reads s as [{"id": "…", "translation": "…"}, …]; ok is false for anything else. sorted
// reports that the IDs came in strictly increasing order.
func scan(s string) (c catalog, sorted, ok bool) {
	// The next backslash, found once for the file rather than once for every string: a string
	// that ends before it has no escape in it.
	esc := strings.IndexByte(s, '\\')
	if esc < 0 {
		esc = len(s)
	}
	str := func(i int) (value string, next int, ok bool) {
		value, next, ok = readString(s, i, esc)
		if ok && next > esc {
			esc = next + strings.IndexByte(s[next:], '\\')
			if esc < next {
				esc = len(s)
			}
		}
		return value, next, ok
	}
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '[' {
		return nil, false, false
	}
	c = make(catalog, 0, len(s)/160+8) // a message takes some 250 bytes of a file
	sorted = true
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		return c, true, skipSpace(s, i+1) == len(s)
	}
	for {
		if i >= len(s) || s[i] != '{' {
			return nil, false, false
		}
		var e entry
		var haveID, haveTranslation bool
		i = skipSpace(s, i+1)
		for {
			key, j, ok := str(i)
			if !ok {
				return nil, false, false
			}
			i = skipSpace(s, j)
			if i >= len(s) || s[i] != ':' {
				return nil, false, false
			}
			value, j, ok := str(skipSpace(s, i+1))
			if !ok {
				return nil, false, false
			}
			switch key {
			case "id":
				e.id, haveID = value, true
			case "translation":
				e.translation, haveTranslation = value, true
			default:
				return nil, false, false // encoding/json matches keys case-insensitively: let it
			}
			i = skipSpace(s, j)
			if i < len(s) && s[i] == ',' {
				i = skipSpace(s, i+1)
				continue
			}
			if i < len(s) && s[i] == '}' {
				break
			}
			return nil, false, false
		}
		if !haveID || !haveTranslation {
			return nil, false, false
		}
		if n := len(c); n > 0 && c[n-1].id >= e.id {
			sorted = false
		}
		c = append(c, e)
		i = skipSpace(s, i+1)
		if i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
			continue
		}
		if i < len(s) && s[i] == ']' {
			return c, sorted, skipSpace(s, i+1) == len(s)
		}
		return nil, false, false
	}
}

// readString reads the JSON string that starts at s[i] and returns its value and the index
// after it; esc is the index of the first backslash from s[i] on, or len(s). A string with an
// escape in it goes to encoding/json, which the files seldom need.
func readString(s string, i, esc int) (value string, next int, ok bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	end := strings.IndexByte(s[i+1:], '"')
	if end < 0 {
		return "", len(s), false
	}
	j := i + 1 + end
	if esc > j {
		return s[i+1 : j], j + 1, true
	}
	// The quote found may be escaped: find the true end, and let encoding/json unescape.
	for j = i + 1; j < len(s); j++ {
		switch s[j] {
		case '"':
			var v string
			if json.Unmarshal([]byte(s[i:j+1]), &v) != nil {
				return "", j + 1, false
			}
			return v, j + 1, true
		case '\\':
			j++ // the escaped byte cannot end the string
		}
	}
	return "", len(s), false
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\n' || s[i] == '\t' || s[i] == '\r') {
		i++
	}
	return i
}

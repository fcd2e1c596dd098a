package i18n

import (
	"encoding/json"
	"strings"
)

// decode parses one resource file into a map from ID to translation, in one pass, and returns
// slices of s rather than copies.
//
// encoding/json takes about 0.4 ms for a 40 KB file, more than the rest of kp-token's own
// start-up, and env runs at every shell start. So decode reads the shape every resource file
// has, a JSON array of objects whose members are "id" and "translation", itself; a file of any
// other shape (other members, other JSON values, a syntax error) goes to encoding/json, which
// decides. decode answers as encoding/json does, but for one thing: bytes in a string that are
// not UTF-8 are kept as they are where encoding/json would replace each with U+FFFD; checking
// would take half the pass, and a test holds every shipped file to valid UTF-8 instead. Tests
// hold decode to encoding/json's answer for every shipped file and for odd inputs, and fuzz it.
func decode(s string) (map[string]string, error) {
	if m, ok := scan(s); ok {
		return m, nil
	}
	var list []Message
	if err := json.Unmarshal([]byte(s), &list); err != nil {
		return nil, err
	}
	m := make(map[string]string, len(list))
	for _, msg := range list {
		m[msg.ID] = msg.Translation
	}
	return m, nil
}

// scan reads s as [{"id": "…", "translation": "…"}, …]; ok is false for anything else.
func scan(s string) (m map[string]string, ok bool) {
	i := skipSpace(s, 0)
	if i >= len(s) || s[i] != '[' {
		return nil, false
	}
	m = make(map[string]string, strings.Count(s, "{"))
	i = skipSpace(s, i+1)
	if i < len(s) && s[i] == ']' {
		return m, skipSpace(s, i+1) == len(s)
	}
	for {
		if i >= len(s) || s[i] != '{' {
			return nil, false
		}
		var id, translation string
		var haveID, haveTranslation bool
		i = skipSpace(s, i+1)
		for {
			key, j, ok := str(s, i)
			if !ok {
				return nil, false
			}
			i = skipSpace(s, j)
			if i >= len(s) || s[i] != ':' {
				return nil, false
			}
			value, j, ok := str(s, skipSpace(s, i+1))
			if !ok {
				return nil, false
			}
			switch key {
			case "id":
				id, haveID = value, true
			case "translation":
				translation, haveTranslation = value, true
			default:
				return nil, false // encoding/json matches keys case-insensitively: let it
			}
			i = skipSpace(s, j)
			if i < len(s) && s[i] == ',' {
				i = skipSpace(s, i+1)
				continue
			}
			if i < len(s) && s[i] == '}' {
				break
			}
			return nil, false
		}
		if !haveID || !haveTranslation {
			return nil, false
		}
		m[id] = translation
		i = skipSpace(s, i+1)
		if i < len(s) && s[i] == ',' {
			i = skipSpace(s, i+1)
			continue
		}
		if i < len(s) && s[i] == ']' {
			return m, skipSpace(s, i+1) == len(s)
		}
		return nil, false
	}
}

// str reads the JSON string that starts at s[i] and returns its value and the index after it.
// A string with an escape in it goes to encoding/json, which the files seldom need.
func str(s string, i int) (value string, next int, ok bool) {
	if i >= len(s) || s[i] != '"' {
		return "", i, false
	}
	end := strings.IndexByte(s[i+1:], '"')
	if end < 0 {
		return "", len(s), false
	}
	j := i + 1 + end
	switch plain(s[i+1 : j]) {
	case isPlain:
		return s[i+1 : j], j + 1, true
	case hasEscape:
		return escapedStr(s, i)
	}
	return "", j, false
}

const (
	isPlain    = iota // no backslash and no control character: the string is its value
	hasEscape         // holds a backslash
	hasControl        // a control character, which JSON wants escaped: encoding/json decides
)

// plain classifies a string's contents eight bytes at a time.
func plain(s string) int {
	const ones, highs = 0x0101010101010101, 0x8080808080808080
	for ; len(s) >= 8; s = s[8:] {
		x := uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
			uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
		if (x-0x20*ones)&^x&highs != 0 { // a byte below 0x20 (bytes from 0x80 up have ^x's high bit clear)
			return hasControl
		}
		if y := x ^ '\\'*ones; (y-ones)&^y&highs != 0 { // a zero byte in y: a backslash in x
			return hasEscape
		}
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c < 0x20:
			return hasControl
		case c == '\\':
			return hasEscape
		}
	}
	return isPlain
}

// escapedStr reads the string at s[i], which holds a backslash, to its true end.
func escapedStr(s string, i int) (value string, next int, ok bool) {
	for j := i + 1; j < len(s); j++ {
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

// Package jsonfields reads chosen members of a JSON object without reflection. env runs at
// every shell start and reads a few fields of config.json, of the token's claims and of a cache
// entry: encoding/json decodes into a struct only after building, by reflection, a table of the
// struct's fields, which costs more than all the rest of such a run. Here the document is
// checked with json.Valid (so what encoding/json refuses is refused here too) and then walked
// once; a value is decoded by encoding/json only when it holds an escape.
package jsonfields

import (
	"encoding/json"
	"errors"
	"reflect"
	"strconv"
	"unicode/utf8"
)

// ErrNotObject is a document that is valid JSON but not an object.
var ErrNotObject = errors.New("not a JSON object")

// Members calls f with the key and raw value of each member of the JSON object data, in order,
// until f returns false. A document that is not valid JSON is the error json.Unmarshal would
// give (a *json.SyntaxError); valid JSON that is not an object is ErrNotObject.
func Members(data []byte, f func(key string, raw []byte) bool) error {
	if !json.Valid(data) {
		var v any
		return json.Unmarshal(data, &v) // the same *json.SyntaxError encoding/json reports
	}
	return members(data, f)
}

// Nested is Members for a raw value that Members handed out, which is valid JSON already: it is
// not checked again. Anything else must go through Members.
func Nested(raw []byte, f func(key string, raw []byte) bool) error {
	return members(raw, f)
}

func members(data []byte, f func(key string, raw []byte) bool) error {
	i := skipSpace(data, 0)
	if data[i] != '{' {
		return ErrNotObject
	}
	i = skipSpace(data, i+1)
	for data[i] != '}' {
		end := valueEnd(data, i) // the key: a string
		key, err := String(data[i:end])
		if err != nil {
			return err
		}
		i = skipSpace(data, skipSpace(data, end)+1) // past ':'
		end = valueEnd(data, i)
		if !f(key, data[i:end]) {
			return nil
		}
		i = skipSpace(data, end)
		if data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	return nil
}

// skipSpace returns the index of the first byte at or after i that is not JSON white space.
func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// valueEnd returns the index just past the value that starts at i, in a document json.Valid
// has checked.
func valueEnd(data []byte, i int) int {
	switch data[i] {
	case '"':
		for j := i + 1; ; j++ {
			switch data[j] {
			case '\\':
				j++ // the escaped byte (a \u's digits are plain)
			case '"':
				return j + 1
			}
		}
	case '{', '[':
		depth := 0
		for j := i; ; j++ {
			switch data[j] {
			case '"':
				j = valueEnd(data, j) - 1
			case '{', '[':
				depth++
			case '}', ']':
				depth--
				if depth == 0 {
					return j + 1
				}
			}
		}
	}
	j := i // a number, true, false or null
	for j < len(data) && data[j] != ',' && data[j] != '}' && data[j] != ']' &&
		data[j] != ' ' && data[j] != '\t' && data[j] != '\n' && data[j] != '\r' {
		j++
	}
	return j
}

// String decodes a raw JSON string (from Members, quotes included) as encoding/json does; plain
// ASCII (a token, a path) is taken as it is. A value of another type is an error, as
// encoding/json's decoding into a string field would be.
func String(raw []byte) (string, error) {
	if len(raw) < 2 || raw[0] != '"' {
		return "", &json.UnmarshalTypeError{Value: kind(raw), Type: stringType}
	}
	inner := raw[1 : len(raw)-1]
	for _, c := range inner {
		if c == '\\' || c >= utf8.RuneSelf { // an escape, or UTF-8 that may need mending to U+FFFD
			var s string
			err := json.Unmarshal(raw, &s)
			return s, err
		}
	}
	return string(inner), nil
}

// Bool decodes a raw JSON true or false.
func Bool(raw []byte) (bool, error) {
	switch string(raw) {
	case "true":
		return true, nil
	case "false":
		return false, nil
	}
	return false, &json.UnmarshalTypeError{Value: kind(raw), Type: boolType}
}

// Int64 decodes a raw JSON number that is an integer, as encoding/json decodes one into an int64.
func Int64(raw []byte) (int64, error) {
	n, err := strconv.ParseInt(string(raw), 10, 64)
	if err != nil {
		value := kind(raw)
		if value == "number" {
			value += " " + string(raw) // a fraction, an exponent, out of range: named as encoding/json names it
		}
		return 0, &json.UnmarshalTypeError{Value: value, Type: int64Type}
	}
	return n, nil
}

// Null says whether the raw value is null, which encoding/json leaves a field's value alone for.
func Null(raw []byte) bool { return string(raw) == "null" }

var (
	stringType = reflect.TypeFor[string]()
	boolType   = reflect.TypeFor[bool]()
	int64Type  = reflect.TypeFor[int64]()
)

// kind names a raw value's JSON type, as json.UnmarshalTypeError.Value does.
func kind(raw []byte) string {
	if len(raw) == 0 {
		return "value"
	}
	switch raw[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	case 'n':
		return "null"
	}
	return "number"
}

// Items and attribute values. An item is a JSON object of attribute name -> AttributeValue
// in DynamoDB's wire form ({"S":"x"}, {"N":"1.5"}, {"B":"<base64>"}, {"BOOL":true},
// {"NULL":true}, {"L":[...]}, {"M":{...}}, {"SS":[...]}, {"NS":[...]}, {"BS":[...]}), which is
// how the service receives, stores and returns them. Binary stays base64 text as on the wire.
#pragma once

#include <compare>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "core/error.h"

namespace stratus::dynamodb {

namespace json = boost::json;
using Item = json::object;

enum class Type { kS, kN, kB, kBool, kNull, kL, kM, kSS, kNS, kBS, kInvalid };

// The descriptor of a wire AttributeValue ("S", "N", ...); kInvalid when malformed.
Type TypeOf(const json::value& v);
std::string_view TypeName(Type t);  // "S", "N", "B", "BOOL", "NULL", "L", "M", "SS", "NS", "BS"

// Validates one attribute value as AWS does for item attributes and expression values:
// exactly one descriptor, numbers valid (Number::Parse), sets non-empty and without
// duplicates, nested L/M checked recursively. On success the value is normalised in place
// (numbers canonical). Messages are AWS's ("One or more parameter values were invalid: An
// string set  may not be empty", "Supplied AttributeValue is empty, must contain exactly one
// of the supported datatypes", ...).
std::optional<AwsError> ValidateValue(json::value& v);
// Every attribute of an item (ValidateValue on each).
std::optional<AwsError> ValidateItem(Item& item);

// Size as AWS counts it for the 400 KB item limit and capacity units: name lengths in UTF-8
// bytes plus each value's size (S: UTF-8 bytes, B: raw bytes, N: digits-based rule, BOOL/NULL:
// 1, L/M: 3 + elements' sizes (+ names for M, + 1 per element), sets: sum of elements).
size_t ValueSize(const json::value& v);
size_t ItemSize(const Item& item);

// Equality of two attribute values as DynamoDB compares them (numbers numerically, sets as
// sets, L in order, M by key).
bool ValuesEqual(const json::value& a, const json::value& b);
// Ordering of two scalar values of the same type S, N or B (strings and binaries by
// unsigned bytes, numbers numerically), as for sort keys and comparators. nullopt when the
// types differ or are not S/N/B.
std::optional<std::strong_ordering> CompareScalars(const json::value& a, const json::value& b);

// Helpers for the expression evaluators (no allocation except BinaryContains).
// The text of a valid S/N/B value.
std::string_view ScalarText(const json::value& v);
// Unsigned byte order of two base64 texts.
std::strong_ordering CompareBinaryText(std::string_view a, std::string_view b);
bool BinaryHasPrefix(std::string_view whole, std::string_view prefix);
bool BinaryContains(std::string_view whole, std::string_view part);

}  // namespace stratus::dynamodb

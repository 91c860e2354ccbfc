// DynamoDB numbers: parsing, canonical text and exact addition. AWS documents the type as "up to
// 38 digits of precision ... Positive range: 1E-130 to 9.9999999999999999999999999999999999999E+125,
// negative range: -9.9999999999999999999999999999999999999E+125 to -1E-130"; leading and
// trailing zeros are trimmed. Pinned by tests/unit/dynamodb_number_test.cc.
#include "services/dynamodb/number.h"

#include <algorithm>
#include <string>


namespace stratus::dynamodb {

namespace {

constexpr size_t kMaxDigits = 38;
// value = 0.d1d2... x 10^exponent: 1E-130 is 0.1E-129, 9.99..E+125 is 0.999..E+126.
constexpr int32_t kMinExponent = -129;
constexpr int32_t kMaxExponent = 126;

AwsError NotANumber() {
  return AwsError::Validation("A value provided cannot be converted into a number");
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

AwsError NumberOverflow() {
  return AwsError::Validation(
      "Number overflow. Attempting to store a number with magnitude larger than supported range");
}
AwsError NumberUnderflow() {
  return AwsError::Validation(
      "Number underflow. Attempting to store a number with magnitude smaller than supported "
      "range");
}
AwsError NumberPrecision() {
  return AwsError::Validation("Attempting to store more than 38 significant digits in a Number");
}

Result<Number> Number::Make(bool negative, std::string digits, int64_t exponent) {
  // `digits` may carry leading/trailing zeros; value = 0.digits x 10^exponent.
  size_t lead = 0;
  while (lead < digits.size() && digits[lead] == '0') ++lead;
  if (lead == digits.size()) return Number();
  size_t end = digits.size();
  while (digits[end - 1] == '0') --end;
  Number n;
  n.negative_ = negative;
  n.digits_ = digits.substr(lead, end - lead);
  exponent -= static_cast<int64_t>(lead);
  if (exponent > kMaxExponent) return Fail(NumberOverflow());
  if (exponent < kMinExponent) return Fail(NumberUnderflow());
  if (n.digits_.size() > kMaxDigits) return Fail(NumberPrecision());
  n.exponent_ = static_cast<int32_t>(exponent);
  return n;
}

Result<Number> Number::Parse(std::string_view text) {
  size_t i = 0;
  bool negative = false;
  if (i < text.size() && (text[i] == '+' || text[i] == '-')) negative = text[i++] == '-';
  std::string digits;
  int64_t point = -1;
  size_t mantissa_digits = 0;
  for (; i < text.size(); ++i) {
    char c = text[i];
    if (IsDigit(c)) {
      digits.push_back(c);
      ++mantissa_digits;
    } else if (c == '.' && point < 0) {
      point = static_cast<int64_t>(digits.size());
    } else {
      break;
    }
  }
  if (mantissa_digits == 0) return Fail(NotANumber());
  if (point < 0) point = static_cast<int64_t>(digits.size());
  int64_t exp = 0;
  if (i < text.size()) {
    if (text[i] != 'e' && text[i] != 'E') return Fail(NotANumber());
    ++i;
    bool exp_negative = false;
    if (i < text.size() && (text[i] == '+' || text[i] == '-')) exp_negative = text[i++] == '-';
    if (i == text.size()) return Fail(NotANumber());
    for (; i < text.size(); ++i) {
      if (!IsDigit(text[i])) return Fail(NotANumber());
      if (exp < 1'000'000'000) exp = exp * 10 + (text[i] - '0');
    }
    if (exp_negative) exp = -exp;
  }
  return Make(negative, std::move(digits), point + exp);
}

std::string Number::ToString() const {
  if (digits_.empty()) return "0";
  std::string out;
  out.reserve(digits_.size() + 8);
  if (negative_) out.push_back('-');
  const int64_t len = static_cast<int64_t>(digits_.size());
  if (exponent_ <= 0) {
    out += "0.";
    out.append(static_cast<size_t>(-exponent_), '0');
    out += digits_;
  } else if (exponent_ >= len) {
    out += digits_;
    out.append(static_cast<size_t>(exponent_ - len), '0');
  } else {
    out.append(digits_, 0, static_cast<size_t>(exponent_));
    out.push_back('.');
    out.append(digits_, static_cast<size_t>(exponent_));
  }
  return out;
}

namespace {

// Magnitudes as decimal digit strings of equal length (most significant first).
std::string AddMagnitudes(const std::string& a, const std::string& b) {
  std::string out(a.size() + 1, '0');
  int carry = 0;
  for (size_t k = a.size(); k-- > 0;) {
    int s = (a[k] - '0') + (b[k] - '0') + carry;
    out[k + 1] = static_cast<char>('0' + s % 10);
    carry = s / 10;
  }
  out[0] = static_cast<char>('0' + carry);
  return out;
}
// a >= b.
std::string SubtractMagnitudes(const std::string& a, const std::string& b) {
  std::string out(a.size(), '0');
  int borrow = 0;
  for (size_t k = a.size(); k-- > 0;) {
    int d = (a[k] - '0') - (b[k] - '0') - borrow;
    borrow = d < 0 ? 1 : 0;
    out[k] = static_cast<char>('0' + (d + 10) % 10);
  }
  return out;
}

}  // namespace

Result<Number> Add(const Number& a, const Number& b) {
  if (a.IsZero()) return b;
  if (b.IsZero()) return a;
  // value = int(digits) x 10^scale, scale = exponent - len.
  const int64_t sa = a.exponent_ - static_cast<int64_t>(a.digits_.size());
  const int64_t sb = b.exponent_ - static_cast<int64_t>(b.digits_.size());
  const int64_t low = std::min(sa, sb);
  std::string ca = a.digits_ + std::string(static_cast<size_t>(sa - low), '0');
  std::string cb = b.digits_ + std::string(static_cast<size_t>(sb - low), '0');
  const size_t width = std::max(ca.size(), cb.size());
  ca.insert(0, width - ca.size(), '0');
  cb.insert(0, width - cb.size(), '0');
  std::string mag;
  bool negative;
  if (a.negative_ == b.negative_) {
    mag = AddMagnitudes(ca, cb);
    negative = a.negative_;
  } else if (ca >= cb) {
    mag = SubtractMagnitudes(ca, cb);
    negative = a.negative_;
  } else {
    mag = SubtractMagnitudes(cb, ca);
    negative = b.negative_;
  }
  const int64_t exponent = static_cast<int64_t>(mag.size()) + low;
  return Number::Make(negative, std::move(mag), exponent);
}

Result<Number> Subtract(const Number& a, const Number& b) {
  Number nb = b;
  if (!nb.IsZero()) nb.negative_ = !nb.negative_;
  return Add(a, nb);
}

std::strong_ordering operator<=>(const Number& a, const Number& b) {
  const int sa = a.IsZero() ? 0 : (a.negative_ ? -1 : 1);
  const int sb = b.IsZero() ? 0 : (b.negative_ ? -1 : 1);
  if (sa != sb) return sa <=> sb;
  if (sa == 0) return std::strong_ordering::equal;
  std::strong_ordering mag = a.exponent_ <=> b.exponent_;
  if (mag == 0) mag = a.digits_ <=> b.digits_;  // normalised: no trailing zeros
  return sa > 0 ? mag : 0 <=> mag;
}

// ---- text comparison without allocation ---------------------------------------------------

namespace {

struct NumText {
  bool negative = false;
  bool zero = true;
  int64_t exponent = 0;   // 0.d1d2.. x 10^exponent
  std::string_view mant;  // the mantissa text (digits and at most one '.')
  size_t pos = 0;         // first significant digit in mant

  // Next significant digit or '0' once exhausted.
  char Next() {
    while (pos < mant.size() && mant[pos] == '.') ++pos;
    return pos < mant.size() ? mant[pos++] : '0';
  }
  bool Done() {
    // Remaining characters are all zeros or '.'.
    for (size_t k = pos; k < mant.size(); ++k)
      if (mant[k] != '0' && mant[k] != '.') return false;
    return true;
  }
};

NumText Scan(std::string_view t) {
  NumText n;
  size_t i = 0;
  if (i < t.size() && (t[i] == '+' || t[i] == '-')) n.negative = t[i++] == '-';
  size_t start = i;
  while (i < t.size() && (IsDigit(t[i]) || t[i] == '.')) ++i;
  n.mant = t.substr(start, i - start);
  int64_t exp = 0;
  if (i < t.size() && (t[i] == 'e' || t[i] == 'E')) {
    ++i;
    bool en = false;
    if (i < t.size() && (t[i] == '+' || t[i] == '-')) en = t[i++] == '-';
    for (; i < t.size() && IsDigit(t[i]); ++i)
      if (exp < 1'000'000'000) exp = exp * 10 + (t[i] - '0');
    if (en) exp = -exp;
  }
  // Position of the decimal point and of the first non-zero digit.
  int64_t digits_before_point = 0;
  bool seen_point = false;
  int64_t leading_zeros = 0;
  bool found = false;
  for (size_t k = 0; k < n.mant.size(); ++k) {
    char c = n.mant[k];
    if (c == '.') {
      seen_point = true;
      continue;
    }
    if (!found && c == '0') {
      ++leading_zeros;
      if (!seen_point) ++digits_before_point;
      continue;
    }
    if (!found) {
      found = true;
      n.pos = k;
    }
    if (!seen_point) ++digits_before_point;
  }
  if (!found) return n;  // zero
  n.zero = false;
  n.exponent = digits_before_point - leading_zeros + exp;
  return n;
}

}  // namespace

std::strong_ordering CompareNumberText(std::string_view a, std::string_view b) {
  NumText x = Scan(a), y = Scan(b);
  const int sx = x.zero ? 0 : (x.negative ? -1 : 1);
  const int sy = y.zero ? 0 : (y.negative ? -1 : 1);
  if (sx != sy) return sx <=> sy;
  if (sx == 0) return std::strong_ordering::equal;
  std::strong_ordering mag = x.exponent <=> y.exponent;
  while (mag == 0) {
    if (x.Done() && y.Done()) break;
    mag = x.Next() <=> y.Next();
  }
  return sx > 0 ? mag : 0 <=> mag;
}

size_t NumberTextSize(std::string_view text) {
  // AWS: "Numbers are variable length, with up to 38 significant digits. Leading and trailing
  // zeroes are trimmed. The size of a number is approximately (1 byte per two significant
  // digits) + (1 byte)." Digits are stored in base-100 pairs aligned on the decimal point;
  // negative numbers take one more byte.
  NumText n = Scan(text);
  if (n.zero) return 1;
  // Collect significant digits with their position relative to the decimal point.
  size_t count = 0, last_nonzero = 0;
  for (size_t k = n.pos; k < n.mant.size(); ++k) {
    if (n.mant[k] == '.') continue;
    ++count;
    if (n.mant[k] != '0') last_nonzero = count;
  }
  // Digit i (0-based) sits at decimal position exponent-1-i; pairs group positions by
  // floor(pos/2).
  auto pair_of = [](int64_t p) { return p >= 0 ? p / 2 : -((-p + 1) / 2); };
  int64_t first = pair_of(n.exponent - 1);
  int64_t last = pair_of(n.exponent - static_cast<int64_t>(last_nonzero));
  size_t size = static_cast<size_t>(first - last + 1) + 1;
  if (n.negative) ++size;
  return size;
}

}  // namespace stratus::dynamodb

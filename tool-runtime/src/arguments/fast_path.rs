//! A quick first reading of JSON text arguments, for the shapes models send most: objects of
//! strings, integers, simple decimals, booleans, nulls, arrays and nested objects.
//!
//! It is a `serde::Deserializer` that reads nothing it is unsure of. Whatever falls outside
//! that subset (lone surrogates, decimals whose digits pass 2^53 or whose scale passes 10^22,
//! numbers past 64 bits, enums, untyped values, any error at all) makes it give up, and the
//! caller reads the text again with serde_json, which then decides, and words any error.
//! Whatever it does read, it reads as serde_json would: it hands every visitor the same calls
//! with the same values, so a type cannot tell the two apart.

use std::fmt;

use serde::de::{self, DeserializeOwned, DeserializeSeed, Visitor};

/// `text`, a JSON object, decoded into `T`; `None` when serde_json must decide, or when the
/// text is not an object, which the caller refuses.
pub(super) fn from_str<T: DeserializeOwned>(text: &str) -> Option<T> {
    let mut reader = Reader {
        text,
        bytes: text.as_bytes(),
        at: 0,
        depth: 0,
    };
    if reader.next_token() != Some(b'{') {
        return None;
    }
    let value = T::deserialize(&mut reader).ok()?;
    reader.skip_whitespace();
    (reader.at == reader.bytes.len()).then_some(value)
}

/// Nesting past this is left to serde_json, which has a limit of its own.
const MAX_DEPTH: usize = 64;

/// The one error: "ask serde_json". It carries nothing, so giving up costs nothing.
#[derive(Debug)]
pub(super) struct GiveUp;

impl fmt::Display for GiveUp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("left to serde_json")
    }
}

impl std::error::Error for GiveUp {}

impl de::Error for GiveUp {
    fn custom<T: fmt::Display>(_: T) -> Self {
        GiveUp
    }
}

type Result<T> = std::result::Result<T, GiveUp>;

struct Reader<'de> {
    text: &'de str,
    bytes: &'de [u8],
    at: usize,
    depth: usize,
}

/// A number as serde_json hands it to a visitor.
enum Number {
    U64(u64),
    I64(i64),
    F64(f64),
}

/// Powers of ten that an `f64` holds exactly.
const EXACT_POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

impl<'de> Reader<'de> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    #[inline]
    fn skip_whitespace(&mut self) {
        while let Some(b' ' | b'\n' | b'\t' | b'\r') = self.peek() {
            self.at += 1;
        }
    }

    /// The next byte after whitespace, not consumed.
    #[inline]
    fn next_token(&mut self) -> Option<u8> {
        self.skip_whitespace();
        self.peek()
    }

    /// Consumes `byte` after whitespace.
    #[inline]
    fn expect(&mut self, byte: u8) -> Result<()> {
        if self.next_token() != Some(byte) {
            return Err(GiveUp);
        }
        self.at += 1;
        Ok(())
    }

    /// Consumes `word` (`true`, `false`, `null`) after whitespace.
    fn eat_word(&mut self, word: &[u8]) -> bool {
        self.skip_whitespace();
        let found = self.bytes[self.at..].starts_with(word);
        if found {
            self.at += word.len();
        }
        found
    }

    /// The digits from here, as a number and a count; past 19 digits the number is wrong and
    /// the caller gives up.
    #[inline]
    fn digits(&mut self, mut value: u64) -> (u64, usize) {
        let start = self.at;
        while let Some(digit @ b'0'..=b'9') = self.peek() {
            value = value.wrapping_mul(10).wrapping_add(u64::from(digit - b'0'));
            self.at += 1;
        }
        (value, self.at - start)
    }

    /// A number, when it is an integer of 64 bits, or a decimal that is exact rounding's and
    /// serde_json's alike: a significand under 2^53 scaled by at most 10^22 either way, one
    /// rounded operation.
    #[inline]
    fn number(&mut self) -> Result<Number> {
        self.skip_whitespace();
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let first = self.peek();
        let (mut significand, mut count) = self.digits(0);
        // Leading zeros are not JSON; 20 digits may not fit 64 bits.
        if count == 0 || count > 19 || (first == Some(b'0') && count > 1) {
            return Err(GiveUp);
        }
        let mut exponent = 0i32;
        let mut decimal = false;
        if self.peek() == Some(b'.') {
            self.at += 1;
            let fraction;
            (significand, fraction) = self.digits(significand);
            count += fraction;
            if fraction == 0 || count > 19 {
                return Err(GiveUp);
            }
            exponent = -(fraction as i32);
            decimal = true;
        }
        if let Some(b'e' | b'E') = self.peek() {
            self.at += 1;
            let sign = if self.peek() == Some(b'-') { -1 } else { 1 };
            if let Some(b'-' | b'+') = self.peek() {
                self.at += 1;
            }
            let (explicit, digits) = self.digits(0);
            if digits == 0 || digits > 3 {
                return Err(GiveUp);
            }
            exponent += sign * explicit as i32;
            decimal = true;
        }
        if !decimal {
            return match (negative, significand) {
                (false, n) => Ok(Number::U64(n)),
                // `-0` is a float to serde_json, and below i64::MIN is past 64 bits.
                (true, 0) => Err(GiveUp),
                (true, n) if n > 1 << 63 => Err(GiveUp),
                (true, n) => Ok(Number::I64((n as i64).wrapping_neg())),
            };
        }
        let scale = exponent.unsigned_abs() as usize;
        if significand >= 1 << 53 || scale >= EXACT_POWERS_OF_TEN.len() {
            return Err(GiveUp);
        }
        let magnitude = if exponent >= 0 {
            significand as f64 * EXACT_POWERS_OF_TEN[scale]
        } else {
            significand as f64 / EXACT_POWERS_OF_TEN[scale]
        };
        Ok(Number::F64(if negative { -magnitude } else { magnitude }))
    }

    /// A string, handed to `visitor` as serde_json hands it: borrowed when it has no escape,
    /// copied when it has some. A lone surrogate or a raw control character is left to
    /// serde_json.
    #[inline]
    fn visit_string<V: Visitor<'de>>(&mut self, visitor: V) -> Result<V::Value> {
        self.expect(b'"')?;
        let start = self.at;
        let length = self.bytes[start..]
            .iter()
            .position(|&byte| matches!(byte, b'"' | b'\\' | 0..=0x1f))
            .ok_or(GiveUp)?;
        self.at = start + length;
        if self.bytes[self.at] != b'"' {
            return visitor.visit_str(&self.escaped_string(start)?);
        }
        self.at += 1;
        visitor.visit_borrowed_str(self.text.get(start..start + length).ok_or(GiveUp)?)
    }

    /// The rest of a string that has an escape at `self.at`, from its start.
    #[cold]
    fn escaped_string(&mut self, start: usize) -> Result<String> {
        let mut text = String::from(self.text.get(start..self.at).ok_or(GiveUp)?);
        loop {
            match self.peek().ok_or(GiveUp)? {
                b'"' => {
                    self.at += 1;
                    return Ok(text);
                }
                b'\\' => {
                    let escape = *self.bytes.get(self.at + 1).ok_or(GiveUp)?;
                    self.at += 2;
                    text.push(match escape {
                        b'"' => '"',
                        b'\\' => '\\',
                        b'/' => '/',
                        b'b' => '\u{8}',
                        b'f' => '\u{c}',
                        b'n' => '\n',
                        b'r' => '\r',
                        b't' => '\t',
                        b'u' => self.unicode_escape()?,
                        _ => return Err(GiveUp),
                    });
                }
                0..=0x1f => return Err(GiveUp),
                _ => {
                    let run = self.at;
                    while let Some(byte) = self.peek() {
                        if matches!(byte, b'"' | b'\\' | 0..=0x1f) {
                            break;
                        }
                        self.at += 1;
                    }
                    text.push_str(self.text.get(run..self.at).ok_or(GiveUp)?);
                }
            }
        }
    }

    /// The character of a `\u` escape, just after its `\u`: a code point that is not a
    /// surrogate, or a surrogate pair written as two escapes. A lone surrogate, which
    /// serde_json refuses, is left to it.
    fn unicode_escape(&mut self) -> Result<char> {
        let first = self.hex4()?;
        let code = match first {
            0xD800..=0xDBFF => {
                if self.bytes.get(self.at..self.at + 2) != Some(b"\\u") {
                    return Err(GiveUp);
                }
                self.at += 2;
                match self.hex4()? {
                    second @ 0xDC00..=0xDFFF => {
                        0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
                    }
                    _ => return Err(GiveUp),
                }
            }
            code => code,
        };
        char::from_u32(code).ok_or(GiveUp)
    }

    /// Four hex digits, as a number.
    fn hex4(&mut self) -> Result<u32> {
        let digits = self.bytes.get(self.at..self.at + 4).ok_or(GiveUp)?;
        let mut value = 0;
        for &digit in digits {
            value = value * 16 + char::from(digit).to_digit(16).ok_or(GiveUp)?;
        }
        self.at += 4;
        Ok(value)
    }

    /// The items between `open` and `close`, one level deeper (giving up past
    /// [`MAX_DEPTH`]), handed to `visit`.
    fn items<T>(
        &mut self,
        open: u8,
        close: u8,
        visit: impl FnOnce(Items<'_, 'de>) -> Result<T>,
    ) -> Result<T> {
        self.expect(open)?;
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(GiveUp);
        }
        let value = visit(Items {
            reader: &mut *self,
            first: true,
        })?;
        self.depth -= 1;
        self.expect(close)?;
        Ok(value)
    }
}

impl Number {
    fn visit<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self {
            Number::U64(n) => visitor.visit_u64(n),
            Number::I64(n) => visitor.visit_i64(n),
            Number::F64(n) => visitor.visit_f64(n),
        }
    }
}

/// Every number type but `f32` (and the 128-bit ones, left to serde_json): serde_json reads
/// the number, whatever the type asked for, and hands it over as it found it.
macro_rules! numbers {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
            self.number()?.visit(visitor)
        }
    )*};
}

impl<'de> de::Deserializer<'de> for &mut Reader<'de> {
    type Error = GiveUp;

    numbers!(deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64 deserialize_f64);

    /// Untyped values, and every kind below that is not forwarded elsewhere, are left to
    /// serde_json; `newtype_struct` among them, as serde_json treats its `RawValue` apart.
    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(GiveUp)
    }

    serde::forward_to_deserialize_any! {
        i128 u128 char bytes byte_buf unit unit_struct newtype_struct tuple tuple_struct enum
        ignored_any
    }

    /// An `f32` from a decimal would be rounded twice here, and once by serde_json built with
    /// `float_roundtrip`; only integers are read.
    fn deserialize_f32<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        match self.number()? {
            Number::F64(_) => Err(GiveUp),
            number => number.visit(visitor),
        }
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.eat_word(b"true") {
            visitor.visit_bool(true)
        } else if self.eat_word(b"false") {
            visitor.visit_bool(false)
        } else {
            Err(GiveUp)
        }
    }

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.visit_string(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.deserialize_str(visitor)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        if self.eat_word(b"null") {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.items(b'[', b']', |items| visitor.visit_seq(items))
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.items(b'{', b'}', |items| visitor.visit_map(items))
    }

    /// serde_json also reads a struct from an array; that is left to it.
    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value> {
        self.deserialize_map(visitor)
    }
}

/// The items of an array or the entries of an object.
struct Items<'r, 'de> {
    reader: &'r mut Reader<'de>,
    first: bool,
}

impl<'de> Items<'_, 'de> {
    /// Whether another item follows, consuming the comma before it.
    fn has_next(&mut self, close: u8) -> Result<bool> {
        let token = self.reader.next_token().ok_or(GiveUp)?;
        if token == close {
            return Ok(false);
        }
        if !std::mem::take(&mut self.first) {
            if token != b',' {
                return Err(GiveUp);
            }
            self.reader.at += 1;
        }
        Ok(true)
    }
}

impl<'de> de::SeqAccess<'de> for Items<'_, 'de> {
    type Error = GiveUp;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>> {
        if !self.has_next(b']')? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

impl<'de> de::MapAccess<'de> for Items<'_, 'de> {
    type Error = GiveUp;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>> {
        if !self.has_next(b'}')? {
            return Ok(None);
        }
        let key = seed.deserialize(Key(&mut *self.reader))?;
        self.reader.expect(b':')?;
        Ok(Some(key))
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value> {
        seed.deserialize(&mut *self.reader)
    }
}

/// An object's key: read as a string only. serde_json also reads numbers and booleans out of
/// keys, for maps keyed by them; that is left to it.
struct Key<'r, 'de>(&'r mut Reader<'de>);

impl<'de> de::Deserializer<'de> for Key<'_, 'de> {
    type Error = GiveUp;

    fn deserialize_str<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.deserialize_str(visitor)
    }

    fn deserialize_string<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.deserialize_str(visitor)
    }

    fn deserialize_identifier<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value> {
        self.0.deserialize_str(visitor)
    }

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value> {
        Err(GiveUp)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::from_str;

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Arguments {
        count: i64,
        small: Option<u8>,
        ratio: Option<f64>,
        single: Option<f32>,
        name: Option<String>,
        on: Option<bool>,
        tags: Option<Vec<String>>,
        filter: Option<Filter>,
        weights: Option<HashMap<String, i32>>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Filter {
        column: String,
        values: Vec<Option<f64>>,
    }

    /// The fast reading of `text`, after checking that serde_json reads it the same.
    fn fast(text: &str) -> Option<Arguments> {
        let fast = from_str::<Arguments>(text);
        if let Some(value) = &fast {
            let slow = serde_json::from_str::<Arguments>(text);
            assert_eq!(Some(value), slow.as_ref().ok(), "{text}");
        }
        fast
    }

    #[test]
    fn reads_the_shapes_models_send_as_serde_json_does() {
        for text in [
            r#"{"count":1}"#,
            r#" { "count" : -42 , "small" : 255 , "on" : true } "#,
            "{\n\t\"count\": 9223372036854775807,\r\n\"small\": null}",
            r#"{"count":-9223372036854775808,"name":"Zoë"}"#,
            r#"{"count":1,"name":"\u00e9\u20AC \ud83d\ude00\u0000"}"#,
            r#"{"\u0063ount":1}"#,
            r#"{"count":0,"ratio":0.1,"single":3,"name":"line\nbreak \"quoted\" \\ /"}"#,
            r#"{"count":0,"ratio":-1.5e3,"tags":[],"weights":{}}"#,
            r#"{"count":0,"ratio":123456789012345e-22,"tags":["a","b"]}"#,
            r#"{"count":0,"ratio":1E+22,"weights":{"x":-1,"y":2}}"#,
            r#"{"count":0,"filter":{"column":"age","values":[1,null,2.25,-0.5]}}"#,
        ] {
            assert!(fast(text).is_some(), "{text}");
        }
    }

    #[test]
    fn leaves_everything_else_to_serde_json() {
        for text in [
            // Not an object, or not only one.
            r#"[1]"#,
            r#"{"count":1} x"#,
            r#"{"count":1"#,
            // Lone surrogates, which serde_json refuses; numbers it reads its own way.
            r#"{"count":1,"name":"\ud800"}"#,
            r#"{"count":1,"name":"\ud83d\u0041"}"#,
            r#"{"count":1,"name":"\udc00"}"#,
            r#"{"count":1,"name":"\u12"}"#,
            r#"{"count":-0}"#,
            r#"{"count":01}"#,
            r#"{"count":18446744073709551616}"#,
            r#"{"count":1,"ratio":1e23}"#,
            r#"{"count":1,"ratio":9007199254740993.0}"#,
            r#"{"count":1,"single":0.1}"#,
            r#"{"count":1,"ratio":1.}"#,
            r#"{"count":1,"ratio":.5}"#,
            // Mistakes, which serde_json words.
            r#"{"count":1,}"#,
            r#"{"count":1,"count":2}"#,
            r#"{"count":1,"other":2}"#,
            r#"{"count":1.5}"#,
            r#"{"count":-1,"small":256}"#,
            r#"{"count":1,"name":"tab	inside"}"#,
            r#"{"small":1}"#,
            r#"{"count":nul}"#,
        ] {
            assert!(fast(text).is_none(), "{text}");
        }
    }

    #[test]
    fn decimals_round_as_serde_json_rounds_them() {
        // A fixed sequence of significands and exponents, through both readers.
        let mut state = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            let significand = state % (1 << 53);
            let exponent = (state >> 56) as i32 % 23 - 11;
            let text = format!(r#"{{"count":0,"ratio":{significand}e{exponent}}}"#);
            let fast = fast(&text).expect("within the exact range");
            let slow: Arguments = serde_json::from_str(&text).unwrap();
            assert_eq!(
                fast.ratio.map(f64::to_bits),
                slow.ratio.map(f64::to_bits),
                "{text}"
            );
        }
    }
}

//! Arguments sent as JSON text are first read by a quick reader of the common shapes, and by
//! serde_json when it gives up. Whatever the text, the outcome must be serde_json's own: these
//! properties write JSON text by hand, in every form the grammar allows (exponents, escapes,
//! odd whitespace) and with slips, and compare.

use std::collections::HashMap;
use std::fmt::Debug;

use proptest::prelude::*;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use tool_runtime::ArgumentsRef;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Flat {
    id: Option<i64>,
    small: Option<u8>,
    ratio: Option<f64>,
    single: Option<f32>,
    name: Option<String>,
    on: Option<bool>,
}

#[derive(Debug, Deserialize, PartialEq)]
struct Nested {
    tags: Option<Vec<String>>,
    values: Option<Vec<Option<f64>>>,
    weights: Option<HashMap<String, i32>>,
    flat: Option<Flat>,
}

/// A number written from its parts: an integer part with its sign, a fraction, an exponent.
type NumberParts = (String, Option<String>, Option<(String, String, String)>);

fn number_text((int, fraction, exponent): NumberParts) -> String {
    let mut text = int;
    if let Some(fraction) = fraction {
        text += &format!(".{fraction}");
    }
    if let Some((e, sign, digits)) = exponent {
        text += &format!("{e}{sign}{digits}");
    }
    text
}

/// A valid JSON number in any of its forms.
fn valid_number() -> impl Strategy<Value = String> {
    (
        "-?(0|[1-9][0-9]{0,17})",
        proptest::option::of("[0-9]{1,8}"),
        proptest::option::of(("[eE]", "[+-]?", "[0-9]{1,2}")),
    )
        .prop_map(number_text)
}

/// A number in any of JSON's forms, and some that are not JSON.
fn number() -> impl Strategy<Value = String> {
    let digits = "[0-9]{1,22}";
    prop_oneof![
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>().prop_map(|n| n.to_string()),
        valid_number(),
        (
            "-?[0-9]{1,22}",
            proptest::option::of(digits),
            proptest::option::of(("[eE]", "[+-]?", "[0-9]{1,4}"))
        )
            .prop_map(number_text),
        prop_oneof![
            Just("-0"),
            Just("-0.0"),
            Just("1."),
            Just(".5"),
            Just("01"),
            Just("1e"),
            Just("-")
        ]
        .prop_map(str::to_owned),
    ]
}

/// Escapes JSON allows, of every kind.
fn valid_escape() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(r#"\""#),
        Just(r"\\"),
        Just(r"\/"),
        Just(r"\b"),
        Just(r"\f"),
        Just(r"\n"),
        Just(r"\r"),
        Just(r"\t"),
        Just(r"\u00e9"),
        Just(r"\u20AC"),
        Just(r"\u0000"),
        Just(r"\ud83d\ude00"),
        Just(r"\uDBFF\uDFFF"),
    ]
    .prop_map(str::to_owned)
}

/// A string literal made of `pieces`.
fn string_of(pieces: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    prop::collection::vec(pieces, 0..5).prop_map(|pieces| format!("\"{}\"", pieces.concat()))
}

/// A valid string literal, escapes of every kind included.
fn valid_string() -> impl Strategy<Value = String> {
    string_of(prop_oneof!["[a-zA-Z0-9 é€😀]{0,6}", valid_escape()])
}

/// A string literal, with escapes of every kind, and some that are not JSON: lone surrogates,
/// short or unknown escapes, a raw tab.
fn string() -> impl Strategy<Value = String> {
    let not_json = prop_oneof![
        Just(r"\ud800"),
        Just(r"\udc00"),
        Just(r"\ud83d\u0041"),
        Just(r"\u00"),
        Just(r"\x"),
        Just("\t"),
    ]
    .prop_map(str::to_owned);
    string_of(prop_oneof![
        "[a-zA-Z0-9 é€😀]{0,6}",
        valid_escape(),
        not_json
    ])
}

fn space() -> impl Strategy<Value = &'static str> {
    prop_oneof![Just(""), Just(" "), Just("\n\t"), Just("\r\n  ")]
}

/// A JSON value written by hand, up to a few levels deep.
fn value() -> impl Strategy<Value = String> + Clone {
    let leaf = prop_oneof![
        number(),
        string(),
        prop_oneof![Just("true"), Just("false"), Just("null"), Just("nul")].prop_map(str::to_owned),
    ];
    leaf.prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            (
                prop::collection::vec((space(), inner.clone()), 0..4),
                space()
            )
                .prop_map(|(items, end)| {
                    let items: Vec<String> =
                        items.into_iter().map(|(s, v)| s.to_owned() + &v).collect();
                    format!("[{}{end}]", items.join(","))
                }),
            object(inner),
        ]
    })
}

/// An object with the keys of the argument types and a few others, in any order, keys given
/// twice included.
fn object(value: impl Strategy<Value = String>) -> impl Strategy<Value = String> {
    let key = prop_oneof![
        prop_oneof![
            Just("id"),
            Just("small"),
            Just("ratio"),
            Just("single"),
            Just("name"),
            Just("on"),
            Just("tags"),
            Just("values"),
            Just("weights"),
            Just("flat"),
            Just("other"),
            Just(r"n\u0061me"),
        ]
        .prop_map(|k| format!("\"{k}\"")),
        string(),
    ];
    (
        prop::collection::vec((space(), key, space(), value), 0..6),
        space(),
        any::<bool>(),
    )
        .prop_map(|(entries, end, trailing_comma)| {
            let entries: Vec<String> = entries
                .into_iter()
                .map(|(before, key, after, value)| format!("{before}{key}{after}:{value}"))
                .collect();
            let comma = if trailing_comma && !entries.is_empty() {
                ","
            } else {
                ""
            };
            format!("{{{}{comma}{end}}}", entries.join(","))
        })
}

/// Arguments as a model might send them: an object, maybe with text around it.
fn arguments() -> impl Strategy<Value = String> {
    (
        space(),
        object(value()),
        space(),
        prop_oneof![Just(""), Just("x"), Just("}")],
    )
        .prop_map(|(before, object, after, tail)| {
            // Mostly clean, sometimes with text after the object.
            let tail = if object.len() % 5 == 0 { tail } else { "" };
            format!("{before}{object}{after}{tail}")
        })
}

/// Decoded through the runtime, and by serde_json alone: the same value, or both refused.
fn agree<T: DeserializeOwned + PartialEq + Debug>(text: &str) -> Result<(), TestCaseError> {
    let ours = ArgumentsRef::Text(text).decode::<T>();
    let theirs = serde_json::from_str::<T>(text);
    match (ours, theirs) {
        // Compared as printed too: `-0.0 == 0.0`, but a model's sign must survive.
        (Ok(ours), Ok(theirs)) => {
            prop_assert_eq!(format!("{ours:?}"), format!("{theirs:?}"), "{}", text);
            prop_assert_eq!(ours, theirs, "{}", text);
        }
        (Err(_), Err(_)) => {}
        (ours, theirs) => prop_assert!(false, "{text}: ours {ours:?}, serde_json {theirs:?}"),
    }
    Ok(())
}

/// Arguments `Flat` takes, each field at most once, in any order and spacing: the values
/// that must decode, and decode alike.
fn valid_flat() -> impl Strategy<Value = String> {
    let fields = (
        proptest::option::of(any::<i64>().prop_map(|n| n.to_string())),
        proptest::option::of(any::<u8>().prop_map(|n| n.to_string())),
        proptest::option::of(valid_number()),
        proptest::option::of(valid_number()),
        proptest::option::of(valid_string()),
        proptest::option::of(prop_oneof![Just("true"), Just("false"), Just("null")]),
    );
    (
        fields,
        Just(()).prop_perturb(|_, mut rng| rng.random::<u64>()),
        space(),
    )
        .prop_map(|((id, small, ratio, single, name, on), order, end)| {
            let mut entries: Vec<String> = [
                id.map(|v| format!(r#""id":{v}"#)),
                small.map(|v| format!(r#""small": {v}"#)),
                ratio.map(|v| format!("\"ratio\"\n:{v}")),
                single.map(|v| format!(r#"  "single" :  {v}"#)),
                name.map(|v| format!(r#""n\u0061me":{v}"#)),
                on.map(|v| format!("\t\"on\":{v}")),
            ]
            .into_iter()
            .flatten()
            .collect();
            let len = entries.len();
            if len > 1 {
                entries.rotate_left((order % len as u64) as usize);
            }
            format!("{{{}{end}}}", entries.join(","))
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(4_000))]

    #[test]
    fn valid_arguments_in_any_form_decode_as_serde_json_decodes_them(text in valid_flat()) {
        let ours = ArgumentsRef::Text(&text).decode::<Flat>();
        let theirs = serde_json::from_str::<Flat>(&text);
        // Numbers out of a field's range are refused by both; anything else must decode.
        if theirs.is_ok() {
            prop_assert!(ours.is_ok(), "{text}: {ours:?}");
        }
        agree::<Flat>(&text)?;
    }

    #[test]
    fn text_arguments_decode_as_serde_json_decodes_them(text in arguments()) {
        agree::<Flat>(&text)?;
        agree::<Nested>(&text)?;
    }
}

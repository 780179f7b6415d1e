//! Hostile input against the pure parts that read what clients send: the
//! event validator and the period parameters. Whatever arrives, they answer
//! (no panic), and every refusal names what is wrong.

use chrono::{DateTime, TimeZone, Utc};
use proptest::prelude::*;
use proptest::test_runner::FileFailurePersistence;
use pulse_db::analytics::ResolvedPeriod;
use pulse_db::ingest::{FIELDS, validate_batch};
use pulse_model::PeriodQuery;
use serde_json::{Map, Value, json};

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 27, 12, 0, 0).unwrap()
}

/// Any JSON value, nested up to a few levels.
fn any_json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<f64>().prop_map(|x| json!(x)),
        ".{0,40}".prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 32, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::btree_map(".{0,12}", inner, 0..6)
                .prop_map(|map| Value::Object(map.into_iter().collect())),
        ]
    })
}

/// Strings that look like what a field should hold, and some that do not.
fn field_text() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(json!("message")),
        Just(json!("session_start")),
        Just(json!("2026-11-27T10:00:00Z")),
        Just(json!("2026-11-27T10:00:00+05:45")),
        Just(json!("9999-12-31T23:59:59Z")),
        Just(json!("0000-01-01T00:00:00Z")),
        Just(json!("tutor")),
        Just(json!("")),
        Just(json!("a".repeat(100_000))),
        Just(json!("\u{0}\u{7}\u{202e}<script>")),
        Just(json!(i64::MAX)),
        Just(json!(-1.5e300)),
        ".{0,30}".prop_map(Value::String),
        any_json(),
    ]
}

/// Objects with the event fields (some missing, some of the wrong kind).
fn event_like() -> impl Strategy<Value = Value> {
    prop::collection::vec((prop::sample::select(&FIELDS[..]), field_text()), 0..10).prop_map(
        |pairs| {
            let mut object = Map::new();
            for (field, value) in pairs {
                object.insert(field.to_owned(), value);
            }
            Value::Object(object)
        },
    )
}

proptest! {
    // Failing cases are kept (and replayed first) beside this file, in
    // hostile_input.proptest-regressions; since tests/main.rs exists, proptest's
    // default would be db/proptest-regressions/hostile_input.txt.
    #![proptest_config(ProptestConfig {
        cases: 2_000,
        failure_persistence: Some(Box::new(
            FileFailurePersistence::WithSource("proptest-regressions"),
        )),
        ..ProptestConfig::default()
    })]

    #[test]
    fn the_validator_answers_anything_and_names_each_problem(
        values in prop::collection::vec(prop_oneof![event_like(), any_json()], 0..8)
    ) {
        match validate_batch(&values, now()) {
            Ok(batch) => {
                prop_assert!(batch.events.len() + batch.repeated_in_batch as usize == values.len());
            }
            Err(errors) => {
                prop_assert!(!errors.is_empty());
                for error in errors {
                    prop_assert!(error.index < values.len());
                    prop_assert!(!error.reason.trim().is_empty());
                    // The message is short even when the value is huge.
                    prop_assert!(error.reason.len() < 300, "{}", error.reason);
                }
            }
        }
    }

    #[test]
    fn period_parameters_resolve_or_say_why(
        period in prop_oneof![
            Just("today".to_owned()), Just("7d".to_owned()), Just("30d".to_owned()),
            Just("custom".to_owned()), ".{0,12}"
        ],
        from in prop::option::of(prop_oneof![
            Just("2026-03-08".to_owned()), Just("0001-01-01".to_owned()),
            Just("262143-12-31".to_owned()), Just("2026-02-30".to_owned()), ".{0,14}"
        ]),
        to in prop::option::of(prop_oneof![
            Just("2026-11-27".to_owned()), Just("9999-12-31".to_owned()), ".{0,14}"
        ]),
        tz in prop_oneof![
            Just("UTC".to_owned()), Just("Asia/Kathmandu".to_owned()),
            Just("America/St_Johns".to_owned()), Just("Etc/GMT+12".to_owned()), ".{0,20}"
        ],
    ) {
        let query = PeriodQuery { period, from, to, tz, section: None };
        match ResolvedPeriod::resolve(&query, now()) {
            Ok(resolved) => {
                prop_assert!(resolved.days >= 1);
                prop_assert!(resolved.days <= pulse_db::analytics::MAX_CUSTOM_DAYS);
            }
            Err(error) => {
                let reason = error.to_string();
                prop_assert!(!reason.trim().is_empty() && reason.len() < 300, "{reason}");
            }
        }
    }
}

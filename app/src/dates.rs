//! Every date and time the app shows, in one format: the browser's
//! language's, by `Intl.DateTimeFormat`, so that "Sun 8 Nov", "Sun Nov 8"
//! and "2026-11-08" never share a page (numbers: `browser::number`).
//!
//! Two kinds of time reach the page. Figures' buckets and weeks come as
//! local wall-clock times already in the selected zone ([`wall_clock`]);
//! moments (a session's start, a last activity) come as instants and are
//! shown in a named zone ([`in_zone`]). Off the browser (tests, exports
//! drawn on the server) a fixed English pattern of the same shape stands in.

use std::cell::RefCell;
use std::collections::HashMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use wasm_bindgen::{JsCast, JsValue};

/// Which parts of a date are shown (the examples as American English
/// writes them; each language writes its own).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DateStyle {
    /// A day: "Tue, Nov 17".
    Day,
    /// A day with its year: "Tue, Nov 17, 2026".
    DayWithYear,
    /// A short axis label: "Nov 17".
    DayMonth,
    /// A whole date, for tooltips: "Tuesday, November 17, 2026".
    LongDay,
    /// An hour in a week: "Tue 13:00".
    WeekdayTime,
    /// A time of day: "13:27".
    Time,
    /// A moment: "Tue, Nov 17, 13:27".
    DayTime,
    /// A moment with its year: "Tue, Nov 17, 2026, 13:27".
    DayTimeWithYear,
}

impl DateStyle {
    /// The `Intl.DateTimeFormat` options of the style.
    fn options(self) -> &'static [(&'static str, &'static str)] {
        const TIME: [(&str, &str); 3] = [
            ("hour", "2-digit"),
            ("minute", "2-digit"),
            ("hourCycle", "h23"),
        ];
        match self {
            DateStyle::Day => &[("weekday", "short"), ("day", "numeric"), ("month", "short")],
            DateStyle::DayWithYear => &[
                ("weekday", "short"),
                ("day", "numeric"),
                ("month", "short"),
                ("year", "numeric"),
            ],
            DateStyle::DayMonth => &[("day", "numeric"), ("month", "short")],
            DateStyle::LongDay => &[
                ("weekday", "long"),
                ("day", "numeric"),
                ("month", "long"),
                ("year", "numeric"),
            ],
            DateStyle::WeekdayTime => &[("weekday", "short"), TIME[0], TIME[1], TIME[2]],
            DateStyle::Time => &TIME,
            DateStyle::DayTime => &[
                ("weekday", "short"),
                ("day", "numeric"),
                ("month", "short"),
                TIME[0],
                TIME[1],
                TIME[2],
            ],
            DateStyle::DayTimeWithYear => &[
                ("weekday", "short"),
                ("day", "numeric"),
                ("month", "short"),
                ("year", "numeric"),
                TIME[0],
                TIME[1],
                TIME[2],
            ],
        }
    }

    /// The same shape where there is no browser (the pages the server
    /// renders): as `Intl` writes it in American English, so that the
    /// server's first paint reads as the app that replaces it does in the
    /// most common browser language.
    fn pattern(self) -> &'static str {
        match self {
            DateStyle::Day => "%a, %b %-d",
            DateStyle::DayWithYear => "%a, %b %-d, %Y",
            DateStyle::DayMonth => "%b %-d",
            DateStyle::LongDay => "%A, %B %-d, %Y",
            DateStyle::WeekdayTime => "%a %H:%M",
            DateStyle::Time => "%H:%M",
            DateStyle::DayTime => "%a, %b %-d, %H:%M",
            DateStyle::DayTimeWithYear => "%a, %b %-d, %Y, %H:%M",
        }
    }
}

/// A local wall-clock time (already in the selected zone) in `style`.
pub fn wall_clock(local: NaiveDateTime, style: DateStyle) -> String {
    // Read as UTC and written in UTC, the fields come out as they are.
    let at = local.and_utc();
    format_in(at, "UTC", style, false).unwrap_or_else(|| local.format(style.pattern()).to_string())
}

/// A calendar date in `style` (one without a time of day).
pub fn date(day: chrono::NaiveDate, style: DateStyle) -> String {
    wall_clock(day.and_time(chrono::NaiveTime::MIN), style)
}

/// The instant `at` in the IANA zone `tz` (the browser's own when empty),
/// in `style`, followed by the zone's short name when `name_zone`. A zone
/// the browser does not know falls back to UTC, said as such.
pub fn in_zone(at: DateTime<Utc>, tz: &str, style: DateStyle, name_zone: bool) -> String {
    format_in(at, tz, style, name_zone).unwrap_or_else(|| {
        let text = at.format(style.pattern()).to_string();
        if name_zone {
            format!("{text} UTC")
        } else {
            text
        }
    })
}

thread_local! {
    /// Formats made once per (style, zone, zone name): a table or an axis
    /// writes many dates in one style.
    static FORMATS: RefCell<HashMap<(DateStyle, String, bool), js_sys::Function>> =
        RefCell::new(HashMap::new());
}

/// `at` formatted by the browser, or `None` off the browser or for a zone
/// it does not know.
fn format_in(at: DateTime<Utc>, tz: &str, style: DateStyle, name_zone: bool) -> Option<String> {
    if cfg!(not(target_arch = "wasm32")) {
        return None;
    }
    let key = (style, tz.to_owned(), name_zone);
    let format = FORMATS.with(|formats| {
        if let Some(format) = formats.borrow().get(&key) {
            return Some(format.clone());
        }
        let format = make_format(tz, style, name_zone)?;
        formats.borrow_mut().insert(key, format.clone());
        Some(format)
    })?;
    let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
    format.call1(&JsValue::NULL, &date).ok()?.as_string()
}

/// A bound `Intl.DateTimeFormat.prototype.format` for the style and zone.
fn make_format(tz: &str, style: DateStyle, name_zone: bool) -> Option<js_sys::Function> {
    let options = js_sys::Object::new();
    let set = |key: &str, value: &str| {
        let _ = js_sys::Reflect::set(&options, &JsValue::from_str(key), &JsValue::from_str(value));
    };
    for (key, value) in style.options() {
        set(key, value);
    }
    if name_zone {
        set("timeZoneName", "short");
    }
    if !tz.is_empty() {
        set("timeZone", tz);
    }
    let constructor = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl"))
        .and_then(|intl| js_sys::Reflect::get(&intl, &JsValue::from_str("DateTimeFormat")))
        .and_then(JsCast::dyn_into::<js_sys::Function>)
        .ok()?;
    // Constructed through Reflect: an unknown zone is an exception to
    // catch, not a panic.
    let format = js_sys::Reflect::construct(
        &constructor,
        &js_sys::Array::of2(&js_sys::Array::new(), &options),
    )
    .ok()?;
    Some(js_sys::Intl::DateTimeFormat::from(format).format())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn off_the_browser_every_style_keeps_its_shape() {
        let local = chrono::NaiveDate::from_ymd_opt(2026, 11, 8)
            .unwrap()
            .and_hms_opt(13, 5, 0)
            .unwrap();
        assert_eq!(wall_clock(local, DateStyle::Day), "Sun, Nov 8");
        assert_eq!(
            wall_clock(local, DateStyle::DayTimeWithYear),
            "Sun, Nov 8, 2026, 13:05"
        );
        assert_eq!(
            wall_clock(local, DateStyle::LongDay),
            "Sunday, November 8, 2026"
        );
        assert_eq!(
            in_zone(local.and_utc(), "Europe/Paris", DateStyle::Time, true),
            "13:05 UTC"
        );
    }
}

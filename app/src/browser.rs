//! The few things the app asks of the browser directly: the viewer's time
//! zone, the zones it knows, downloads. Each has a plain fallback so the
//! code also compiles (and is never called) on the server.

use wasm_bindgen::{JsCast, JsValue};

/// The browser's IANA time zone, or UTC.
pub fn time_zone() -> String {
    let options = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new())
        .resolved_options();
    js_sys::Reflect::get(&options, &JsValue::from_str("timeZone"))
        .ok()
        .and_then(|zone| zone.as_string())
        .unwrap_or_else(|| "UTC".to_owned())
}

/// A count written as the browser's language writes numbers ("46,214" in
/// English, "46 214" in French), by `Intl.NumberFormat`, so that every
/// count on a page reads alike; in English where there is no browser (the
/// share page, rendered on the server).
pub fn number(value: u64) -> String {
    if cfg!(not(target_arch = "wasm32")) {
        return grouped(value);
    }
    thread_local! {
        // Made once: the user table writes two counts per row drawn.
        static FORMAT: js_sys::Function =
            js_sys::Intl::NumberFormat::new(&js_sys::Array::new(), &js_sys::Object::new()).format();
    }
    FORMAT
        .with(|format| {
            format
                .call1(&JsValue::NULL, &JsValue::from_f64(value as f64))
                .ok()?
                .as_string()
        })
        .unwrap_or_else(|| value.to_string())
}

/// `value` with its thousands grouped by commas: "46,214".
fn grouped(value: u64) -> String {
    let digits = value.to_string();
    let mut text = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            text.push(',');
        }
        text.push(digit);
    }
    text
}

/// Every IANA zone the browser knows (`Intl.supportedValuesOf`).
pub fn known_time_zones() -> Vec<String> {
    let intl = js_sys::Reflect::get(&js_sys::global(), &JsValue::from_str("Intl")).ok();
    let supported = intl
        .as_ref()
        .and_then(|intl| js_sys::Reflect::get(intl, &JsValue::from_str("supportedValuesOf")).ok());
    match (
        intl,
        supported.and_then(|f| f.dyn_into::<js_sys::Function>().ok()),
    ) {
        (Some(intl), Some(function)) => function
            .call1(&intl, &JsValue::from_str("timeZone"))
            .ok()
            .map(|zones| {
                js_sys::Array::from(&zones)
                    .iter()
                    .filter_map(|zone| zone.as_string())
                    .collect()
            })
            .unwrap_or_default(),
        _ => Vec::new(),
    }
}

/// Offers `bytes` as a file download named `file_name`.
pub fn download(file_name: &str, mime: &str, text: &str) {
    let parts = js_sys::Array::of1(&JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type(mime);
    let Ok(blob) = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options) else {
        return;
    };
    let Ok(url) = web_sys::Url::create_object_url_with_blob(&blob) else {
        return;
    };
    download_url(file_name, &url);
    let _ = web_sys::Url::revoke_object_url(&url);
}

/// Follows `url` as a download named `file_name` (a data: or blob: URL).
pub fn download_url(file_name: &str, url: &str) {
    let Some(document) = web_sys::window().and_then(|window| window.document()) else {
        return;
    };
    let Ok(anchor) = document.create_element("a") else {
        return;
    };
    let anchor: web_sys::HtmlAnchorElement = anchor.unchecked_into();
    anchor.set_href(url);
    anchor.set_download(file_name);
    anchor.click();
}

/// Milliseconds since the epoch, from the browser's clock.
pub fn now_ms() -> i64 {
    js_sys::Date::now() as i64
}

/// Puts `text` on the clipboard (the page must have the user's attention,
/// as after a click).
pub fn copy_text(text: &str) {
    if let Some(window) = web_sys::window() {
        // The promise settles later; a refusal leaves the clipboard as it was.
        let _ = window.navigator().clipboard().write_text(text);
    }
}

/// Remembers `value` for this tab under `key` (sessionStorage).
pub fn remember(key: &str, value: &str) {
    if let Some(storage) = web_sys::window().and_then(|w| w.session_storage().ok().flatten()) {
        let _ = storage.set_item(key, value);
    }
}

/// Where the browser keeps privacy mode (this tab's session), so that a
/// reload or another page of the tab while sharing the screen shows no
/// name either.
const PRIVACY_KEY: &str = "pulse-privacy-mode";

/// Whether privacy mode is on (docs/METRICS.md, "Privacy mode").
pub fn privacy_mode() -> bool {
    web_sys::window()
        .and_then(|w| w.session_storage().ok().flatten())
        .and_then(|storage| storage.get_item(PRIVACY_KEY).ok().flatten())
        .as_deref()
        == Some("on")
}

/// Turns privacy mode on or off for this tab's session.
pub fn set_privacy_mode(on: bool) {
    remember(PRIVACY_KEY, if on { "on" } else { "off" });
}

/// What [`remember`] kept under `key`, once: it is forgotten as it is read.
pub fn recall(key: &str) -> Option<String> {
    let storage = web_sys::window().and_then(|w| w.session_storage().ok().flatten())?;
    let value = storage.get_item(key).ok().flatten();
    let _ = storage.remove_item(key);
    value
}

/// Whether this page is shown inside another page's frame (a host
/// platform's, docs/EMBED.md).
pub fn is_framed() -> bool {
    let Some(window) = web_sys::window() else {
        return false;
    };
    // `window.top` differs from the window itself inside a frame; reading
    // it is allowed across origins.
    match window.top() {
        Ok(Some(top)) => top != window,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn off_the_browser_counts_are_grouped_in_threes() {
        for (value, text) in [
            (0, "0"),
            (999, "999"),
            (1000, "1,000"),
            (46214, "46,214"),
            (1234567, "1,234,567"),
        ] {
            assert_eq!(super::number(value), text);
        }
    }
}

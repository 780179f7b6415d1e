//! Security headers on every response. The Content-Security-Policy allows
//! the wasm app and nothing more: scripts from this origin plus the one
//! inline loader Trunk writes into index.html (allowed by its hash, computed
//! when the server starts), wasm compilation, connections back here, and
//! styles from this origin plus the few style attributes the charts'
//! text measuring sets (by hash); no `'unsafe-inline'` anywhere.

use axum::http::{HeaderName, HeaderValue, header};
use base64::Engine;
use sha2::{Digest, Sha256};
use tower_http::set_header::SetResponseHeaderLayer;

/// The layers that add the headers, for the app whose page is `index_html`.
pub fn layers(index_html: &str) -> Vec<SetResponseHeaderLayer<HeaderValue>> {
    let policy = content_security_policy(index_html);
    let headers: [(HeaderName, String); 4] = [
        (header::CONTENT_SECURITY_POLICY, policy),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
        (header::REFERRER_POLICY, "no-referrer".into()),
        (header::X_FRAME_OPTIONS, "DENY".into()),
    ];
    headers
        .into_iter()
        .filter_map(|(name, value)| {
            Some(SetResponseHeaderLayer::if_not_present(
                name,
                HeaderValue::from_str(&value).ok()?,
            ))
        })
        .collect()
}

fn content_security_policy(index_html: &str) -> String {
    let script_hashes: String = inline_scripts(index_html).map(hash_source).collect();
    // The charts' text-measuring styles (plotters sets them as attributes;
    // see pulse_app::chart_text_styles), by hash: nothing else inline.
    let style_hashes: String = pulse_app::chart_text_styles()
        .iter()
        .map(|style| hash_source(style))
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{script_hashes}; style-src 'self'; \
         style-src-attr 'unsafe-hashes'{style_hashes}; \
         img-src 'self' data: blob:; connect-src 'self'; font-src 'self'; object-src 'none'; \
         base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    )
}

/// ` 'sha256-...'`: a CSP source that allows exactly this inline text.
fn hash_source(text: &str) -> String {
    format!(
        " 'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(Sha256::digest(text))
    )
}

/// The bodies of `<script>` elements without a `src`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, body) = rest.split_once('>')?;
        let (body, _) = body.split_once("</script>")?;
        (!attributes.contains("src=")).then_some(body)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_loaders_are_allowed_by_hash_and_nothing_else_inline() {
        let html = r#"<script type="module">run()</script><script src="/x.js"></script>"#;
        let policy = content_security_policy(html);
        let expected = base64::engine::general_purpose::STANDARD.encode(Sha256::digest("run()"));
        assert!(policy.contains(&format!("'sha256-{expected}'")), "{policy}");
        assert_eq!(policy.matches("sha256-").count(), 1 + 4);
        let script_src = policy
            .split(';')
            .find(|d| d.trim_start().starts_with("script-src"))
            .unwrap();
        assert!(!script_src.contains("unsafe-inline"), "{script_src}");
        assert!(!policy.contains("unsafe-inline"), "{policy}");
        // The hash Chromium itself named when it blocked plotters' 13 px
        // measuring span under a stricter policy: an oracle outside our code.
        assert!(
            policy.contains("'sha256-SGv2RoMEiDiquni0d2hRt3svFYmL+pk2L3jsGSOUnfU='"),
            "{policy}"
        );
        let measuring = pulse_app::chart_text_styles();
        assert_eq!(measuring.len(), 4);
        for style in &measuring {
            assert!(policy.contains(&hash_source(style)), "{style}: {policy}");
        }
        assert!(policy.contains("frame-ancestors 'none'"));
    }
}

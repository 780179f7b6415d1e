//! Security headers on every response. The Content-Security-Policy allows
//! the wasm app and nothing more: scripts from this origin plus the one
//! inline loader Trunk writes into index.html (allowed by its hash, computed
//! when the server starts), wasm compilation, connections back here, and
//! styles from this origin plus the few style attributes the charts'
//! text measuring sets (by hash); no `'unsafe-inline'` anywhere.
//!
//! No page may be framed, except the embeddable ones (the embedding page
//! and an agent's pages) by the host origins of the embedding integrations
//! (docs/EMBED.md), read afresh for each answer since they change without a
//! restart.

use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use sha2::{Digest, Sha256};

use crate::embedding::Embedding;

/// What the headers are made of: the fixed policy, computed once for the
/// app whose page is `index_html`, and the integrations whose host origins
/// may frame the embeddable pages.
#[derive(Clone)]
pub struct SecurityHeaders {
    policy: Arc<str>,
    embedding: Arc<Embedding>,
}

impl SecurityHeaders {
    pub fn new(index_html: &str, embedding: Arc<Embedding>) -> SecurityHeaders {
        SecurityHeaders {
            policy: content_security_policy(index_html).into(),
            embedding,
        }
    }
}

/// Adds the headers to an answer; a header a route set itself stays.
pub async fn add_headers(
    State(security): State<SecurityHeaders>,
    request: Request,
    next: Next,
) -> Response {
    let embeddable = is_embeddable(request.uri().path());
    let mut response = next.run(request).await;
    let frame_ancestors = if embeddable {
        frame_ancestors(&security.embedding.integrations.frame_origins())
    } else {
        "'none'".to_owned()
    };
    let policy = format!("{}; frame-ancestors {frame_ancestors}", security.policy);
    set_if_absent(
        &mut response,
        [
            (header::CONTENT_SECURITY_POLICY, policy),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff".into()),
            (header::REFERRER_POLICY, "no-referrer".into()),
        ],
    );
    // X-Frame-Options knows no list of origins: it is left out where
    // frame-ancestors allows some (browsers then follow the policy).
    if frame_ancestors == "'none'" {
        set_if_absent(&mut response, [(header::X_FRAME_OPTIONS, "DENY".into())]);
    }
    response
}

fn set_if_absent<const N: usize>(response: &mut Response, headers: [(HeaderName, String); N]) {
    for (name, value) in headers {
        if !response.headers().contains_key(&name)
            && let Ok(value) = HeaderValue::from_str(&value)
        {
            response.headers_mut().insert(name, value);
        }
    }
}

/// The pages a host platform may frame: the embedding page, and an
/// agent's pages (the Users tab and what it links to). Sign-in, Settings,
/// share links and everything else stay unframeable.
fn is_embeddable(path: &str) -> bool {
    path.starts_with("/embed/") || path.starts_with("/agents/")
}

/// The `frame-ancestors` sources: the configured host origins, or `'none'`.
fn frame_ancestors(origins: &std::collections::BTreeSet<String>) -> String {
    if origins.is_empty() {
        "'none'".to_owned()
    } else {
        origins.iter().cloned().collect::<Vec<_>>().join(" ")
    }
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
         base-uri 'none'; form-action 'self'"
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
        assert!(!policy.contains("frame-ancestors"), "added per answer");
    }

    #[test]
    fn only_the_embedding_page_and_agent_pages_may_be_framed() {
        for path in [
            "/embed/agents/a/analytics/users",
            "/agents/algebra/analytics/users",
        ] {
            assert!(is_embeddable(path), "{path}");
        }
        for path in [
            "/",
            "/login",
            "/settings",
            "/share/abc",
            "/embed",
            "/embedded",
            "/api/v1/agents/x",
        ] {
            assert!(!is_embeddable(path), "{path}");
        }
        assert_eq!(frame_ancestors(&Default::default()), "'none'");
        let origins = [
            "https://lms.example".to_owned(),
            "http://localhost:8080".to_owned(),
        ];
        assert_eq!(
            frame_ancestors(&origins.into_iter().collect()),
            "http://localhost:8080 https://lms.example"
        );
    }
}

//! Answers are compressed when the client asks and they are worth it:
//! JSON and CSV over HTTP, gzip or brotli as accepted, plain otherwise.

use crate::support;

use std::io::Read;

use pulse_db::testing::TestBackend;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING};
use serde_json::{Value, json};
use support::{TestApp, event};

fn decode(encoding: Option<&str>, bytes: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    match encoding {
        None => out.extend_from_slice(bytes),
        Some("gzip") => {
            flate2::read::GzDecoder::new(bytes)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some("br") => {
            brotli::Decompressor::new(bytes, 4096)
                .read_to_end(&mut out)
                .unwrap();
        }
        Some(other) => panic!("unexpected encoding {other}"),
    }
    out
}

#[tokio::test]
async fn json_and_csv_answers_are_compressed_when_asked() {
    let app = TestApp::spawn(TestBackend::Sqlite).await;
    let events: Vec<Value> = (0..200)
        .map(|n| {
            event(
                &format!("e{n}"),
                "tutor",
                &format!("learner-{n}"),
                "message",
                5,
            )
        })
        .collect();
    assert_eq!(app.post_events(&json!(events)).await.status(), 200);
    for path in [
        "/api/v1/agents/tutor/users?period=7d",
        "/api/v1/agents/tutor/users?period=7d&format=csv",
    ] {
        let mut plain_body = None;
        for (asked, sent) in [
            (None, None),
            (Some("gzip"), Some("gzip")),
            (Some("br"), Some("br")),
            (Some("gzip, br"), Some("br")),
        ] {
            let mut request = app.request(reqwest::Method::GET, path, Some(&app.read_key));
            if let Some(asked) = asked {
                request = request.header(ACCEPT_ENCODING, asked);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), 200);
            let encoding = response
                .headers()
                .get(CONTENT_ENCODING)
                .map(|value| value.to_str().unwrap().to_owned());
            assert_eq!(encoding.as_deref(), sent, "{path} with {asked:?}");
            let wire = response.bytes().await.unwrap();
            let body = decode(encoding.as_deref(), &wire);
            match &plain_body {
                None => plain_body = Some(body),
                Some(plain) => {
                    assert_eq!(&body, plain, "{path}: the same answer, decoded");
                    assert!(
                        wire.len() * 3 < plain.len(),
                        "{path}: {} of {} bytes",
                        wire.len(),
                        plain.len()
                    );
                }
            }
        }
    }
    // A small answer is not worth compressing.
    let response = app
        .request(reqwest::Method::GET, "/api/v1/agents", Some(&app.read_key))
        .header(ACCEPT_ENCODING, "gzip")
        .send()
        .await
        .unwrap();
    assert!(response.headers().get(CONTENT_ENCODING).is_none());
    app.cleanup().await;
}

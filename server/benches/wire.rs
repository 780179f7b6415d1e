//! Bytes on the wire: what a browser downloads for a first visit (the page,
//! its script, the wasm, the style) and for the Users tab of the benchmark
//! data set's largest agent (the app's server function, and the four REST
//! calls a report script makes), sent plain (as Pulse did before it
//! compressed anything) and in each encoding a client may ask for.
//!
//!     cargo bench -p pulse-server --bench wire
//!
//! Runs the release `pulse` alone (the web app built into it), on the
//! benchmark data set (`pulse_db::bench_data`, generated on first use).
//! The numbers go to docs/BENCHMARKS.md.

#[path = "../tests/support/process.rs"]
#[allow(dead_code)]
mod process;

use process::{ServerProcess, free_port};
use pulse_db::accounts::{Role, hash_password};
use pulse_db::bench_data;
use pulse_db::keys::KeyScope;
use reqwest::header::{ACCEPT_ENCODING, CONTENT_ENCODING, COOKIE};

/// What browsers send (Chromium), what gzip-only clients send, and nothing.
const ENCODINGS: [(&str, &str); 3] = [
    ("plain", "identity"),
    ("gzip", "gzip"),
    (
        "Chromium (files br, answers zstd)",
        "gzip, deflate, br, zstd",
    ),
];

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    runtime.block_on(run());
}

async fn run() {
    let url = bench_data::sqlite_url();
    let store = bench_data::open(&url).await;
    let (agent, events) = bench_data::agents_by_size(&store).await.remove(0);
    let now = pulse_db::time::Millis::now();
    let (read_key, _) = store
        .create_key(KeyScope::Read, None, None, now)
        .await
        .unwrap();
    let admin = format!("wire-bench-{}", now.0);
    store
        .create_account(
            &admin,
            &hash_password("wire bench password"),
            Role::Superadmin,
            &[],
            now,
        )
        .await
        .unwrap();
    store.close().await;
    pulse_app::server::register_server_fns();
    let server = ServerProcess::start_embedded(&url, free_port(), &[]).await;
    let base = server.url.clone();
    let client = reqwest::Client::new();

    let index = client
        .get(format!("{base}/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut first_visit = vec!["/".to_owned()];
    first_visit.extend(asset_paths(&index));

    let cookie = sign_in(&client, &base, &admin).await;
    let dashboard = server_fn_path("users_dashboard");
    let agent_id = agent.agent_id.clone();
    println!("Largest agent: {agent_id} ({events} events). Bytes on the wire:\n");
    println!("| what | {} |", ENCODINGS.map(|(name, _)| name).join(" | "));
    println!("| --- | --- | --- | --- |");
    let mut visit_totals = [0usize; 3];
    for path in &first_visit {
        let sizes = measure(|encoding| {
            client
                .get(format!("{base}{path}"))
                .header(ACCEPT_ENCODING, encoding)
        })
        .await;
        for (total, size) in visit_totals.iter_mut().zip(sizes) {
            *total += size;
        }
        print_row(&format!("`{path}`"), sizes);
    }
    print_row("**first visit, total**", visit_totals);
    for (label, period) in [
        ("30 days", "30d"),
        (
            "365 days",
            "custom&query[from]=2025-11-02&query[to]=2026-11-01",
        ),
    ] {
        let form =
            format!("agent_id={agent_id}&query[period]={period}&query[tz]=America%2FNew_York");
        let sizes = measure(|encoding| {
            client
                .post(format!("{base}{dashboard}"))
                .header(COOKIE, &cookie)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(form.clone())
                .header(ACCEPT_ENCODING, encoding)
        })
        .await;
        print_row(&format!("Users tab, {label} (server function)"), sizes);
        let query = if period == "30d" {
            "period=30d&tz=America/New_York".to_owned()
        } else {
            "period=custom&from=2025-11-02&to=2026-11-01&tz=America/New_York".to_owned()
        };
        let mut totals = [0usize; 3];
        for endpoint in ["users/overview", "users/trend", "users/heatmap", "users"] {
            let sizes = measure(|encoding| {
                client
                    .get(format!(
                        "{base}/api/v1/agents/{agent_id}/{endpoint}?{query}"
                    ))
                    .bearer_auth(&read_key)
                    .header(ACCEPT_ENCODING, encoding)
            })
            .await;
            for (total, size) in totals.iter_mut().zip(sizes) {
                *total += size;
            }
        }
        print_row(&format!("Users tab, {label} (4 REST calls)"), totals);
    }
    drop(server);
}

/// Bytes of the answer's body as sent, in each encoding.
async fn measure(request: impl Fn(&str) -> reqwest::RequestBuilder) -> [usize; 3] {
    let mut sizes = [0; 3];
    for (size, (_, encoding)) in sizes.iter_mut().zip(ENCODINGS) {
        let response = request(encoding).send().await.unwrap();
        assert!(response.status().is_success(), "{}", response.status());
        let sent_as = response.headers().get(CONTENT_ENCODING).cloned();
        *size = response.bytes().await.unwrap().len();
        if encoding == "identity" {
            assert!(sent_as.is_none());
        }
    }
    sizes
}

fn print_row(label: &str, sizes: [usize; 3]) {
    let cells: Vec<String> = sizes
        .iter()
        .map(|size| {
            format!(
                "{} ({:.0}%)",
                size,
                *size as f64 * 100.0 / sizes[0].max(1) as f64
            )
        })
        .collect();
    println!("| {label} | {} |", cells.join(" | "));
}

/// The hashed script, wasm and style the page names.
fn asset_paths(index: &str) -> Vec<String> {
    let mut paths: Vec<String> = index
        .split(['"', '\''])
        .filter(|part| {
            part.starts_with('/')
                && (part.ends_with(".js") || part.ends_with(".wasm") || part.ends_with(".css"))
        })
        .map(str::to_owned)
        .collect();
    paths.sort();
    paths.dedup();
    paths
}

fn server_fn_path(name: &str) -> String {
    server_fn::axum::server_fn_paths()
        .map(|(path, _)| path.to_owned())
        .find(|path| path.starts_with(&format!("/api/{name}")))
        .unwrap_or_else(|| panic!("server function {name}"))
}

async fn sign_in(client: &reqwest::Client, base: &str, username: &str) -> String {
    let response = client
        .post(format!("{base}{}", server_fn_path("login")))
        .form(&[("username", username), ("password", "wire bench password")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let cookie = response.headers()["set-cookie"].to_str().unwrap();
    cookie.split(';').next().unwrap().to_owned()
}

//! Checking an embedding token: a JWT the host platform signed on its
//! server (docs/EMBED.md, "The token"). Every check that fails says which
//! one; the token itself is never logged nor repeated in an answer.

use jsonwebtoken::{Algorithm, Validation};
use pulse_db::embedding::EmbedGrant;
use pulse_db::time::Millis;
use pulse_model::Role;
use serde::Deserialize;

use super::integrations::{Integration, Integrations, KeysError};

/// Clocks of the platform and of Pulse may differ by this much.
pub const CLOCK_SKEW_SECONDS: i64 = 60;
/// A token may expire at most this long after it is checked.
pub const MAX_LIFETIME_SECONDS: i64 = 600;
/// Longer than any sensible token: refused before any work.
const MAX_TOKEN_BYTES: usize = 8 * 1024;
/// The most agents one token may name.
pub const MAX_AGENTS: usize = 100;

/// Why a token was refused.
#[derive(Debug, thiserror::Error)]
pub enum Refusal {
    #[error("the embedding token is missing")]
    Missing,
    #[error("the embedding token is longer than {MAX_TOKEN_BYTES} bytes")]
    TooLarge,
    #[error("the embedding token is not a JWT (three base64url parts joined by dots)")]
    Malformed,
    #[error(
        "the embedding token is unsigned or names an unknown algorithm ({0}); sign it with HS256, RS256 or EdDSA"
    )]
    Unsigned(String),
    #[error("the embedding token names no integration (its `iss` claim)")]
    NoIssuer,
    #[error("no embedding integration is named {0:?} (the token's `iss`)")]
    UnknownIntegration(String),
    #[error(
        "integration {integration:?} does not accept tokens signed with {algorithm:?} (it accepts {accepted})"
    )]
    AlgorithmRefused {
        integration: String,
        algorithm: Algorithm,
        accepted: String,
    },
    #[error("the embedding token's signature does not verify with the keys of integration {0:?}")]
    BadSignature(String),
    #[error("the embedding token lacks the `{0}` claim")]
    MissingClaim(&'static str),
    #[error("the embedding token's `{claim}` claim: {why}")]
    BadClaim { claim: &'static str, why: String },
    #[error("the embedding token has expired")]
    Expired,
    #[error("the embedding token is not valid yet (its `nbf` or `iat` is in the future)")]
    NotYetValid,
    #[error("the embedding token's `exp` is more than {} minutes after its `iat` or ahead of now; tokens must be short-lived", MAX_LIFETIME_SECONDS / 60)]
    TooLongLived,
    #[error(transparent)]
    Keys(#[from] KeysError),
}

/// The claims Pulse reads; a missing one is refused by name.
#[derive(Debug, Deserialize)]
struct Claims {
    iss: Option<String>,
    sub: Option<String>,
    name: Option<String>,
    role: Option<String>,
    agents: Option<Vec<String>>,
    section: Option<String>,
    exp: Option<i64>,
    iat: Option<i64>,
    nbf: Option<i64>,
    jti: Option<String>,
}

/// Verifies `token` against the configured integrations at `now`: what it
/// grants, or why it is refused.
pub async fn verify(
    token: &str,
    integrations: &Integrations,
    client: &reqwest::Client,
    now: Millis,
) -> Result<EmbedGrant, Refusal> {
    let token = token.trim();
    if token.is_empty() {
        return Err(Refusal::Missing);
    }
    if token.len() > MAX_TOKEN_BYTES {
        return Err(Refusal::TooLarge);
    }
    if token.split('.').count() != 3 {
        return Err(Refusal::Malformed);
    }
    let header = jsonwebtoken::decode_header(token)
        .map_err(|_| Refusal::Unsigned(named_algorithm(token)))?;
    // The issuer picks the keys; it is read before the signature is checked
    // and trusted only once the signature verifies with that issuer's keys.
    let unverified: Claims =
        jsonwebtoken::dangerous::insecure_decode_claims(token).map_err(|_| Refusal::Malformed)?;
    let issuer = unverified.iss.ok_or(Refusal::NoIssuer)?;
    let current = integrations.current();
    let integration = current
        .iter()
        .find(|integration| integration.name == issuer)
        .ok_or_else(|| Refusal::UnknownIntegration(issuer.chars().take(100).collect()))?;
    if !integration.accepts(header.alg) {
        return Err(Refusal::AlgorithmRefused {
            integration: integration.name.clone(),
            algorithm: header.alg,
            accepted: integration.accepted(),
        });
    }
    let claims = verified_claims(
        token,
        header.alg,
        header.kid.as_deref(),
        integration,
        client,
    )
    .await?;
    grant(&integration.name, claims, now)
}

/// The `alg` a header names, for the message refusing it (`none`, say).
fn named_algorithm(token: &str) -> String {
    use base64::Engine;
    let header = token.split('.').next().unwrap_or_default();
    base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .and_then(|value| value.get("alg")?.as_str().map(str::to_owned))
        .filter(|alg| alg.len() <= 20 && alg.chars().all(|c| c.is_ascii_alphanumeric()))
        .map_or_else(|| "no `alg`".to_owned(), |alg| format!("alg {alg}"))
}

/// The claims, once the signature verifies with one of the keys.
async fn verified_claims(
    token: &str,
    algorithm: Algorithm,
    kid: Option<&str>,
    integration: &Integration,
    client: &reqwest::Client,
) -> Result<Claims, Refusal> {
    // Only the signature and the algorithm are left to the library: times
    // and claims are checked below, against the caller's clock, each with
    // its own message.
    let mut validation = Validation::new(algorithm);
    validation.validate_exp = false;
    validation.validate_nbf = false;
    validation.validate_aud = false;
    validation.required_spec_claims.clear();
    for key in integration.keys_for(algorithm, kid, client).await? {
        match jsonwebtoken::decode::<Claims>(token, &key.key, &validation) {
            Ok(data) => return Ok(data.claims),
            Err(error) => match error.kind() {
                jsonwebtoken::errors::ErrorKind::InvalidSignature
                | jsonwebtoken::errors::ErrorKind::InvalidAlgorithm
                | jsonwebtoken::errors::ErrorKind::InvalidEddsaKey
                | jsonwebtoken::errors::ErrorKind::InvalidRsaKey(_)
                | jsonwebtoken::errors::ErrorKind::InvalidKeyFormat => {}
                _ => return Err(Refusal::Malformed),
            },
        }
    }
    Err(Refusal::BadSignature(integration.name.clone()))
}

/// What verified claims grant at `now`, once each is checked.
fn grant(integration: &str, claims: Claims, now: Millis) -> Result<EmbedGrant, Refusal> {
    let now_s = now.0.div_euclid(1000);
    let exp = claims.exp.ok_or(Refusal::MissingClaim("exp"))?;
    let iat = claims.iat.ok_or(Refusal::MissingClaim("iat"))?;
    if exp <= now_s - CLOCK_SKEW_SECONDS {
        return Err(Refusal::Expired);
    }
    if iat > now_s + CLOCK_SKEW_SECONDS
        || claims
            .nbf
            .is_some_and(|nbf| nbf > now_s + CLOCK_SKEW_SECONDS)
    {
        return Err(Refusal::NotYetValid);
    }
    // Checked arithmetic: claims are the caller's numbers, any of them.
    let lifetime = exp.checked_sub(iat).filter(|lifetime| *lifetime >= 0);
    let latest = now_s.saturating_add(MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS);
    if lifetime.is_none_or(|lifetime| lifetime > MAX_LIFETIME_SECONDS) || exp > latest {
        return Err(Refusal::TooLongLived);
    }
    let text = |claim: &'static str, value: Option<String>| -> Result<String, Refusal> {
        let value = value.ok_or(Refusal::MissingClaim(claim))?;
        pulse_model::check_text("the value", &value, 1, 200)
            .map_err(|why| Refusal::BadClaim { claim, why })?;
        Ok(value)
    };
    let subject = text("sub", claims.sub)?;
    let display_name = text("name", claims.name)?;
    let token_id = text("jti", claims.jti)?;
    let role = match claims.role.as_deref() {
        None => return Err(Refusal::MissingClaim("role")),
        Some("admin") => Role::Admin,
        Some("superadmin") => Role::Superadmin,
        Some(_) => {
            return Err(Refusal::BadClaim {
                claim: "role",
                why: "must be \"admin\" or \"superadmin\"".into(),
            });
        }
    };
    // A superadministrator's token may leave `agents` out: every agent. A
    // list, when given, names at least one (an empty one must not widen to
    // all), and a section needs the agents it belongs to.
    let agents = match (claims.agents, role) {
        (Some(mut agents), _) => {
            if agents.is_empty() || agents.len() > MAX_AGENTS {
                return Err(Refusal::BadClaim {
                    claim: "agents",
                    why: format!("must list 1 to {MAX_AGENTS} agent ids"),
                });
            }
            // Each once, in the token's order (the first opens by default).
            let mut seen = std::collections::HashSet::new();
            agents.retain(|agent| seen.insert(agent.clone()));
            agents
        }
        (None, Role::Superadmin) if claims.section.is_none() => Vec::new(),
        (None, _) => return Err(Refusal::MissingClaim("agents")),
    };
    for agent in &agents {
        pulse_model::check_public_id("each agent id", agent).map_err(|why| Refusal::BadClaim {
            claim: "agents",
            why,
        })?;
    }
    if let Some(section) = &claims.section {
        pulse_model::check_public_id("the section id", section).map_err(|why| {
            Refusal::BadClaim {
                claim: "section",
                why,
            }
        })?;
    }
    Ok(EmbedGrant {
        integration: integration.to_owned(),
        subject,
        display_name,
        role,
        agents,
        section: claims.section,
        token_id,
        expires_at: Millis(exp.saturating_add(CLOCK_SKEW_SECONDS).saturating_mul(1000)),
    })
}

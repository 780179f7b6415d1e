//! The host platforms allowed to embed Pulse, read from the file named by
//! `PULSE_EMBED_CONFIG` (docs/EMBED.md, "Pulse's side"). The file is read
//! again when it changes, and key files and JWKS URLs are fetched again when
//! a token names a key not seen yet, so keys rotate without a restart.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use jsonwebtoken::jwk::{AlgorithmParameters, JwkSet};
use jsonwebtoken::{Algorithm, DecodingKey};
use serde::Deserialize;

use crate::config::Origin;

/// One integration as the file states it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntegrationEntry {
    /// The tokens' `iss`.
    name: String,
    /// The pages (origins) that may frame Pulse for this integration.
    origins: Vec<String>,
    /// Shared secrets for HS256, any of which may sign (rotation: add the
    /// new one, move the platform to it, remove the old one).
    #[serde(default)]
    hs256_secrets: Vec<String>,
    /// A file of such secrets, one per line, read at each token.
    #[serde(default)]
    hs256_secret_file: Option<PathBuf>,
    /// A file of public keys: PEM (RSA or Ed25519) or a JWKS document.
    #[serde(default)]
    public_keys_file: Option<PathBuf>,
    /// Where the platform publishes its public keys as a JWKS document.
    #[serde(default)]
    jwks_url: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct IntegrationsFile {
    #[serde(default)]
    integration: Vec<IntegrationEntry>,
}

/// A key a token may be verified with, and the algorithm it verifies.
#[derive(Clone)]
pub struct VerifyingKey {
    /// The JWK's `kid`, when it has one.
    pub kid: Option<String>,
    pub algorithm: Algorithm,
    pub key: DecodingKey,
}

/// An integration ready to verify tokens.
pub struct Integration {
    pub name: String,
    pub origins: Vec<Origin>,
    secrets: Vec<VerifyingKey>,
    secret_file: Option<PathBuf>,
    public_keys_file: Option<PathBuf>,
    jwks_url: Option<reqwest::Url>,
    /// Public keys from the file or the URL, as last read.
    public_keys: Mutex<Option<KeptKeys>>,
    /// Held while the public keys are fetched.
    fetching: tokio::sync::Mutex<()>,
}

/// Public keys as last read, when, and the key file's modification time then.
#[derive(Clone)]
struct KeptKeys {
    fetched: Instant,
    file_modified: Option<SystemTime>,
    keys: Vec<VerifyingKey>,
}

/// Why the integrations' file, a key file or a JWKS URL could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeysError {
    #[error("{0}")]
    Config(String),
    #[error(
        "the public keys of integration {integration:?} could not be fetched from {host}: {reason}"
    )]
    Fetch {
        integration: String,
        host: String,
        reason: String,
    },
}

/// Public keys are fetched again after this long, when their file changes,
/// or when a token names a key not among them (but then not more often
/// than [`REFETCH_AT_MOST`]).
const KEYS_KEPT_FOR: Duration = Duration::from_secs(300);
const REFETCH_AT_MOST: Duration = Duration::from_secs(5);

impl Integration {
    fn from_entry(entry: IntegrationEntry) -> Result<Integration, KeysError> {
        let name = entry.name.trim().to_owned();
        let bad = |why: String| KeysError::Config(format!("integration {name:?}: {why}"));
        if name.is_empty()
            || name.contains(':')
            || name.chars().any(char::is_control)
            || name.len() > 100
        {
            return Err(bad(
                "the name must be 1 to 100 characters without ':' or control characters".into(),
            ));
        }
        if entry.origins.is_empty() {
            return Err(bad(
                "`origins` must list the host pages' origins (https://lms.example)".into(),
            ));
        }
        let origins = entry
            .origins
            .iter()
            .map(|origin| Origin::parse(origin).map_err(&bad))
            .collect::<Result<Vec<_>, _>>()?;
        let secrets = hs256_keys(entry.hs256_secrets.iter().map(String::as_str)).map_err(&bad)?;
        // A JWKS "URL" that is not http(s) names a file.
        let (jwks_url, jwks_file) = match entry.jwks_url.as_deref() {
            None => (None, None),
            Some(url) if url.starts_with("http://") || url.starts_with("https://") => {
                let url = reqwest::Url::parse(url)
                    .map_err(|_| bad("`jwks_url` is not a valid URL".into()))?;
                // Keys fetched in clear could be swapped on the way.
                let loopback = matches!(url.host_str(), Some("localhost" | "127.0.0.1" | "[::1]"));
                if url.scheme() != "https" && !loopback {
                    return Err(bad(
                        "`jwks_url` must be https (http only for localhost)".into()
                    ));
                }
                (Some(url), None)
            }
            Some(path) => (
                None,
                Some(PathBuf::from(path.strip_prefix("file://").unwrap_or(path))),
            ),
        };
        let public_keys_file = entry.public_keys_file.or(jwks_file);
        if secrets.is_empty()
            && entry.hs256_secret_file.is_none()
            && public_keys_file.is_none()
            && jwks_url.is_none()
        {
            return Err(bad(
                "give `hs256_secrets`, `public_keys_file` or `jwks_url`: how its tokens are signed"
                    .into(),
            ));
        }
        Ok(Integration {
            name,
            origins,
            secrets,
            secret_file: entry.hs256_secret_file,
            public_keys_file,
            jwks_url,
            public_keys: Mutex::new(None),
            fetching: tokio::sync::Mutex::new(()),
        })
    }

    /// The algorithms this integration's tokens may use, as far as known
    /// without fetching: HS256 with secrets; RS256 and EdDSA with public keys.
    pub fn accepts(&self, algorithm: Algorithm) -> bool {
        match algorithm {
            Algorithm::HS256 => !self.secrets.is_empty() || self.secret_file.is_some(),
            Algorithm::RS256 | Algorithm::EdDSA => {
                self.public_keys_file.is_some() || self.jwks_url.is_some()
            }
            _ => false,
        }
    }

    /// The names of the algorithms [`Integration::accepts`], for messages.
    pub fn accepted(&self) -> String {
        [Algorithm::HS256, Algorithm::RS256, Algorithm::EdDSA]
            .into_iter()
            .filter(|algorithm| self.accepts(*algorithm))
            .map(|algorithm| format!("{algorithm:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The keys that may have signed a token of `algorithm` naming `kid`:
    /// the secrets, or the public keys (fetched again when none of them
    /// has that `kid`, or when kept too long).
    pub async fn keys_for(
        &self,
        algorithm: Algorithm,
        kid: Option<&str>,
        client: &reqwest::Client,
    ) -> Result<Vec<VerifyingKey>, KeysError> {
        if algorithm == Algorithm::HS256 {
            return self.hs256_keys();
        }
        let matching = |keys: &[VerifyingKey]| -> Vec<VerifyingKey> {
            keys.iter()
                .filter(|key| key.algorithm == algorithm)
                .filter(|key| kid.is_none() || key.kid.is_none() || key.kid.as_deref() == kid)
                .cloned()
                .collect()
        };
        let file_modified = self.public_keys_file.as_deref().and_then(modified);
        let kept_keys = |kept: &Option<KeptKeys>| -> Option<Vec<VerifyingKey>> {
            let kept = kept.as_ref()?;
            let found = matching(&kept.keys);
            let age = kept.fetched.elapsed();
            let current = age < KEYS_KEPT_FOR && kept.file_modified == file_modified;
            (current && (!found.is_empty() || age < REFETCH_AT_MOST)).then_some(found)
        };
        if let Some(found) = kept_keys(&self.public_keys.lock().expect("not poisoned")) {
            return Ok(found);
        }
        // One fetch at a time: the requests that arrive meanwhile use its keys.
        let _fetching = self.fetching.lock().await;
        let kept = self.public_keys.lock().expect("not poisoned").clone();
        if let Some(found) = kept_keys(&kept) {
            return Ok(found);
        }
        match self.fetch_public_keys(client).await {
            Ok(keys) => {
                let found = matching(&keys);
                *self.public_keys.lock().expect("not poisoned") = Some(KeptKeys {
                    fetched: Instant::now(),
                    file_modified,
                    keys,
                });
                Ok(found)
            }
            // Unreachable for now: the keys last fetched serve a while
            // longer, and the next attempt waits its turn.
            Err(error) => match kept {
                Some(kept) => {
                    tracing::warn!(%error, "embedding keys not fetched again; the last ones stay");
                    let found = matching(&kept.keys);
                    *self.public_keys.lock().expect("not poisoned") = Some(KeptKeys {
                        fetched: Instant::now(),
                        ..kept
                    });
                    Ok(found)
                }
                None => Err(error),
            },
        }
    }

    /// The inline secrets, and those of the secret file as it is now.
    fn hs256_keys(&self) -> Result<Vec<VerifyingKey>, KeysError> {
        let mut keys = self.secrets.clone();
        if let Some(path) = &self.secret_file {
            let unusable = |why: String| {
                KeysError::Config(format!(
                    "integration {:?}: the secret file {}: {why}",
                    self.name,
                    path.display()
                ))
            };
            let text =
                std::fs::read_to_string(path).map_err(|error| unusable(error.to_string()))?;
            let lines = text.lines().map(str::trim).filter(|line| !line.is_empty());
            keys.extend(hs256_keys(lines).map_err(unusable)?);
        }
        Ok(keys)
    }

    async fn fetch_public_keys(
        &self,
        client: &reqwest::Client,
    ) -> Result<Vec<VerifyingKey>, KeysError> {
        let mut keys = Vec::new();
        if let Some(path) = &self.public_keys_file {
            let text = std::fs::read_to_string(path).map_err(|error| {
                KeysError::Config(format!(
                    "integration {:?}: the public keys file {} could not be read: {error}",
                    self.name,
                    path.display()
                ))
            })?;
            keys.extend(parse_public_keys(&text).map_err(|why| {
                KeysError::Config(format!(
                    "integration {:?}: {}: {why}",
                    self.name,
                    path.display()
                ))
            })?);
        }
        if let Some(url) = &self.jwks_url {
            // Only the host is ever named: the URL may carry a token.
            let failed = |reason: String| KeysError::Fetch {
                integration: self.name.clone(),
                host: url.host_str().unwrap_or("?").to_owned(),
                reason,
            };
            let response = client
                .get(url.clone())
                .send()
                .await
                .map_err(|error| failed(error.without_url().to_string()))?;
            if !response.status().is_success() {
                return Err(failed(format!("it answered {}", response.status())));
            }
            let text = response
                .text()
                .await
                .map_err(|error| failed(error.without_url().to_string()))?;
            keys.extend(parse_public_keys(&text).map_err(failed)?);
        }
        Ok(keys)
    }
}

/// HS256 keys from secrets, each long enough: a short shared secret can
/// be guessed offline from one token.
fn hs256_keys<'a>(secrets: impl Iterator<Item = &'a str>) -> Result<Vec<VerifyingKey>, String> {
    secrets
        .map(|secret| {
            if secret.len() < 32 {
                return Err("each HS256 secret must be at least 32 characters".to_owned());
            }
            Ok(VerifyingKey {
                kid: None,
                algorithm: Algorithm::HS256,
                key: DecodingKey::from_secret(secret.as_bytes())
                    .map_err(|error| format!("unusable secret: {error}"))?,
            })
        })
        .collect()
}

/// Public keys from PEM text (one or more RSA or Ed25519 public keys) or a
/// JWKS document (RSA and OKP/Ed25519 keys; others are skipped).
fn parse_public_keys(text: &str) -> Result<Vec<VerifyingKey>, String> {
    if text.trim_start().starts_with('{') {
        let set: JwkSet =
            serde_json::from_str(text).map_err(|error| format!("not a JWKS document: {error}"))?;
        return Ok(set
            .keys
            .iter()
            .filter_map(|jwk| {
                let algorithm = match &jwk.algorithm {
                    AlgorithmParameters::RSA(_) => Algorithm::RS256,
                    AlgorithmParameters::OctetKeyPair(_) => Algorithm::EdDSA,
                    _ => return None,
                };
                Some(VerifyingKey {
                    kid: jwk.common.key_id.clone(),
                    algorithm,
                    key: DecodingKey::from_jwk(jwk).ok()?,
                })
            })
            .collect());
    }
    let blocks: Vec<&str> = text
        .split_inclusive("-----END PUBLIC KEY-----")
        .filter(|block| block.contains("-----BEGIN PUBLIC KEY-----"))
        .collect();
    if blocks.is_empty() {
        return Err(
            "neither PEM public keys (-----BEGIN PUBLIC KEY-----) nor a JWKS document".into(),
        );
    }
    blocks
        .into_iter()
        .map(|block| {
            let block = block.trim().as_bytes();
            if let Ok(key) = DecodingKey::from_ed_pem(block) {
                Ok(VerifyingKey {
                    kid: None,
                    algorithm: Algorithm::EdDSA,
                    key,
                })
            } else {
                DecodingKey::from_rsa_pem(block)
                    .map(|key| VerifyingKey {
                        kid: None,
                        algorithm: Algorithm::RS256,
                        key,
                    })
                    .map_err(|_| "a PEM public key that is neither RSA nor Ed25519".to_owned())
            }
        })
        .collect()
}

/// The integrations: the one of the `PULSE_EMBED_*` settings, and those of
/// the `PULSE_EMBED_CONFIG` file, read again when the file changes.
pub struct Integrations {
    from_settings: Option<Arc<Integration>>,
    path: Option<PathBuf>,
    loaded: Mutex<Loaded>,
}

struct Loaded {
    modified: Option<SystemTime>,
    integrations: Arc<Vec<Arc<Integration>>>,
}

impl Integrations {
    /// None configured: embedding is off.
    pub fn none() -> Integrations {
        Integrations {
            from_settings: None,
            path: None,
            loaded: Mutex::new(Loaded {
                modified: None,
                integrations: Arc::new(Vec::new()),
            }),
        }
    }

    /// The configured integrations, read now, so that a broken setting or
    /// file stops the server at start with a message naming it.
    pub fn configured(config: &crate::config::EmbedConfig) -> Result<Integrations, KeysError> {
        let mut integrations = Integrations::none();
        integrations.from_settings = from_settings(config)?.map(Arc::new);
        if let Some(path) = &config.embed_config {
            let (modified, mut from_file) = read_file(path)?;
            if let Some(fixed) = &integrations.from_settings {
                if from_file
                    .iter()
                    .any(|integration| integration.name == fixed.name)
                {
                    return Err(KeysError::Config(format!(
                        "PULSE_EMBED_CONFIG names the integration {:?} of PULSE_EMBED_ISSUER again",
                        fixed.name
                    )));
                }
                from_file.push(Arc::clone(fixed));
            }
            integrations.path = Some(path.clone());
            integrations.loaded = Mutex::new(Loaded {
                modified,
                integrations: Arc::new(from_file),
            });
        } else if let Some(fixed) = &integrations.from_settings {
            integrations
                .loaded
                .get_mut()
                .expect("not poisoned")
                .integrations = Arc::new(vec![Arc::clone(fixed)]);
        }
        Ok(integrations)
    }

    /// The current integrations: the file is read again when its
    /// modification time changed; a file broken since keeps the last good
    /// ones (and says so in the log).
    pub fn current(&self) -> Arc<Vec<Arc<Integration>>> {
        let mut loaded = self.loaded.lock().expect("not poisoned");
        if let Some(path) = &self.path {
            let modified = modified(path);
            if modified != loaded.modified {
                match read_file(path) {
                    Ok((modified, mut integrations)) => {
                        integrations.extend(self.from_settings.iter().cloned());
                        tracing::info!(
                            integrations = integrations.len(),
                            "embedding integrations read again"
                        );
                        *loaded = Loaded {
                            modified,
                            integrations: Arc::new(integrations),
                        };
                    }
                    Err(error) => {
                        tracing::error!(%error, "the embedding integrations' file is broken; the last good one stays");
                        loaded.modified = modified;
                    }
                }
            }
        }
        Arc::clone(&loaded.integrations)
    }

    /// Every origin allowed to frame Pulse's embeddable pages.
    pub fn frame_origins(&self) -> BTreeSet<String> {
        self.current()
            .iter()
            .flat_map(|integration| integration.origins.iter().map(Origin::to_string))
            .collect()
    }
}

/// The integration of the `PULSE_EMBED_*` settings, if any is set.
fn from_settings(config: &crate::config::EmbedConfig) -> Result<Option<Integration>, KeysError> {
    let any_key = config.embed_secret.is_some()
        || config.embed_secret_file.is_some()
        || config.embed_jwks_url.is_some();
    if config.embed_issuer.is_none() && !any_key && config.embed_origins.is_empty() {
        return Ok(None);
    }
    let name = config.embed_issuer.clone().ok_or_else(|| {
        KeysError::Config(
            "PULSE_EMBED_ISSUER must name the `iss` of the host platform's tokens".into(),
        )
    })?;
    let origins: Vec<String> = config
        .embed_origins
        .iter()
        .map(|origin| origin.trim().to_owned())
        .filter(|origin| !origin.is_empty())
        .collect();
    if origins.is_empty() {
        return Err(KeysError::Config(
            "PULSE_EMBED_ORIGINS must list the host platform's origins (https://lms.example)"
                .into(),
        ));
    }
    Integration::from_entry(IntegrationEntry {
        name,
        origins,
        hs256_secrets: config.embed_secret.iter().cloned().collect(),
        hs256_secret_file: config.embed_secret_file.clone(),
        public_keys_file: None,
        jwks_url: config.embed_jwks_url.clone(),
    })
    .and_then(|integration| {
        // A missing or unusable secret file stops the server now, not at
        // the first token.
        integration.hs256_keys()?;
        Ok(Some(integration))
    })
}

/// A file's modification time, when it can be read.
fn modified(path: &Path) -> Option<SystemTime> {
    std::fs::metadata(path)
        .and_then(|meta| meta.modified())
        .ok()
}

fn read_file(path: &Path) -> Result<(Option<SystemTime>, Vec<Arc<Integration>>), KeysError> {
    let unreadable =
        |why: String| KeysError::Config(format!("PULSE_EMBED_CONFIG {}: {why}", path.display()));
    let modified = modified(path);
    let text = std::fs::read_to_string(path).map_err(|error| unreadable(error.to_string()))?;
    // toml's and serde's messages may quote a value, which may be a
    // secret: only the line is named.
    let file: IntegrationsFile = toml::from_str(&text).map_err(|error| {
        let line = error
            .span()
            .map(|span| text[..span.start.min(text.len())].lines().count().max(1));
        unreadable(match line {
            Some(line) => format!(
                "not valid at line {line}: each [[integration]] takes name, origins, and hs256_secrets, \
                 hs256_secret_file, public_keys_file or jwks_url"
            ),
            None => "not a valid TOML file of [[integration]] tables".into(),
        })
    })?;
    let mut names = BTreeSet::new();
    let mut integrations = Vec::new();
    for entry in file.integration {
        let integration = Integration::from_entry(entry)?;
        if !names.insert(integration.name.clone()) {
            return Err(unreadable(format!(
                "two integrations are named {:?}",
                integration.name
            )));
        }
        integrations.push(Arc::new(integration));
    }
    Ok((modified, integrations))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(jwks_url: &str) -> IntegrationEntry {
        IntegrationEntry {
            name: "lms".into(),
            origins: vec!["https://lms.example".into()],
            hs256_secrets: Vec::new(),
            hs256_secret_file: None,
            public_keys_file: None,
            jwks_url: Some(jwks_url.into()),
        }
    }

    #[test]
    fn public_keys_come_over_https_only_loopback_excepted() {
        assert!(Integration::from_entry(entry("http://keys.example/jwks.json")).is_err());
        assert!(Integration::from_entry(entry("https://keys.example/jwks.json")).is_ok());
        assert!(Integration::from_entry(entry("http://127.0.0.1:8080/jwks.json")).is_ok());
        assert!(Integration::from_entry(entry("http://localhost/jwks.json")).is_ok());
    }

    #[test]
    fn a_broken_file_is_named_by_line_never_by_its_values() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("embed.toml");
        let secret = "a secret that must never reach a log line";
        std::fs::write(
            &path,
            format!("[[integration]]\nname = \"lms\"\norigins = [\"https://lms.example\"]\nhs256_secrets = \"{secret}\"\n"),
        )
        .unwrap();
        let error = read_file(&path).err().unwrap().to_string();
        assert!(error.contains("line 4"), "{error}");
        assert!(!error.contains(secret), "{error}");
    }
}

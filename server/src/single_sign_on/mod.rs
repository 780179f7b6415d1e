//! Single sign-on through the school's OpenID provider (docs/SSO.md): the
//! authorization code flow with PKCE, `state` and `nonce`, the provider's
//! discovery document and keys (kept an hour, fetched again at once when an
//! ID token names a key not seen yet: rotation), and RP-initiated sign-out.
//! The protocol is the `openidconnect` crate's; what the ID token's claim
//! grants is [`grants`]'s; accounts and sessions are `pulse_db`'s.

mod grants;

use std::time::{Duration, Instant};

use base64::Engine;
use openidconnect::core::{CoreAuthenticationFlow, CoreClient};
use openidconnect::{
    AuthorizationCode, ClientId, ClientSecret, CsrfToken, IssuerUrl, LogoutRequest, Nonce,
    PkceCodeChallenge, PkceCodeVerifier, PostLogoutRedirectUrl, ProviderMetadataWithLogout,
    RedirectUrl, Scope,
};
use pulse_db::single_sign_on::{PENDING_LOGIN_MS, PendingLogin, SsoGrant};
use pulse_db::time::Millis;
use tokio::sync::RwLock;

use crate::config::{OidcConfig, Origin};
pub use grants::GrantRules;

/// The path the provider sends people back to.
pub const CALLBACK_PATH: &str = "/auth/oidc/callback";
/// The path that sends people to the provider.
pub const LOGIN_PATH: &str = "/auth/oidc/login";

/// How long the provider's discovery document and keys are trusted before
/// they are fetched again (sooner when a token names an unknown key).
const METADATA_KEPT: Duration = Duration::from_secs(60 * 60);

/// Why a sign-in through the provider failed: each one a message on the
/// sign-in page (its [`Failure::code`] in the page's URL, never the
/// provider's own text, which a forged link could set).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// The provider could not be reached, or answered with an error page.
    Unreachable,
    /// The person cancelled at the provider, or it refused them.
    Denied,
    /// The sign-in is unknown, used, too old, or was started in another browser.
    Expired,
    /// The provider's answer did not pass the checks (signature, nonce, audience...).
    Invalid,
    /// No value of the person's claim grants anything.
    NoAccess,
    /// The account is disabled in Pulse's Settings.
    Disabled,
    /// An account of that name exists that single sign-on did not make.
    NameTaken,
}

impl Failure {
    /// The code the sign-in page reads (`/login?sso=CODE`).
    pub fn code(self) -> &'static str {
        match self {
            Failure::Unreachable => "unreachable",
            Failure::Denied => "denied",
            Failure::Expired => "expired",
            Failure::Invalid => "invalid",
            Failure::NoAccess => "no-access",
            Failure::Disabled => "disabled",
            Failure::NameTaken => "name-taken",
        }
    }
}

/// The provider as the server holds it.
pub struct SingleSignOn {
    issuer: IssuerUrl,
    client_id: ClientId,
    secret: ClientSecretSource,
    redirect: RedirectUrl,
    after_sign_out: PostLogoutRedirectUrl,
    scopes: Vec<String>,
    roles_claim: String,
    rules: GrantRules,
    /// The provider's name on the sign-in page's button.
    pub name: String,
    http: reqwest::Client,
    metadata: RwLock<Option<(ProviderMetadataWithLogout, Instant)>>,
}

/// Where the client secret is: the setting, or a file read at each use
/// (so that it can be replaced without a restart).
enum ClientSecretSource {
    Value(String),
    File(std::path::PathBuf),
}

impl SingleSignOn {
    /// The provider the settings name, checked; none when no issuer is set.
    pub fn configured(
        config: &OidcConfig,
        public_url: Option<&Origin>,
    ) -> anyhow::Result<Option<SingleSignOn>> {
        let Some(issuer) = &config.oidc_issuer else {
            return Ok(None);
        };
        let issuer = IssuerUrl::new(issuer.clone())
            .map_err(|error| anyhow::anyhow!("PULSE_OIDC_ISSUER is not a URL: {error}"))?;
        let public_url = public_url.ok_or_else(|| {
            anyhow::anyhow!(
                "PULSE_OIDC_ISSUER needs PULSE_PUBLIC_URL: the provider sends people back to \
                 PULSE_PUBLIC_URL{CALLBACK_PATH}, which must be registered with it"
            )
        })?;
        let client_id = config
            .oidc_client_id
            .clone()
            .filter(|id| !id.is_empty())
            .ok_or_else(|| anyhow::anyhow!("PULSE_OIDC_ISSUER needs PULSE_OIDC_CLIENT_ID"))?;
        let secret = match (&config.oidc_client_secret, &config.oidc_client_secret_file) {
            (Some(value), None) => ClientSecretSource::Value(value.clone()),
            (None, Some(path)) => {
                let source = ClientSecretSource::File(path.clone());
                source.read()?;
                source
            }
            _ => anyhow::bail!(
                "PULSE_OIDC_ISSUER needs one of PULSE_OIDC_CLIENT_SECRET and PULSE_OIDC_CLIENT_SECRET_FILE"
            ),
        };
        let rules = GrantRules::parse(config.oidc_grants.as_deref().unwrap_or_default())
            .map_err(anyhow::Error::msg)?;
        if rules.is_empty() {
            anyhow::bail!(
                "PULSE_OIDC_ISSUER needs PULSE_OIDC_GRANTS: which values of the {:?} claim grant what \
                 (VALUE=superadmin; VALUE=admin:AGENT,AGENT/SECTION)",
                config.oidc_roles_claim
            );
        }
        let origin = public_url.to_string();
        let origin = origin.trim_end_matches('/');
        Ok(Some(SingleSignOn {
            issuer,
            client_id: ClientId::new(client_id),
            secret,
            redirect: RedirectUrl::new(format!("{origin}{CALLBACK_PATH}"))?,
            after_sign_out: PostLogoutRedirectUrl::new(format!("{origin}/login"))?,
            scopes: config
                .oidc_scopes
                .split_whitespace()
                .filter(|scope| *scope != "openid")
                .map(str::to_owned)
                .collect(),
            roles_claim: config.oidc_roles_claim.clone(),
            rules,
            name: config.oidc_name.clone(),
            http: reqwest::Client::builder()
                // Following redirects would let a provider's answer send
                // Pulse's requests anywhere.
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()?,
            metadata: RwLock::new(None),
        }))
    }

    /// The provider's discovery document and keys: those kept, unless older
    /// than [`METADATA_KEPT`] or `fresh` is asked for.
    async fn metadata(&self, fresh: bool) -> Result<ProviderMetadataWithLogout, Failure> {
        if !fresh
            && let Some((metadata, fetched)) = &*self.metadata.read().await
            && fetched.elapsed() < METADATA_KEPT
        {
            return Ok(metadata.clone());
        }
        let metadata = ProviderMetadataWithLogout::discover_async(self.issuer.clone(), &self.http)
            .await
            .map_err(|error| {
                tracing::warn!(error = %error, issuer = %self.issuer.as_str(), "the OpenID provider's discovery failed");
                Failure::Unreachable
            })?;
        *self.metadata.write().await = Some((metadata.clone(), Instant::now()));
        Ok(metadata)
    }

    /// Whether the provider answers now: its discovery document fetched
    /// (not parsed; the kept one serves). Sign-ins are rare, and a person
    /// sent to a provider that is down would get the browser's error page
    /// instead of the sign-in page saying so.
    async fn check_reachable(&self) -> Result<(), Failure> {
        let url = format!(
            "{}/.well-known/openid-configuration",
            self.issuer.as_str().trim_end_matches('/')
        );
        match self.http.get(&url).send().await {
            Ok(answer) if answer.status().is_success() => Ok(()),
            Ok(answer) => {
                tracing::warn!(status = answer.status().as_u16(), issuer = %self.issuer.as_str(), "the OpenID provider answers with an error");
                Err(Failure::Unreachable)
            }
            Err(error) => {
                tracing::warn!(error = %error, issuer = %self.issuer.as_str(), "the OpenID provider cannot be reached");
                Err(Failure::Unreachable)
            }
        }
    }

    fn client(&self, metadata: ProviderMetadataWithLogout) -> Result<Client, Failure> {
        let secret = self.secret.read().map_err(|error| {
            tracing::error!(error = %error, "the OpenID client secret file cannot be read");
            Failure::Unreachable
        })?;
        Ok(CoreClient::from_provider_metadata(
            metadata,
            self.client_id.clone(),
            Some(ClientSecret::new(secret)),
        )
        .set_redirect_uri(self.redirect.clone()))
    }

    /// Starts a sign-in: the provider's URL to send the browser to, and
    /// the state its cookie keeps. The sign-in is kept in the database
    /// until the provider sends the browser back.
    pub async fn start(
        &self,
        store: &pulse_db::Store,
        next_path: String,
    ) -> Result<(String, String), StartError> {
        self.check_reachable().await?;
        let client = self.client(self.metadata(false).await?)?;
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut request = client
            .authorize_url(
                CoreAuthenticationFlow::AuthorizationCode,
                CsrfToken::new_random,
                Nonce::new_random,
            )
            .set_pkce_challenge(challenge);
        for scope in &self.scopes {
            request = request.add_scope(Scope::new(scope.clone()));
        }
        let (url, state, nonce) = request.url();
        let now = Millis::now();
        let login = PendingLogin {
            state: state.secret().clone(),
            nonce: nonce.secret().clone(),
            pkce_verifier: verifier.secret().clone(),
            next_path,
            expires_at: Millis(now.0 + PENDING_LOGIN_MS),
        };
        pulse_db::single_sign_on::remember_login(store, &login, now).await?;
        Ok((url.to_string(), login.state))
    }

    /// Finishes a sign-in the provider sent back with `code`: the code
    /// exchanged (with the PKCE verifier), the ID token checked (signature,
    /// issuer, audience, expiry, nonce) and its claim mapped to grants.
    pub async fn finish(&self, login: &PendingLogin, code: String) -> Result<SsoGrant, Failure> {
        let client = self.client(self.metadata(false).await?)?;
        let answer = client
            .exchange_code(AuthorizationCode::new(code))
            .map_err(|error| {
                tracing::warn!(error = %error, "the OpenID provider names no token endpoint");
                Failure::Unreachable
            })?
            .set_pkce_verifier(PkceCodeVerifier::new(login.pkce_verifier.clone()))
            .request_async(&self.http)
            .await
            .map_err(|error| {
                tracing::warn!(error = %error, "the OpenID provider did not exchange the code");
                match error {
                    openidconnect::RequestTokenError::ServerResponse(_) => Failure::Invalid,
                    _ => Failure::Unreachable,
                }
            })?;
        let id_token = openidconnect::TokenResponse::id_token(&answer).ok_or_else(|| {
            tracing::warn!("the OpenID provider's answer has no ID token");
            Failure::Invalid
        })?;
        let nonce = Nonce::new(login.nonce.clone());
        let claims = match id_token.claims(&client.id_token_verifier(), &nonce) {
            Ok(claims) => claims.clone(),
            Err(openidconnect::ClaimsVerificationError::SignatureVerification(
                openidconnect::SignatureVerificationError::NoMatchingKey,
            )) => {
                // A key not seen yet: the provider rotated its keys.
                let client = self.client(self.metadata(true).await?)?;
                id_token
                    .claims(&client.id_token_verifier(), &nonce)
                    .map_err(rejected)?
                    .clone()
            }
            Err(error) => return Err(rejected(error)),
        };
        let subject = claims.subject().as_str().to_owned();
        // The token's signature is checked: its other claims can be read.
        let mut person = payload(&id_token.to_string());
        if grants::claim_at(&person, &self.roles_claim).is_none() {
            // Standard providers put only `sub` in the ID token of a code
            // flow and the claims of the scopes at the userinfo endpoint.
            let access_token = openidconnect::OAuth2TokenResponse::access_token(&answer);
            person = self.user_info(access_token.secret(), &subject).await?;
        }
        let display_name = ["name", "preferred_username", "email"]
            .iter()
            .find_map(|claim| person.get(*claim).and_then(serde_json::Value::as_str))
            .filter(|name| !name.trim().is_empty())
            .map_or_else(|| subject.clone(), str::to_owned);
        let values = grants::claim_values(&person, &self.roles_claim);
        let granted = self.rules.grant(&values);
        Ok(SsoGrant {
            issuer: self.issuer.as_str().to_owned(),
            subject,
            display_name,
            role: granted.role,
            agents: granted.agents,
            section_limits: granted.section_limits,
        })
    }

    /// The person's claims at the provider's userinfo endpoint (JSON), when
    /// it has one; they must be about `subject` (OpenID Connect Core 5.3.2).
    async fn user_info(
        &self,
        access_token: &str,
        subject: &str,
    ) -> Result<serde_json::Value, Failure> {
        let metadata = self.metadata(false).await?;
        let Some(endpoint) = metadata.userinfo_endpoint() else {
            return Ok(serde_json::json!({ "sub": subject }));
        };
        let answer = self
            .http
            .get(endpoint.url().as_str())
            .bearer_auth(access_token)
            .send()
            .await
            .and_then(reqwest::Response::error_for_status)
            .map_err(|error| {
                tracing::warn!(error = %error, "the OpenID provider's userinfo endpoint failed");
                Failure::Unreachable
            })?;
        let claims: serde_json::Value = answer.json().await.map_err(|error| {
            tracing::warn!(error = %error, "the OpenID provider's userinfo is not JSON");
            Failure::Invalid
        })?;
        if claims.get("sub").and_then(serde_json::Value::as_str) != Some(subject) {
            tracing::warn!("the OpenID provider's userinfo is about someone else");
            return Err(Failure::Invalid);
        }
        Ok(claims)
    }

    /// Where the browser ends its session at the provider too, coming back
    /// to the sign-in page; none when the provider offers no such endpoint
    /// (or cannot be reached).
    pub async fn end_session_url(&self) -> Option<String> {
        let metadata = self.metadata(false).await.ok()?;
        let endpoint = metadata
            .additional_metadata()
            .end_session_endpoint
            .clone()?;
        Some(
            LogoutRequest::from(endpoint)
                .set_client_id(self.client_id.clone())
                .set_post_logout_redirect_uri(self.after_sign_out.clone())
                .http_get_url()
                .to_string(),
        )
    }
}

/// The client type a provider's metadata makes.
type Client = openidconnect::Client<
    openidconnect::EmptyAdditionalClaims,
    openidconnect::core::CoreAuthDisplay,
    openidconnect::core::CoreGenderClaim,
    openidconnect::core::CoreJweContentEncryptionAlgorithm,
    openidconnect::core::CoreJsonWebKey,
    openidconnect::core::CoreAuthPrompt,
    openidconnect::StandardErrorResponse<openidconnect::core::CoreErrorResponseType>,
    openidconnect::core::CoreTokenResponse,
    openidconnect::core::CoreTokenIntrospectionResponse,
    openidconnect::core::CoreRevocableToken,
    openidconnect::core::CoreRevocationErrorResponse,
    openidconnect::EndpointSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointNotSet,
    openidconnect::EndpointMaybeSet,
    openidconnect::EndpointMaybeSet,
>;

fn rejected(error: openidconnect::ClaimsVerificationError) -> Failure {
    tracing::warn!(error = %error, "the OpenID provider's ID token was refused");
    Failure::Invalid
}

/// The claims of a JWT whose signature was checked (its middle part).
fn payload(jwt: &str) -> serde_json::Value {
    jwt.split('.')
        .nth(1)
        .and_then(|part| {
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(part)
                .ok()
        })
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .unwrap_or_default()
}

impl ClientSecretSource {
    fn read(&self) -> anyhow::Result<String> {
        match self {
            ClientSecretSource::Value(value) => Ok(value.clone()),
            ClientSecretSource::File(path) => {
                let text = std::fs::read_to_string(path).map_err(|error| {
                    anyhow::anyhow!("PULSE_OIDC_CLIENT_SECRET_FILE {}: {error}", path.display())
                })?;
                let secret = text.trim();
                if secret.is_empty() {
                    anyhow::bail!("PULSE_OIDC_CLIENT_SECRET_FILE {} is empty", path.display());
                }
                Ok(secret.to_owned())
            }
        }
    }
}

/// Why a sign-in could not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("the sign-in provider cannot be used now")]
    Provider(Failure),
    #[error(transparent)]
    Store(#[from] pulse_db::StoreError),
}

impl From<Failure> for StartError {
    fn from(failure: Failure) -> StartError {
        StartError::Provider(failure)
    }
}

impl pulse_app::server::SingleSignOnProvider for SingleSignOn {
    fn name(&self) -> &str {
        &self.name
    }

    fn end_session_url(&self) -> futures::future::BoxFuture<'_, Option<String>> {
        Box::pin(SingleSignOn::end_session_url(self))
    }
}

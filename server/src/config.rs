//! Every setting of `pulse`, each one a flag and an environment variable.

use std::net::SocketAddr;
use std::path::PathBuf;

use clap::Args;

pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/pulse.db";

/// Where the data lives.
#[derive(Debug, Clone, Args)]
pub struct DatabaseConfig {
    /// `sqlite://PATH` (created when missing) or `postgres://USER@HOST/DB`.
    /// Its password is never shown (help, errors and logs say `***`).
    #[arg(long, env = "PULSE_DATABASE_URL", hide_env_values = true, default_value = DEFAULT_DATABASE_URL)]
    pub database_url: String,
}

/// How `pulse serve` runs.
#[derive(Debug, Clone, Args)]
pub struct ServeConfig {
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, env = "PULSE_ADDR", default_value = "127.0.0.1:3000")]
    pub addr: SocketAddr,
    /// Seconds since a session's latest event during which its user counts as online.
    #[arg(long, env = "PULSE_ONLINE_WINDOW", default_value_t = 300)]
    pub online_window: u32,
    /// Delete events older than this many days (whole UTC days), at start
    /// and daily, with the rollups of those days; off when unset. Figures
    /// of periods before then show nothing, and first-active dates,
    /// lifecycle and cohorts start from the oldest event kept.
    #[arg(long, env = "PULSE_RETENTION_DAYS", value_parser = clap::value_parser!(u32).range(1..=36_500))]
    pub retention_days: Option<u32>,
    /// Megabytes of memory for figures and REST answers kept between
    /// requests (until a write changes them); 0 computes every read afresh.
    #[arg(long, env = "PULSE_FIGURE_CACHE_MB", default_value_t = pulse_db::analytics::DEFAULT_VIEW_BYTES >> 20)]
    pub figure_cache_mb: u64,
    /// Serve the web app from this folder (Trunk's output) instead of the
    /// one built into the binary: for development, while changing the app.
    #[arg(long, env = "PULSE_DIST_DIR")]
    pub dist_dir: Option<PathBuf>,
    /// Seconds a request may take, body included, before it is answered 408
    /// (slow clients); also how long a stopping server waits for requests in flight.
    #[arg(long, env = "PULSE_REQUEST_TIMEOUT", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout: u64,
    /// Mark the session cookie Secure: set this when the site is served over HTTPS.
    #[arg(long, env = "PULSE_SECURE_COOKIES")]
    pub secure_cookies: bool,
    /// The site's public origin, as browsers see it (`https://pulse.school.example`).
    /// Server functions then accept only calls from pages of that origin, scheme
    /// and port included. Unset, a call's Origin need only name the host and
    /// port of its Host header, whatever the scheme: behind a TLS proxy, set it.
    #[arg(long, env = "PULSE_PUBLIC_URL", value_parser = Origin::parse)]
    pub public_url: Option<Origin>,
    /// Reverse proxies in front of Pulse (addresses or CIDRs, comma-separated,
    /// e.g. `127.0.0.1,10.0.0.0/8`). Only for requests from these is the
    /// client's address taken from `X-Forwarded-For` (or `Forwarded`); from
    /// anyone else those headers are ignored. Sign-in throttling counts per
    /// client address: behind a proxy, without this, every visitor would
    /// share the proxy's.
    #[arg(long, env = "PULSE_TRUSTED_PROXIES", value_delimiter = ',', value_parser = parse_network)]
    pub trusted_proxies: Vec<ipnet::IpNet>,
    /// Who may read `GET /metrics` (addresses or CIDRs, comma-separated):
    /// loopback by default, for a Prometheus on the same host.
    #[arg(long, env = "PULSE_METRICS_ALLOW", value_delimiter = ',', value_parser = parse_network, default_value = "127.0.0.0/8,::1")]
    pub metrics_allow: Vec<ipnet::IpNet>,
    /// Where "Send reminder" POSTs `{agent_id, user_ids, message, sent_by}`
    /// as JSON: the host platform, which owns the learners' inbox. Unset,
    /// reminders are off (learners can still be marked as contacted). The
    /// URL may carry a token: it is never shown, only its host.
    #[arg(long, env = "PULSE_OUTREACH_WEBHOOK", hide_env_values = true)]
    pub outreach_webhook: Option<String>,
    /// A secret shared with the host platform: every reminder then carries
    /// `X-Pulse-Timestamp` and `X-Pulse-Signature: sha256=HEX`, the
    /// HMAC-SHA256 of `TIMESTAMP.BODY` under it, so the platform can tell
    /// Pulse's calls from anyone's (docs/API.md). Never shown.
    #[arg(long, env = "PULSE_OUTREACH_WEBHOOK_SECRET", hide_env_values = true)]
    pub outreach_webhook_secret: Option<String>,
    /// Seconds the host platform has to answer a reminder.
    #[arg(long, env = "PULSE_OUTREACH_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub outreach_timeout: u64,
    #[command(flatten)]
    pub embed: EmbedConfig,
    #[command(flatten)]
    pub oidc: OidcConfig,
    /// Keep the demo data set's live sessions fresh (see `pulse demo`).
    #[arg(long)]
    pub demo: bool,
    #[command(flatten)]
    pub connections: ConnectionLimits,
    #[command(flatten)]
    pub database: DatabaseConfig,
}

/// Host platforms that show the Users tab inside their own pages, with
/// tokens they sign (docs/EMBED.md). With none, nothing may be framed.
#[derive(Debug, Clone, Default, Args)]
pub struct EmbedConfig {
    /// The `iss` of the host platform's tokens: the integration's name.
    #[arg(long, env = "PULSE_EMBED_ISSUER")]
    pub embed_issuer: Option<String>,
    /// The origins of the host platform's pages that may frame the Users
    /// tab, separated by spaces (`https://lms.school.example`).
    #[arg(long, env = "PULSE_EMBED_ORIGINS", value_delimiter = ' ')]
    pub embed_origins: Vec<String>,
    /// The secret the platform signs HS256 tokens with (32 characters or
    /// more). Never shown.
    #[arg(long, env = "PULSE_EMBED_SECRET", hide_env_values = true)]
    pub embed_secret: Option<String>,
    /// A file holding that secret, or several (one per line) while one is
    /// replaced by another; read again at each token, so secrets rotate
    /// without a restart.
    #[arg(long, env = "PULSE_EMBED_SECRET_FILE")]
    pub embed_secret_file: Option<PathBuf>,
    /// Where the platform publishes the public keys of its EdDSA or RS256
    /// tokens: an http(s) URL of a JWKS document, or a file (JWKS or PEM).
    /// Fetched again when a token names a key not seen yet.
    #[arg(long, env = "PULSE_EMBED_JWKS_URL")]
    pub embed_jwks_url: Option<String>,
    /// A TOML file of further host platforms (`[[integration]]` tables with
    /// `name`, `origins`, and `hs256_secrets`, `public_keys_file` or
    /// `jwks_url`), read again when it changes.
    #[arg(long, env = "PULSE_EMBED_CONFIG")]
    pub embed_config: Option<PathBuf>,
}

/// Single sign-on through the school's OpenID provider (docs/SSO.md).
/// With no issuer set, people sign in with passwords only.
#[derive(Debug, Clone, Args)]
pub struct OidcConfig {
    /// The provider's issuer URL (its discovery document is at
    /// ISSUER/.well-known/openid-configuration). Needs PULSE_PUBLIC_URL:
    /// the provider sends people back to PULSE_PUBLIC_URL/auth/oidc/callback.
    #[arg(long, env = "PULSE_OIDC_ISSUER")]
    pub oidc_issuer: Option<String>,
    /// Pulse's client id at the provider.
    #[arg(long, env = "PULSE_OIDC_CLIENT_ID")]
    pub oidc_client_id: Option<String>,
    /// Pulse's client secret at the provider. Never shown.
    #[arg(long, env = "PULSE_OIDC_CLIENT_SECRET", hide_env_values = true)]
    pub oidc_client_secret: Option<String>,
    /// A file holding the client secret instead, read at each sign-in.
    #[arg(long, env = "PULSE_OIDC_CLIENT_SECRET_FILE")]
    pub oidc_client_secret_file: Option<PathBuf>,
    /// The ID token's claim whose values grant roles and agents: a name
    /// (`groups`) or a dotted path (`realm_access.roles`).
    #[arg(long, env = "PULSE_OIDC_ROLES_CLAIM", default_value = OidcConfig::DEFAULT_ROLES_CLAIM)]
    pub oidc_roles_claim: String,
    /// What each value of that claim grants, separated by `;` or new
    /// lines: `VALUE=superadmin`, or `VALUE=admin:AGENT,AGENT/SECTION`.
    /// Applied at each sign-in; a person none of whose values is named
    /// cannot sign in.
    #[arg(long, env = "PULSE_OIDC_GRANTS")]
    pub oidc_grants: Option<String>,
    /// Scopes asked for besides `openid`, separated by spaces.
    #[arg(long, env = "PULSE_OIDC_SCOPES", default_value = OidcConfig::DEFAULT_SCOPES)]
    pub oidc_scopes: String,
    /// The provider's name on the sign-in page ("Sign in with NAME").
    #[arg(long, env = "PULSE_OIDC_NAME", default_value = OidcConfig::DEFAULT_NAME)]
    pub oidc_name: String,
    /// `off`: no one signs in with a password (single sign-on only; the
    /// command line's accounts and keys still work).
    #[arg(long, env = "PULSE_PASSWORD_SIGN_IN", default_value = "on", value_parser = parse_switch)]
    pub password_sign_in: bool,
}

impl OidcConfig {
    const DEFAULT_ROLES_CLAIM: &str = "groups";
    const DEFAULT_SCOPES: &str = "profile email";
    const DEFAULT_NAME: &str = "single sign-on";
}

/// No single sign-on; passwords on.
impl Default for OidcConfig {
    fn default() -> OidcConfig {
        OidcConfig {
            oidc_issuer: None,
            oidc_client_id: None,
            oidc_client_secret: None,
            oidc_client_secret_file: None,
            oidc_roles_claim: OidcConfig::DEFAULT_ROLES_CLAIM.into(),
            oidc_grants: None,
            oidc_scopes: OidcConfig::DEFAULT_SCOPES.into(),
            oidc_name: OidcConfig::DEFAULT_NAME.into(),
            password_sign_in: true,
        }
    }
}

/// `on` or `off` (also `true`/`false`, `1`/`0`, `yes`/`no`).
fn parse_switch(text: &str) -> Result<bool, String> {
    match text.trim().to_ascii_lowercase().as_str() {
        "on" | "true" | "1" | "yes" => Ok(true),
        "off" | "false" | "0" | "no" => Ok(false),
        _ => Err(format!("{text:?} is neither on nor off")),
    }
}

/// How long and how many clients may hold a connection, so that clients
/// that send slowly, or connect and wait, cannot use up the server's file
/// descriptors.
#[derive(Debug, Clone, Args)]
pub struct ConnectionLimits {
    /// Seconds a client has to send a request's line and headers, counted from
    /// connecting or from the first byte after an idle wait; slower clients are
    /// disconnected. Browsers send them in one packet: 10 s leaves room for a
    /// poor mobile network, yet a client trickling a header line at a time
    /// holds its connection no longer.
    #[arg(long, env = "PULSE_HEADER_TIMEOUT", default_value_t = ConnectionLimits::DEFAULT.header_timeout, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout: u64,
    /// Seconds a kept-alive connection may wait for its next request before it
    /// is closed. 60 s spans the dashboard's 15-second refreshes, so a browser
    /// keeps its connection; a client that stops asking frees it within a minute
    /// (browsers reconnect by themselves).
    #[arg(long, env = "PULSE_IDLE_TIMEOUT", default_value_t = ConnectionLimits::DEFAULT.idle_timeout, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout: u64,
    /// Connections served at once; further clients wait in the listen queue
    /// until one closes. Each one holds a file descriptor: 512 stays well below
    /// the usual limit of 1,024 open files (systemd's default), leaving room for
    /// the database and the static files. Raise it together with that limit
    /// (`ulimit -n`, `LimitNOFILE=`).
    #[arg(long, env = "PULSE_MAX_CONNECTIONS", default_value_t = ConnectionLimits::DEFAULT.max_connections, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
}

impl ConnectionLimits {
    pub const DEFAULT: ConnectionLimits = ConnectionLimits {
        header_timeout: 10,
        idle_timeout: 60,
        max_connections: 512,
    };
}

impl Default for ConnectionLimits {
    fn default() -> ConnectionLimits {
        ConnectionLimits::DEFAULT
    }
}

/// A web origin (scheme, host and port) in the form browsers send in the
/// `Origin` header, so that two spellings of one origin compare equal:
/// case does not matter and the scheme's default port may be left out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub scheme: String,
    pub host: String,
    pub port: u16,
}

impl Origin {
    /// Parses `http(s)://HOST[:PORT]`, ignoring any path after it (a public
    /// URL may be given with one); refuses other schemes and user names.
    pub fn parse(text: &str) -> Result<Origin, String> {
        let invalid = || format!("{text:?} is not an origin like https://pulse.example.org");
        let (scheme, rest) = text.split_once("://").ok_or_else(invalid)?;
        let scheme = scheme.to_ascii_lowercase();
        let default_port = default_port(&scheme).ok_or_else(invalid)?;
        let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
        if authority.contains('@') {
            return Err(invalid());
        }
        let (host, port) = split_authority(authority, default_port).ok_or_else(invalid)?;
        Ok(Origin { scheme, host, port })
    }

    /// Whether `authority` (a Host header: `HOST[:PORT]`) names this
    /// origin's host and port, a missing port being the scheme's default.
    pub fn has_authority(&self, authority: &str) -> bool {
        let default_port = default_port(&self.scheme).unwrap_or_default();
        split_authority(authority, default_port) == Some((self.host.clone(), self.port))
    }
}

/// `scheme://host[:port]`, the port left out when it is the scheme's
/// default: as browsers write an origin (CSP sources, `postMessage`).
impl std::fmt::Display for Origin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)?;
        if default_port(&self.scheme) != Some(self.port) {
            write!(f, ":{}", self.port)?;
        }
        Ok(())
    }
}

fn default_port(scheme: &str) -> Option<u16> {
    match scheme {
        "http" => Some(80),
        "https" => Some(443),
        _ => None,
    }
}

/// `HOST[:PORT]` (HOST may be a bracketed IPv6 address) as a lower-case host
/// and a port; `None` when empty or malformed.
fn split_authority(authority: &str, default_port: u16) -> Option<(String, u16)> {
    let port_start = authority
        .rfind(':')
        .filter(|&colon| !authority[colon..].contains(']'));
    let (host, port) = match port_start {
        Some(colon) => (&authority[..colon], authority[colon + 1..].parse().ok()?),
        None => (authority, default_port),
    };
    let well_formed = !host.is_empty()
        && !host.contains([' ', '/', '\\'])
        && (host.starts_with('[') == host.ends_with(']'));
    well_formed.then(|| (host.to_ascii_lowercase(), port))
}

/// An address (a network of one) or a CIDR network.
fn parse_network(text: &str) -> Result<ipnet::IpNet, String> {
    let text = text.trim();
    text.parse::<ipnet::IpNet>()
        .or_else(|_| text.parse::<std::net::IpAddr>().map(ipnet::IpNet::from))
        .map_err(|_| format!("{text:?} is neither an IP address nor a CIDR network"))
}

#[cfg(test)]
mod tests {
    use super::Origin;

    #[test]
    fn origins_compare_as_browsers_send_them() {
        let public = Origin::parse("https://Pulse.Example:443/dashboard").unwrap();
        assert_eq!(public, Origin::parse("https://pulse.example").unwrap());
        assert_ne!(public, Origin::parse("http://pulse.example").unwrap());
        assert!(public.has_authority("PULSE.example") && public.has_authority("pulse.example:443"));
        assert!(!public.has_authority("pulse.example:80"));
        assert_eq!(public.to_string(), "https://pulse.example");
        assert_eq!(
            Origin::parse("http://LocalHost:8080/x")
                .unwrap()
                .to_string(),
            "http://localhost:8080"
        );
        let loopback = Origin::parse("http://[::1]:3000").unwrap();
        assert!(loopback.has_authority("[::1]:3000") && !loopback.has_authority("[::1]"));
        for invalid in [
            "null",
            "pulse.example",
            "ftp://pulse.example",
            "https://",
            "https://user@pulse.example",
            "https://pulse.example:99999",
        ] {
            assert!(Origin::parse(invalid).is_err(), "{invalid}");
        }
    }
}

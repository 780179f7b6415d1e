//! Share links (METRICS.md, "Shared views and small counts"): making one
//! from an administrator's request, and opening one with its token (and
//! password, under the sign-in throttle) to the figures with small counts
//! hidden. Only the token's SHA-256 and the password's argon2 hash are
//! kept.

use chrono::{DateTime, Utc};
use pulse_model::{
    MAX_SHARE_DAYS, MIN_COUNT_RANGE, MIN_SHARE_PASSWORD_CHARS, PeriodKind, PeriodQuery,
    ShareLinkRequest, ShareLinkView, SharedFigures, SharedPage, SharedView,
};

use crate::accounts::{
    GateFull, HashGate, LOGIN_WINDOW_MS, MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS,
    MAX_FAILURES_PER_ADDRESS, decoy_hash, hash_password, new_session_token, pause, sign_in_delay,
    verify_password,
};
use crate::analytics::{AnalyticsError, Selection, Settings};
use crate::keys::hash_key;
use crate::time::{Millis, from_millis};
use crate::{AgentRef, Store, StoreError};

/// A share link as stored.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct ShareLinkRecord {
    /// Its number, to list and revoke it.
    pub id: i64,
    /// The public id of the agent shown.
    pub agent_id: String,
    /// The section shown, if one.
    pub section_id: Option<String>,
    /// The period's name (`30d`, `custom`, ...).
    pub period: String,
    /// First day of a custom period.
    pub from_date: Option<String>,
    /// Last day of a custom period.
    pub to_date: Option<String>,
    /// The zone of the view.
    pub tz: String,
    /// The threshold k.
    pub min_count: i64,
    /// The argon2 hash of its password, if it has one.
    pub password_hash: Option<String>,
    /// Who made it.
    pub created_by: String,
    /// When it was made (ms).
    pub created_at: i64,
    /// When it stops working (ms).
    pub expires_at: i64,
    /// When it was revoked (ms), if it was.
    pub revoked_at: Option<i64>,
    /// When its figures were last shown (ms).
    pub last_opened_at: Option<i64>,
    /// How many times its figures were shown.
    pub views: i64,
}

impl ShareLinkRecord {
    /// The link as Settings lists it.
    pub fn view(&self) -> ShareLinkView {
        ShareLinkView {
            id: self.id,
            agent_id: self.agent_id.clone(),
            section: self.section_id.clone(),
            period: self.period.clone(),
            from: self.from_date.clone(),
            to: self.to_date.clone(),
            tz: self.tz.clone(),
            min_count: u32::try_from(self.min_count).unwrap_or(u32::MAX),
            has_password: self.password_hash.is_some(),
            created_by: self.created_by.clone(),
            created_at: from_millis(self.created_at),
            expires_at: from_millis(self.expires_at),
            revoked_at: self.revoked_at.map(from_millis),
            last_opened_at: self.last_opened_at.map(from_millis),
            views: u64::try_from(self.views).unwrap_or(0),
        }
    }

    /// The selection the link shows.
    pub fn query(&self) -> PeriodQuery {
        PeriodQuery {
            period: self.period.clone(),
            from: self.from_date.clone(),
            to: self.to_date.clone(),
            tz: self.tz.clone(),
            section: self.section_id.clone(),
        }
    }
}

/// What is stored of a new link.
pub struct NewLinkRow<'a> {
    /// SHA-256 of the token.
    pub token_hash: &'a str,
    /// The agent shown.
    pub agent_id: &'a str,
    /// The section shown, if one.
    pub section: Option<&'a str>,
    /// The period's name.
    pub period: &'a str,
    /// First day of a custom period.
    pub from: Option<&'a str>,
    /// Last day of a custom period.
    pub to: Option<&'a str>,
    /// The zone of the view.
    pub tz: &'a str,
    /// The threshold k.
    pub min_count: u32,
    /// The argon2 hash of its password.
    pub password_hash: Option<&'a str>,
    /// Who made it.
    pub created_by: &'a str,
    /// When it was made (ms).
    pub created_at: i64,
    /// When it stops working (ms).
    pub expires_at: i64,
}

/// Why a share link could not be made or opened.
#[derive(Debug, thiserror::Error)]
pub enum ShareError {
    /// A setting of the request is out of range; the text says which.
    #[error("{0}")]
    Invalid(String),
    /// The maker sees only some sections of the agent and named none.
    #[error("you see only some sections of this agent: share one of them")]
    WholeAgentNotGranted,
    /// No link has this token.
    #[error("This share link does not exist.")]
    Unknown,
    /// The link was revoked.
    #[error("This share link was revoked.")]
    Revoked,
    /// The link's time is over.
    #[error("This share link has expired.")]
    Expired,
    /// The account that made the link is disabled, or no longer has the
    /// grant it was made under (the agent, or its section).
    #[error(
        "This share link no longer works: whoever made it no longer has access to what it shows."
    )]
    MakerLostAccess,
    /// The password given is not the link's.
    #[error("Wrong password.")]
    WrongPassword,
    /// Too many wrong passwords from this address.
    #[error("Too many wrong passwords. Try again in 15 minutes.")]
    Throttled,
    /// Every password-hash slot is taken: try again shortly.
    #[error(transparent)]
    Busy(#[from] GateFull),
    /// The selection is invalid (or its section is gone).
    #[error(transparent)]
    Analytics(#[from] AnalyticsError),
    /// The database failed.
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Checks a request's own settings (the period, zone and section are
/// checked as any view's are, in [`create`]).
fn check_request(request: &ShareLinkRequest) -> Result<(), ShareError> {
    if !MIN_COUNT_RANGE.contains(&request.min_count) {
        return Err(ShareError::Invalid(format!(
            "min_count must be {} to {}",
            MIN_COUNT_RANGE.start(),
            MIN_COUNT_RANGE.end()
        )));
    }
    if !(1..=MAX_SHARE_DAYS).contains(&request.expires_days) {
        return Err(ShareError::Invalid(format!(
            "expires_days must be 1 to {MAX_SHARE_DAYS}"
        )));
    }
    if let Some(password) = &request.password {
        let chars = password.chars().count();
        if !(MIN_SHARE_PASSWORD_CHARS..=crate::accounts::MAX_PASSWORD_CHARS).contains(&chars) {
            return Err(ShareError::Invalid(format!(
                "a share link's password has {MIN_SHARE_PASSWORD_CHARS} to {} characters",
                crate::accounts::MAX_PASSWORD_CHARS
            )));
        }
    }
    Ok(())
}

/// The selection a request asks for.
fn request_query(request: &ShareLinkRequest) -> PeriodQuery {
    PeriodQuery {
        period: request.period.clone(),
        from: request.from.clone(),
        to: request.to.clone(),
        tz: request.tz.clone(),
        section: request.section.clone(),
    }
}

/// Refuses a section the agent does not have.
async fn check_section(
    store: &Store,
    agent: &AgentRef,
    section: Option<&str>,
) -> Result<(), ShareError> {
    let Some(section) = section else {
        return Ok(());
    };
    let sections = store.list_sections(agent).await?;
    if sections.iter().any(|listed| listed.section_id == section) {
        Ok(())
    } else {
        Err(AnalyticsError::UnknownSection(section.to_owned()).into())
    }
}

/// Who makes a link, of which agent, and which sections of it they are
/// limited to (`None`: the whole agent).
pub struct Maker<'a> {
    /// The agent of the request's `agent_id`.
    pub agent: &'a AgentRef,
    /// The sections the maker may see; a limited maker must share one.
    pub sections: Option<Vec<String>>,
    /// Their name, as Settings lists it.
    pub name: &'a str,
}

/// Checks a request as any view of its selection is checked (period, zone,
/// section, the maker's grant) and its own settings, then stores the link
/// and returns its listing and its path, which holds the token (shown
/// once).
pub async fn create(
    store: &Store,
    gate: &HashGate,
    request: ShareLinkRequest,
    maker: Maker<'_>,
    now: DateTime<Utc>,
) -> Result<pulse_model::NewShareLink, ShareError> {
    if maker.sections.is_some() && request.section.is_none() {
        return Err(ShareError::WholeAgentNotGranted);
    }
    Selection::new(store, maker.agent, &request_query(&request), now)?
        .limited_to(maker.sections)?;
    check_section(store, maker.agent, request.section.as_deref()).await?;
    check_request(&request)?;
    let password_hash = match request.password.clone() {
        Some(password) => Some(gate.run(move || hash_password(&password)).await?),
        None => None,
    };
    // 256 random bits, kept only as a hash, like a session's.
    let (token, token_hash) = new_session_token();
    let created_at = now.timestamp_millis();
    let expires_at = created_at + i64::from(request.expires_days) * 24 * 60 * 60 * 1000;
    let custom = request.period == PeriodKind::Custom.as_str();
    let row = NewLinkRow {
        token_hash: &token_hash,
        agent_id: &request.agent_id,
        section: request.section.as_deref(),
        period: &request.period,
        from: request.from.as_deref().filter(|_| custom),
        to: request.to.as_deref().filter(|_| custom),
        tz: &request.tz,
        min_count: request.min_count,
        password_hash: password_hash.as_deref(),
        created_by: maker.name,
        created_at,
        expires_at,
    };
    let id = store.create_share_link(&row).await?;
    let link = store
        .share_link_by_id(id)
        .await?
        .ok_or(ShareError::Unknown)?;
    Ok(pulse_model::NewShareLink {
        link: link.view(),
        path: format!("/share/{token}"),
    })
}

/// Someone opening a link: its token, the password they gave, and their
/// address (for the throttle).
pub struct Opening {
    /// The token from the link's path.
    pub token: String,
    /// The password typed, if any.
    pub password: Option<String>,
    /// The client's address.
    pub address: String,
}

/// Opens a link: its figures with small counts hidden (counted as a view),
/// or that it needs a password. An unknown, revoked or expired link shows
/// nothing; wrong passwords are throttled like sign-ins.
pub async fn open(
    store: &Store,
    gate: &HashGate,
    opening: Opening,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<SharedPage, ShareError> {
    let now_ms = Millis::from(now);
    let link = store
        .share_link_by_hash(&hash_key(&opening.token))
        .await?
        .ok_or(ShareError::Unknown)?;
    if link.revoked_at.is_some() {
        return Err(ShareError::Revoked);
    }
    if link.expires_at <= now_ms.0 {
        return Err(ShareError::Expired);
    }
    if !maker_still_may_share(store, &link).await? {
        return Err(ShareError::MakerLostAccess);
    }
    if let Some(stored) = &link.password_hash {
        let Some(password) = opening.password else {
            return Ok(SharedPage::PasswordNeeded);
        };
        check_password(
            store,
            gate,
            &link,
            stored,
            password,
            &opening.address,
            now_ms,
        )
        .await?;
    }
    let agent = store
        .find_agent(&link.agent_id)
        .await?
        .ok_or(ShareError::Unknown)?;
    let view = shared_view(store, &agent, &link, settings, now).await?;
    store.record_share_view(link.id, now_ms).await?;
    Ok(SharedPage::View(Box::new(view)))
}

/// Whether the link's maker still may show what it shows: a link made by an
/// account lives only while that account is enabled and still sees the
/// link's agent, whole or the link's section. A link made on the command
/// line (by whoever runs the server) has no account to lose.
async fn maker_still_may_share(store: &Store, link: &ShareLinkRecord) -> Result<bool, ShareError> {
    let Some((account, _)) = store.account_by_username(&link.created_by).await? else {
        return Ok(link.created_by == COMMAND_LINE_MAKER);
    };
    if !account.may_view(&link.agent_id) {
        return Ok(false);
    }
    Ok(
        match (account.section_limit(&link.agent_id), &link.section_id) {
            (None, _) => true,
            (Some(sections), Some(section)) => sections.contains(section),
            (Some(_), None) => false,
        },
    )
}

/// The maker of links made with `pulse share create`.
pub const COMMAND_LINE_MAKER: &str = "command line";

/// The throttle's records for a password tried on link `id` from `address`.
fn password_subjects(id: i64, address: &str) -> [(String, Option<u64>); 3] {
    [
        (
            format!("share+address:{id}\u{1f}{address}"),
            Some(MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS),
        ),
        (format!("address:{address}"), Some(MAX_FAILURES_PER_ADDRESS)),
        (format!("share:{id}"), None),
    ]
}

async fn check_password(
    store: &Store,
    gate: &HashGate,
    link: &ShareLinkRecord,
    stored: &str,
    password: String,
    address: &str,
    now_ms: Millis,
) -> Result<(), ShareError> {
    let [pair, address_subject, link_subject] = password_subjects(link.id, address);
    let subjects = [pair.clone(), address_subject.clone(), link_subject.clone()];
    let counts = store
        .claim_login_attempt(&subjects, now_ms, Millis(now_ms.0 - LOGIN_WINDOW_MS))
        .await?
        .ok_or(ShareError::Throttled)?;
    pause(sign_in_delay(counts[2])).await;
    let stored = stored.to_owned();
    let plausible = password.chars().count() <= crate::accounts::MAX_PASSWORD_CHARS;
    let verified = gate
        .run(move || {
            // An overlong guess costs what a wrong one does, no more.
            let hash = if plausible {
                stored.as_str()
            } else {
                decoy_hash()
            };
            plausible && verify_password(hash, &password)
        })
        .await?;
    if !verified {
        return Err(ShareError::WrongPassword);
    }
    store
        .login_succeeded(&[pair.0, link_subject.0], &[address_subject.0], now_ms)
        .await?;
    Ok(())
}

/// The link's figures now, small counts hidden.
async fn shared_view(
    store: &Store,
    agent: &AgentRef,
    link: &ShareLinkRecord,
    settings: Settings,
    now: DateTime<Utc>,
) -> Result<SharedView, ShareError> {
    let query = link.query();
    let selection = Selection::new(store, agent, &query, now)?;
    let overview = selection.overview(settings).await?;
    let trend = selection.trend().await?;
    let heatmap = selection.heatmap().await?;
    let k = u32::try_from(link.min_count).unwrap_or(pulse_model::DEFAULT_MIN_COUNT);
    let section_name = match &link.section_id {
        Some(section) => store
            .list_sections(agent)
            .await?
            .into_iter()
            .find(|listed| &listed.section_id == section)
            .map(|listed| listed.name),
        None => None,
    };
    Ok(SharedView {
        agent_name: agent.name.clone(),
        section_name,
        period_label: PeriodKind::parse(&link.period)
            .map_or("Custom", PeriodKind::label)
            .to_owned(),
        expires_at: from_millis(link.expires_at),
        figures: SharedFigures::suppress(&overview, &trend, &heatmap, k),
    })
}

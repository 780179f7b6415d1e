//! What server functions need from the server they run in. Only compiled
//! with the `ssr` feature; the `pulse` binary provides it as Leptos context.

use leptos::prelude::use_context;
use pulse_db::accounts::Account;
use pulse_db::analytics::{Selection, Settings};
use pulse_db::{AgentRef, Store};
use pulse_model::{ApiError, ContactRequest, PeriodQuery};

/// The server's state, as server functions see it.
#[derive(Clone)]
pub struct ServerContext {
    pub store: Store,
    pub settings: Settings,
    /// Mark the session cookie Secure (the site is served over HTTPS).
    pub secure_cookies: bool,
    /// Where password hashes run: a few at once, the rest refused (429).
    pub hash_gate: std::sync::Arc<pulse_db::accounts::HashGate>,
    /// Where reminders go (`PULSE_OUTREACH_WEBHOOK`); none when unset.
    pub outreach: Option<std::sync::Arc<crate::outreach::Outreach>>,
    /// Days of events kept (`PULSE_RETENTION_DAYS`); none: all of them.
    pub kept_event_days: Option<u32>,
    /// How people sign in: passwords, single sign-on, or both.
    pub sign_in: SignInConfig,
}

/// How people sign in here (docs/SSO.md).
#[derive(Clone)]
pub struct SignInConfig {
    /// Whether passwords sign anyone in (`PULSE_PASSWORD_SIGN_IN`).
    pub password: bool,
    /// The school's OpenID provider, when configured (`PULSE_OIDC_*`).
    pub single_sign_on: Option<std::sync::Arc<dyn SingleSignOnProvider>>,
}

impl Default for SignInConfig {
    fn default() -> SignInConfig {
        SignInConfig {
            password: true,
            single_sign_on: None,
        }
    }
}

/// What the app needs of the server's single sign-on: the server runs the
/// protocol on its own routes (`/auth/oidc/...`).
pub trait SingleSignOnProvider: Send + Sync {
    /// The provider's name on the sign-in page's button.
    fn name(&self) -> &str;
    /// Where a signing-out browser goes to end its session at the provider
    /// too; none when the provider offers no such endpoint.
    fn end_session_url(&self) -> futures::future::BoxFuture<'_, Option<String>>;
}

/// The session cookie a signed-in browser keeps: never readable by
/// scripts, never sent by another site's requests.
pub fn session_cookie(token: &str, secure: bool) -> String {
    let secure = if secure { "; Secure" } else { "" };
    format!(
        "{SESSION_COOKIE}={token}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{secure}",
        pulse_db::accounts::ABSOLUTE_TIMEOUT_MS / 1000
    )
}

pub use crate::outreach::Reminder;

/// The caller's network address, as the server saw the connection.
#[derive(Debug, Clone)]
pub struct ClientAddress(pub String);

/// The name of the session cookie.
pub const SESSION_COOKIE: &str = "pulse_session";

/// The name of an embedded viewer's session cookie (partitioned, inside a
/// host platform's frame; docs/EMBED.md): apart from [`SESSION_COOKIE`], so
/// that one never stands in for the other.
pub const EMBED_SESSION_COOKIE: &str = "pulse_embed_session";

/// The context of the current call.
pub fn server_context() -> Result<ServerContext, ApiError> {
    use_context::<ServerContext>()
        .ok_or_else(|| ApiError::Internal("server context missing".into()))
}

/// The session token of the calling browser, from its cookie: a session
/// signed in to Pulse itself first, else an embedded viewer's.
pub fn session_token() -> Option<String> {
    let parts = use_context::<http::request::Parts>()?;
    cookie_value(&parts.headers, SESSION_COOKIE)
        .or_else(|| cookie_value(&parts.headers, EMBED_SESSION_COOKIE))
}

/// The value of the cookie `name` among a request's headers, when set.
pub fn cookie_value(headers: &http::HeaderMap, name: &str) -> Option<String> {
    let cookies = headers.get(http::header::COOKIE)?.to_str().ok()?;
    cookies.split(';').find_map(|cookie| {
        let (found, value) = cookie.trim().split_once('=')?;
        (found == name && !value.is_empty()).then(|| value.to_owned())
    })
}

/// The signed-in account, or Unauthorized.
pub async fn signed_in(context: &ServerContext) -> Result<Account, ApiError> {
    let token = session_token().ok_or(ApiError::Unauthorized)?;
    let now = pulse_db::time::Millis::now();
    pulse_db::accounts::account_of_session(&context.store, &token, now)
        .await?
        .ok_or(ApiError::Unauthorized)
}

/// The signed-in account when it manages Pulse itself: a
/// superadministrator signed in to Pulse, not an embedded viewer (whose
/// host platform's word reaches only the agents it named).
pub async fn superadmin(context: &ServerContext) -> Result<Account, ApiError> {
    let account = signed_in(context).await?;
    if account.manages_pulse() {
        Ok(account)
    } else if account.embedded.is_some() {
        Err(ApiError::Forbidden(
            "a viewer embedded in a host platform may not change Pulse's settings; sign in to Pulse itself".into(),
        ))
    } else {
        Err(ApiError::Forbidden(
            "only a superadministrator may do this".into(),
        ))
    }
}

/// Agent ids as typed by a person: trimmed, blanks dropped, each checked.
pub fn checked_agents(agents: Vec<String>) -> Result<Vec<String>, ApiError> {
    let agents: Vec<String> = agents
        .iter()
        .map(|agent| agent.trim())
        .filter(|agent| !agent.is_empty())
        .map(str::to_owned)
        .collect();
    match agents
        .iter()
        .find(|agent| !pulse_model::is_public_id(agent))
    {
        Some(bad) => Err(ApiError::BadRequest(format!("{bad:?} is not an agent id"))),
        None => Ok(agents),
    }
}

/// An agent the signed-in account may see, and the sections of it the
/// account is limited to (`None`: the whole agent).
pub struct Viewing {
    pub agent: AgentRef,
    pub sections: Option<Vec<String>>,
    /// Whose word the account's registrations are: a superadministrator's
    /// the platform's, an administrator's their agent's only.
    pub naming: pulse_db::learners::Naming,
}

/// An agent the signed-in account may see. An agent it may not see is
/// "not found" too: nobody learns which agents exist beyond their own.
pub async fn viewing(context: &ServerContext, agent_id: &str) -> Result<Viewing, ApiError> {
    let not_found = || ApiError::NotFound(format!("agent {agent_id:?}"));
    // The account and the agent at once: each is a round trip on
    // PostgreSQL. The agent is used only once the account may see it; a
    // visitor not signed in ends it at once, the agent's look-up dropped.
    let agent = async {
        if pulse_model::is_public_id(agent_id) {
            Ok(context.store.find_agent(agent_id).await?)
        } else {
            Ok(None)
        }
    };
    let (account, agent) = futures::try_join!(signed_in(context), agent)?;
    if !account.may_view(agent_id) {
        return Err(not_found());
    }
    let agent = agent.ok_or_else(not_found)?;
    Ok(Viewing {
        agent,
        sections: account.section_limit(agent_id),
        naming: account.naming(),
    })
}

/// An agent whose sections the signed-in account may change: one it sees
/// whole (an administrator limited to sections may not regroup learners).
pub async fn section_manager(
    context: &ServerContext,
    agent_id: &str,
) -> Result<AgentRef, ApiError> {
    Ok(section_registrar(context, agent_id).await?.0)
}

/// [`section_manager`], with whose word the account's registrations are
/// (docs/METRICS.md, "Learners and their names").
pub async fn section_registrar(
    context: &ServerContext,
    agent_id: &str,
) -> Result<(AgentRef, pulse_db::learners::Naming), ApiError> {
    let viewing = viewing(context, agent_id).await?;
    if viewing.sections.is_some() {
        return Err(ApiError::Forbidden(
            "only an administrator of the whole agent may change its sections".into(),
        ));
    }
    Ok((viewing.agent, viewing.naming))
}

/// A section id as typed, checked.
pub fn checked_section_id(section_id: &str) -> Result<(), ApiError> {
    pulse_model::check_public_id("The section id", section_id).map_err(ApiError::BadRequest)
}

/// [`viewing`] for what does not depend on sections (the agent's name).
pub async fn viewable_agent(context: &ServerContext, agent_id: &str) -> Result<AgentRef, ApiError> {
    Ok(viewing(context, agent_id).await?.agent)
}

/// The selection a server function was asked for: the period resolved now,
/// the viewer's sections, statuses with `inactive_days` (the default when
/// absent).
pub fn selection<'a>(
    context: &'a ServerContext,
    viewing: &'a Viewing,
    query: &PeriodQuery,
    inactive_days: Option<u32>,
) -> Result<Selection<'a>, ApiError> {
    let selection = Selection::new(&context.store, &viewing.agent, query, chrono::Utc::now())?
        .limited_to(viewing.sections.clone())?;
    Ok(match inactive_days {
        Some(days) => selection.with_inactive_days(days)?,
        None => selection,
    })
}

/// Whether `account` may list and revoke a share link: a
/// superadministrator any; an administrator those of their agents, and of
/// their sections when limited to some.
pub fn sees_share_link(account: &Account, link: &pulse_db::share_links::ShareLinkRecord) -> bool {
    if !account.may_view(&link.agent_id) {
        return false;
    }
    match (account.section_limit(&link.agent_id), &link.section_id) {
        (None, _) => true,
        (Some(sections), Some(section)) => sections.contains(section),
        (Some(_), None) => false,
    }
}

/// Those of `user_ids` the viewer may not see: none unless the viewer is
/// limited to sections, else those outside them.
pub async fn hidden_learners(
    context: &ServerContext,
    viewing: &Viewing,
    user_ids: &[String],
) -> Result<Vec<String>, ApiError> {
    if viewing.sections.is_none() {
        return Ok(Vec::new());
    }
    let selection = selection(context, viewing, &PeriodQuery::default(), None)?;
    let visible = selection.learner_ids().await?;
    Ok(user_ids
        .iter()
        .filter(|user| !visible.contains(*user))
        .cloned()
        .collect())
}

/// Records a contact with learners by the signed-in account: checks it,
/// hands the reminder to the host platform when `remind`, and only then
/// marks the learners as contacted (all of them, or none).
pub async fn follow_up(request: &ContactRequest, remind: bool) -> Result<(), ApiError> {
    use pulse_db::contact_marks::{Contact, check, mark};
    let context = server_context()?;
    let account = signed_in(&context).await?;
    let viewing = viewing(&context, &request.agent_id).await?;
    let hidden = hidden_learners(&context, &viewing, &request.user_ids).await?;
    if !hidden.is_empty() {
        let shown: Vec<&str> = hidden.iter().take(5).map(String::as_str).collect();
        return Err(ApiError::NotFound(format!(
            "no learners {shown:?} on this agent"
        )));
    }
    let agent = viewing.agent;
    let outreach = match (remind, context.outreach.as_ref()) {
        (false, _) => None,
        (true, Some(outreach)) => Some(outreach),
        (true, None) => {
            return Err(ApiError::BadRequest(
                "reminders are off: the server has no PULSE_OUTREACH_WEBHOOK".into(),
            ));
        }
    };
    let contact = Contact {
        user_ids: &request.user_ids,
        by: &account.username,
        note: &request.note,
        reminder: remind,
    };
    let checked = check(&context.store, &agent, &contact).await?;
    if let Some(outreach) = outreach {
        let message = checked
            .note()
            .ok_or_else(|| ApiError::BadRequest("write the reminder's message".into()))?;
        outreach
            .send(&Reminder {
                agent_id: &request.agent_id,
                user_ids: &request.user_ids,
                message,
                sent_by: &account.username,
            })
            .await?;
    }
    mark(
        &context.store,
        &agent,
        &contact,
        &checked,
        chrono::Utc::now().into(),
    )
    .await?;
    Ok(())
}

/// Registers every server function with the HTTP handler. The `pulse`
/// binary calls this at start-up: without an explicit reference the linker
/// may drop the registrations and every call would answer "Could not find a
/// server function".
pub fn register_server_fns() {
    use crate::api::*;
    use server_fn::axum::register_explicit;
    register_explicit::<ListAgents>();
    register_explicit::<GetAgent>();
    register_explicit::<UsersDashboard>();
    register_explicit::<OnlineNow>();
    register_explicit::<Login>();
    register_explicit::<Logout>();
    register_explicit::<SignInMethods>();
    register_explicit::<CurrentAccount>();
    register_explicit::<ListAccounts>();
    register_explicit::<CreateAccount>();
    register_explicit::<UpdateAccount>();
    register_explicit::<ListKeys>();
    register_explicit::<CreateKey>();
    register_explicit::<RevokeKey>();
    register_explicit::<SaveAgent>();
    register_explicit::<LearnerDetails>();
    register_explicit::<ListContactMarks>();
    register_explicit::<MarkContacted>();
    register_explicit::<SendReminder>();
    register_explicit::<LearnerActivity>();
    register_explicit::<ListSections>();
    register_explicit::<UsersRetention>();
    register_explicit::<ListAnnotations>();
    register_explicit::<SaveAnnotation>();
    register_explicit::<DeleteAnnotation>();
    register_explicit::<CompareAgents>();
    register_explicit::<SectionTrends>();
    register_explicit::<SaveSection>();
    register_explicit::<DeleteSection>();
    register_explicit::<SectionMemberIds>();
    register_explicit::<SetSectionMembers>();
    register_explicit::<CreateShareLink>();
    register_explicit::<ListShareLinks>();
    register_explicit::<RevokeShareLink>();
    register_explicit::<OpenShareLink>();
    register_explicit::<KeptEventDays>();
}

//! What callers see of this crate's errors: the one place where each
//! domain error (a broken rule, a refused sign-in, an unknown learner, a
//! database outage) becomes an [`ApiError`], whose `status()` is the HTTP
//! status of the REST API and the server functions alike. The rest of the
//! crate speaks its own error types and knows nothing of HTTP.

use pulse_model::ApiError;

use crate::accounts::{GateFull, LOGIN_WINDOW_MS, RuleError, SignInError};
use crate::analytics::{AnalyticsError, LearnerError};
use crate::contact_marks::FollowUpError;
use crate::embedding::EmbedError;
use crate::error::{Outage, StoreError};
use crate::share_links::ShareError;

/// Seconds a throttled client waits: the whole window of counted failures.
fn throttle_seconds() -> u32 {
    u32::try_from(LOGIN_WINDOW_MS / 1000).unwrap_or(u32::MAX)
}

/// The one conversion of a data-layer failure into what callers see, for
/// the REST API and the server functions alike (`ApiError::status` then
/// gives the status). The details go to the log, never to the wire.
impl From<StoreError> for ApiError {
    fn from(error: StoreError) -> ApiError {
        if let StoreError::LimitReached(message) | StoreError::Refused(message) = error {
            return ApiError::Conflict(message);
        }
        match error.outage() {
            Some(outage) => {
                tracing::warn!(%error, "database outage");
                match outage {
                    Outage::DiskFull => ApiError::StorageFull(outage.message().into()),
                    _ => ApiError::Unavailable(outage.message().into()),
                }
            }
            None => {
                tracing::error!(%error, "database error");
                ApiError::Internal("the request could not be completed".into())
            }
        }
    }
}

impl From<AnalyticsError> for ApiError {
    fn from(error: AnalyticsError) -> ApiError {
        match error {
            AnalyticsError::BadPeriod(error) => ApiError::BadRequest(error.to_string()),
            AnalyticsError::Store(error) => error.into(),
            AnalyticsError::UnknownSection(_) => ApiError::NotFound(error.to_string()),
            AnalyticsError::SectionNotGranted(_) => ApiError::Forbidden(error.to_string()),
        }
    }
}

impl From<LearnerError> for ApiError {
    fn from(error: LearnerError) -> ApiError {
        match error {
            LearnerError::UnknownLearner(_) => ApiError::NotFound(error.to_string()),
            LearnerError::Analytics(error) => error.into(),
        }
    }
}

/// A broken rule is the caller's mistake.
impl From<RuleError> for ApiError {
    fn from(error: RuleError) -> ApiError {
        ApiError::BadRequest(error.0)
    }
}

/// Every password hash slot is taken: the caller may retry shortly.
impl From<GateFull> for ApiError {
    fn from(full: GateFull) -> ApiError {
        ApiError::TooManyRequests {
            message: format!("{full}."),
            retry_after: 2,
        }
    }
}

impl From<SignInError> for ApiError {
    fn from(error: SignInError) -> ApiError {
        match error {
            SignInError::Implausible(rule) => rule.into(),
            SignInError::Throttled => ApiError::TooManyRequests {
                message: error.to_string(),
                retry_after: throttle_seconds(),
            },
            SignInError::Busy(full) => full.into(),
            SignInError::Refused => ApiError::BadRequest(error.to_string()),
            SignInError::Store(error) => error.into(),
        }
    }
}

impl From<FollowUpError> for ApiError {
    fn from(error: FollowUpError) -> ApiError {
        match error {
            FollowUpError::Count(_) | FollowUpError::BadNote(_) => {
                ApiError::BadRequest(error.to_string())
            }
            FollowUpError::UnknownLearners(_) => ApiError::NotFound(error.to_string()),
            FollowUpError::NotEnrolled(_) => ApiError::Forbidden(error.to_string()),
            FollowUpError::Store(error) => error.into(),
        }
    }
}

impl From<ShareError> for ApiError {
    fn from(error: ShareError) -> ApiError {
        match error {
            ShareError::Invalid(_) => ApiError::BadRequest(error.to_string()),
            ShareError::Unknown
            | ShareError::Revoked
            | ShareError::Expired
            | ShareError::MakerLostAccess => ApiError::NotFound(error.to_string()),
            ShareError::WrongPassword | ShareError::WholeAgentNotGranted => {
                ApiError::Forbidden(error.to_string())
            }
            ShareError::Throttled => ApiError::TooManyRequests {
                message: error.to_string(),
                retry_after: throttle_seconds(),
            },
            ShareError::Busy(full) => full.into(),
            ShareError::Analytics(error) => error.into(),
            ShareError::Store(error) => error.into(),
        }
    }
}

impl From<EmbedError> for ApiError {
    fn from(error: EmbedError) -> ApiError {
        match error {
            EmbedError::Replayed => ApiError::Refused(error.to_string()),
            EmbedError::Disabled => ApiError::Forbidden(error.to_string()),
            EmbedError::NameTaken(_) => ApiError::Conflict(error.to_string()),
            EmbedError::Store(error) => error.into(),
        }
    }
}

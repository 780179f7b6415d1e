//! Sessions end after 12 idle hours and 7 days after sign-in, on both backends.

use pulse_db::accounts::{Role, hash_session_token, new_session_token};
use pulse_db::testing::{TestBackend, TestDb};
use pulse_db::time::Millis;
use rstest::rstest;

const HOUR: i64 = 60 * 60 * 1000;

#[rstest]
#[case::sqlite(TestBackend::Sqlite)]
#[case::postgres(TestBackend::Postgres)]
#[tokio::test]
async fn sessions_expire_when_idle_and_in_any_case_after_a_week(#[case] backend: TestBackend) {
    let db = TestDb::new(backend).await;
    let store = &db.store;
    let account = store
        .create_account("ann", "not used here", Role::Admin, &[], Millis(0))
        .await
        .unwrap();
    let start = 1_000 * HOUR;

    let (token, hash) = new_session_token();
    assert_eq!(hash, hash_session_token(&token));
    store
        .create_session(&hash, account, Millis(start))
        .await
        .unwrap();
    assert!(
        store
            .session_account(&hash, Millis(start + 11 * HOUR))
            .await
            .unwrap()
            .is_some(),
        "{backend:?}"
    );
    // Each use moves the idle clock: 11 + 11 hours is fine, 13 more idle hours are not.
    assert!(
        store
            .session_account(&hash, Millis(start + 22 * HOUR))
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .session_account(&hash, Millis(start + 35 * HOUR))
            .await
            .unwrap()
            .is_none()
    );
    // Gone for good once expired.
    assert!(
        store
            .session_account(&hash, Millis(start + 36 * HOUR))
            .await
            .unwrap()
            .is_none()
    );

    // Used every 11 hours, a session still ends 7 days after sign-in.
    let (_, hash) = new_session_token();
    store
        .create_session(&hash, account, Millis(start))
        .await
        .unwrap();
    let mut at = start;
    while at + 11 * HOUR <= start + 7 * 24 * HOUR {
        at += 11 * HOUR;
        assert!(
            store
                .session_account(&hash, Millis(at))
                .await
                .unwrap()
                .is_some(),
            "{backend:?} at {}",
            (at - start) / HOUR
        );
    }
    assert!(
        store
            .session_account(&hash, Millis(start + 7 * 24 * HOUR + HOUR))
            .await
            .unwrap()
            .is_none()
    );
    db.cleanup().await;
}

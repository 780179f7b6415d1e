//! The server functions of the dashboard, one per file. Each one checks who
//! is calling and computes nothing of its own: figures come from
//! `pulse_db::analytics`.

mod compare_agents;
mod create_account;
mod create_key;
mod create_share_link;
mod current_account;
mod delete_annotation;
mod delete_section;
mod get_agent;
mod kept_event_days;
mod learner_activity;
mod learner_details;
mod list_accounts;
mod list_agents;
mod list_annotations;
mod list_contact_marks;
mod list_keys;
mod list_sections;
mod list_share_links;
mod login;
mod mark_contacted;
mod online_now;
mod open_share_link;
mod revoke_key;
mod revoke_share_link;
mod save_agent;
mod save_annotation;
mod save_section;
mod section_member_ids;
mod section_trends;
mod send_reminder;
mod set_section_members;
mod update_account;
mod users_dashboard;
mod users_retention;

pub use compare_agents::{CompareAgents, compare_agents};
pub use create_account::{CreateAccount, create_account};
pub use create_key::{CreateKey, create_key};
pub use create_share_link::{CreateShareLink, create_share_link};
pub use current_account::{CurrentAccount, current_account};
pub use delete_annotation::{DeleteAnnotation, delete_annotation};
pub use delete_section::{DeleteSection, delete_section};
pub use get_agent::{GetAgent, get_agent};
pub use kept_event_days::{KeptEventDays, kept_event_days};
pub use learner_activity::{LearnerActivity, learner_activity};
pub use learner_details::{LearnerDetails, learner_details};
pub use list_accounts::{ListAccounts, list_accounts};
pub use list_agents::{ListAgents, list_agents};
pub use list_annotations::{ListAnnotations, list_annotations};
pub use list_contact_marks::{ListContactMarks, list_contact_marks};
pub use list_keys::{ListKeys, list_keys};
pub use list_sections::{ListSections, list_sections};
pub use list_share_links::{ListShareLinks, list_share_links};
pub use login::{Login, Logout, SignInMethods, login, logout, sign_in_methods};
pub use mark_contacted::{MarkContacted, mark_contacted};
pub use online_now::{OnlineNow, online_now};
pub use open_share_link::{OpenShareLink, open_share_link};
pub use revoke_key::{RevokeKey, revoke_key};
pub use revoke_share_link::{RevokeShareLink, revoke_share_link};
pub use save_agent::{SaveAgent, save_agent};
pub use save_annotation::{SaveAnnotation, save_annotation};
pub use save_section::{SaveSection, save_section};
pub use section_member_ids::{SectionMemberIds, section_member_ids};
pub use section_trends::{SectionTrends, section_trends};
pub use send_reminder::{SendReminder, send_reminder};
pub use set_section_members::{SetSectionMembers, set_section_members};
pub use update_account::{UpdateAccount, update_account};
pub use users_dashboard::{UsersDashboard, users_dashboard};
pub use users_retention::{UsersRetention, users_retention};

/// `register_server_fns` (in `server.rs`) must name every server function:
/// the `pulse` binary serves only those it names, while the wasm app calls
/// every one it was compiled with. Checked against the source, since in a
/// test binary the registrations are linked whatever the list says.
#[cfg(test)]
mod tests {
    use std::collections::BTreeSet;

    const SOURCE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

    /// The type `#[server]` makes for `fn list_agents`: `ListAgents`.
    fn type_name(function: &str) -> String {
        function
            .split('_')
            .map(|word| {
                let mut chars = word.chars();
                chars.next().map_or_else(String::new, |first| {
                    first.to_uppercase().chain(chars).collect()
                })
            })
            .collect()
    }

    fn declared() -> BTreeSet<String> {
        let mut names = BTreeSet::new();
        for entry in std::fs::read_dir(format!("{SOURCE}/api")).unwrap() {
            let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
            let mut lines = text.lines();
            while let Some(line) = lines.next() {
                if !line.trim_start().starts_with("#[server") {
                    continue;
                }
                let signature = lines.find(|line| line.contains("fn ")).unwrap();
                let name = signature.split("fn ").nth(1).unwrap();
                let name = name.split(['(', '<']).next().unwrap();
                names.insert(type_name(name.trim()));
            }
        }
        names
    }

    fn registered() -> BTreeSet<String> {
        let text = std::fs::read_to_string(format!("{SOURCE}/server.rs")).unwrap();
        text.split("register_explicit::<")
            .skip(1)
            .map(|rest| rest.split('>').next().unwrap().to_owned())
            .collect()
    }

    #[test]
    fn every_server_function_is_registered_and_nothing_else() {
        let declared = declared();
        assert!(declared.len() >= 14, "{declared:?}");
        assert_eq!(declared, registered());
    }
}

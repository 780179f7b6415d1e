//! What the provider's claim grants (`PULSE_OIDC_GRANTS`): each value of
//! the roles claim a person has may make them a superadministrator, or an
//! administrator of some agents, whole or some of their sections.
//!
//! The setting is a list of rules separated by `;` or new lines:
//! `VALUE=superadmin`, or `VALUE=admin:AGENT,AGENT/SECTION,...`. A person
//! whose values match several rules gets all they grant: superadministrator
//! if any rule says so; otherwise every agent named, whole when any rule
//! names it whole, else the sections the rules name.

use std::collections::BTreeMap;

use pulse_model::Role;

/// The rules, checked once at start.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GrantRules {
    rules: Vec<(String, Rule)>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Rule {
    Superadmin,
    /// Agents, each whole (`None`) or limited to one section.
    Admin(Vec<(String, Option<String>)>),
}

/// What a person's claim values grant, merged over every rule they match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Granted {
    pub role: Role,
    /// The agents of an administrator, sorted.
    pub agents: Vec<String>,
    /// (agent, section) limits of agents not granted whole, sorted.
    pub section_limits: Vec<(String, String)>,
}

impl GrantRules {
    /// Reads the setting; the error names the rule that is wrong and why.
    pub fn parse(text: &str) -> Result<GrantRules, String> {
        let mut rules = Vec::new();
        for rule in text
            .split([';', '\n'])
            .map(str::trim)
            .filter(|rule| !rule.is_empty())
        {
            let (value, grant) = rule.rsplit_once('=').ok_or_else(|| {
                format!(
                    "PULSE_OIDC_GRANTS: {rule:?} is not VALUE=superadmin or VALUE=admin:AGENT,..."
                )
            })?;
            let value = value.trim();
            if value.is_empty() {
                return Err(format!("PULSE_OIDC_GRANTS: {rule:?} names no claim value"));
            }
            let grant = grant.trim();
            let parsed = if grant.eq_ignore_ascii_case("superadmin") {
                Rule::Superadmin
            } else if let Some(agents) = grant.strip_prefix("admin:") {
                Rule::Admin(parse_agents(rule, agents)?)
            } else {
                return Err(format!(
                    "PULSE_OIDC_GRANTS: {rule:?} grants {grant:?}; write superadmin or admin:AGENT,AGENT/SECTION"
                ));
            };
            rules.push((value.to_owned(), parsed));
        }
        Ok(GrantRules { rules })
    }

    /// Whether any rule is set (without one, nobody can sign in).
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// What a person with these claim values is granted.
    pub fn grant(&self, values: &[String]) -> Granted {
        let matched = || {
            self.rules
                .iter()
                .filter(|(value, _)| values.iter().any(|held| held == value))
                .map(|(_, rule)| rule)
        };
        if matched().any(|rule| *rule == Rule::Superadmin) {
            return Granted {
                role: Role::Superadmin,
                agents: Vec::new(),
                section_limits: Vec::new(),
            };
        }
        // Per agent: None once any rule grants it whole, else its sections.
        let mut agents: BTreeMap<&str, Option<Vec<&str>>> = BTreeMap::new();
        for rule in matched() {
            let Rule::Admin(grants) = rule else { continue };
            for (agent, section) in grants {
                let entry = agents.entry(agent).or_insert_with(|| Some(Vec::new()));
                match (entry.as_mut(), section) {
                    (Some(sections), Some(section)) => sections.push(section),
                    (_, None) => *entry = None,
                    (None, Some(_)) => {}
                }
            }
        }
        let mut section_limits: Vec<(String, String)> = agents
            .iter()
            .filter_map(|(agent, sections)| sections.as_ref().map(|sections| (agent, sections)))
            .flat_map(|(agent, sections)| {
                sections
                    .iter()
                    .map(|section| ((*agent).to_owned(), (*section).to_owned()))
            })
            .collect();
        section_limits.sort();
        section_limits.dedup();
        Granted {
            role: Role::Admin,
            agents: agents.keys().map(|agent| (*agent).to_owned()).collect(),
            section_limits,
        }
    }
}

fn parse_agents(rule: &str, agents: &str) -> Result<Vec<(String, Option<String>)>, String> {
    let mut parsed = Vec::new();
    for item in agents
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty())
    {
        let (agent, section) = match item.split_once('/') {
            Some((agent, section)) => (agent, Some(section)),
            None => (item, None),
        };
        pulse_model::check_public_id("The agent id", agent)
            .map_err(|why| format!("PULSE_OIDC_GRANTS: in {rule:?}: {why}"))?;
        if let Some(section) = section {
            pulse_model::check_public_id("The section id", section)
                .map_err(|why| format!("PULSE_OIDC_GRANTS: in {rule:?}: {why}"))?;
        }
        parsed.push((agent.to_owned(), section.map(str::to_owned)));
    }
    if parsed.is_empty() {
        return Err(format!(
            "PULSE_OIDC_GRANTS: {rule:?} names no agent after admin:"
        ));
    }
    Ok(parsed)
}

/// The values of the roles claim at `path` (`groups`, or a dotted path
/// such as `realm_access.roles`) in the ID token's claims: a string is one
/// value, an array its strings; anything else none.
pub fn claim_values(claims: &serde_json::Value, path: &str) -> Vec<String> {
    match claim_at(claims, path) {
        None => Vec::new(),
        Some(node) => strings(node),
    }
}

/// The claim at `path`, when the claims have it.
pub fn claim_at<'a>(claims: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(claims, |node, key| node.get(key))
}

fn strings(node: &serde_json::Value) -> Vec<String> {
    match node {
        serde_json::Value::String(value) => vec![value.clone()],
        serde_json::Value::Array(values) => values
            .iter()
            .filter_map(|value| value.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(values: &[&str]) -> Vec<String> {
        values.iter().map(|value| (*value).to_owned()).collect()
    }

    #[test]
    fn rules_merge_whole_agents_over_sections_and_superadmin_over_all() {
        let rules = GrantRules::parse(
            "algebra-teachers=admin:algebra, geometry/period-1 ;\n\
             geometry-heads=admin:geometry\n\
             tutors-p2=admin:algebra/period-2;owners=superadmin",
        )
        .unwrap();
        let teacher = rules.grant(&values(&["algebra-teachers", "unrelated"]));
        assert_eq!(teacher.role, Role::Admin);
        assert_eq!(teacher.agents, values(&["algebra", "geometry"]));
        assert_eq!(
            teacher.section_limits,
            vec![("geometry".to_owned(), "period-1".to_owned())]
        );
        // Algebra whole from one rule wins over a section from another;
        // geometry whole from its own rule.
        let both = rules.grant(&values(&[
            "tutors-p2",
            "algebra-teachers",
            "geometry-heads",
        ]));
        assert_eq!(both.agents, values(&["algebra", "geometry"]));
        assert!(both.section_limits.is_empty(), "{both:?}");
        let tutor = rules.grant(&values(&["tutors-p2"]));
        assert_eq!(
            tutor.section_limits,
            vec![("algebra".to_owned(), "period-2".to_owned())]
        );
        let owner = rules.grant(&values(&["tutors-p2", "owners"]));
        assert_eq!((owner.role, owner.agents.len()), (Role::Superadmin, 0));
        let nobody = rules.grant(&values(&["Owners", "algebra"]));
        assert_eq!((nobody.role, nobody.agents.len()), (Role::Admin, 0));
    }

    #[test]
    fn a_wrong_rule_is_named() {
        for (text, says) in [
            ("teachers", "is not VALUE=superadmin"),
            ("=superadmin", "names no claim value"),
            ("teachers=owner", "write superadmin or admin"),
            ("teachers=admin:", "names no agent"),
            ("teachers=admin:has space", "The agent id"),
            ("teachers=admin:algebra/", "The section id"),
        ] {
            let error = GrantRules::parse(text).unwrap_err();
            assert!(
                error.contains(says) && error.contains("PULSE_OIDC_GRANTS"),
                "{text}: {error}"
            );
        }
    }

    #[test]
    fn claim_values_are_strings_at_a_path() {
        let claims = serde_json::json!({
            "groups": ["a", 1, "b"],
            "role": "teacher",
            "realm_access": {"roles": ["x"]},
            "odd": {"no": true}
        });
        assert_eq!(claim_values(&claims, "groups"), values(&["a", "b"]));
        assert_eq!(claim_values(&claims, "role"), values(&["teacher"]));
        assert_eq!(claim_values(&claims, "realm_access.roles"), values(&["x"]));
        assert!(claim_values(&claims, "odd.no").is_empty());
        assert!(claim_values(&claims, "missing.path").is_empty());
    }
}

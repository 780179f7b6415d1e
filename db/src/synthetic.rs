//! Deterministic synthetic learners for the demo, the benchmarks and the
//! load tests: agents run by schools in several time zones, classes with a
//! weekly rhythm, heavy users, learners who went quiet or never came, and a
//! few people online right now. The same seed gives the same data.

use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};
use chrono_tz::Tz;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::ingest::{EventKind, ValidEvent};
use crate::time::{local_date, resolve_local};

/// How much data to make.
#[derive(Debug, Clone, Copy)]
pub struct Scale {
    /// How many agents; the first ten are named after school subjects, later
    /// ones add a number.
    pub agents: usize,
    /// How many learners, across all agents.
    pub users: usize,
    /// How many days of history, ending at `now`.
    pub days: i64,
    /// Seed of the random generator: the same seed gives the same data.
    pub seed: u64,
    /// Multiplies how often learners open a session.
    pub intensity: f64,
}

impl Scale {
    /// A living dashboard: a few agents, about two thousand learners, two months.
    pub fn demo() -> Scale {
        Scale {
            agents: 5,
            users: 2_000,
            days: 60,
            seed: 7,
            intensity: 1.0,
        }
    }

    /// The benchmark data set: 20 agents, 20,000 users, a year, about 5 million events.
    pub fn benchmark() -> Scale {
        Scale {
            agents: 20,
            users: 20_000,
            days: 365,
            seed: 42,
            intensity: 0.16,
        }
    }

    /// A tenth of the benchmark: 2,000 users, about half a million events.
    pub fn small() -> Scale {
        Scale {
            users: 2_000,
            ..Scale::benchmark()
        }
    }

    /// Ten times the benchmark, give or take: 220,000 users, about 55
    /// million events, and 16 agents so that the largest has over 50,000
    /// registered learners (18 agents and 200,000 users gave it 44,025).
    pub fn large() -> Scale {
        Scale {
            agents: 16,
            users: 220_000,
            ..Scale::benchmark()
        }
    }
}

/// How a synthetic learner uses their agents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Persona {
    /// Uses the agent most days, many messages.
    Heavy,
    /// Comes to class and sometimes does homework with the agent.
    Regular,
    /// Now and then.
    Occasional,
    /// Was regular, then stopped on `quiet_from` (days after the start).
    Fading {
        /// Local days after the start of the history from which they send
        /// nothing.
        quiet_from: i64,
    },
    /// Registered, never came.
    Never,
}

/// A synthetic agent: its ids, its school's zone and its weekly classes.
#[derive(Debug, Clone)]
pub struct AgentPlan {
    /// Public agent id, such as `algebra-tutor`.
    pub id: String,
    /// Display name, such as `Algebra Tutor`.
    pub name: String,
    /// The zone of its school: classes and homework follow its local time.
    pub tz: Tz,
    /// Weekly class slots, local time.
    pub classes: Vec<(Weekday, u32)>,
    /// The agent's share of learners (the first agents are the largest).
    pub weight: f64,
}

/// A synthetic learner: identity, habits, agents and registration.
#[derive(Debug, Clone)]
pub struct UserPlan {
    /// Public user id, `learner-NNNNN` by index.
    pub id: String,
    /// Login name, such as `zoe.garcia7`.
    pub username: String,
    /// Display name, first and last.
    pub name: String,
    /// How often the learner comes, and whether they stop.
    pub persona: Persona,
    /// Indexes into `World::agents`.
    pub agents: Vec<usize>,
    /// Start of the learner's registration for each of their agents; often
    /// before `World::start`.
    pub registered_at: DateTime<Utc>,
    /// Has a session open right now.
    pub live: bool,
}

/// A planned synthetic data set: agents and learners over `[start, now]`.
/// Events are drawn per learner on demand ([`World::events_of`]), so a large
/// world never sits in memory.
#[derive(Debug, Clone)]
pub struct World {
    /// How much data, and the seed.
    pub scale: Scale,
    /// Start of the history, `now` minus `scale.days` days; each agent's events
    /// begin on its local day.
    pub start: DateTime<Utc>,
    /// Last instant of the history: no event is at or after it.
    pub now: DateTime<Utc>,
    /// The agents; learners refer to them by index.
    pub agents: Vec<AgentPlan>,
    /// The learners; `events_of` takes an index into this.
    pub users: Vec<UserPlan>,
}

const SUBJECTS: [(&str, &str); 10] = [
    ("algebra-tutor", "Algebra Tutor"),
    ("essay-coach", "Essay Coach"),
    ("chem-lab", "Chemistry Lab Assistant"),
    ("spanish-conversation", "Spanish Conversation Partner"),
    ("physics-helper", "Physics Problem Helper"),
    ("history-guide", "History Study Guide"),
    ("code-mentor", "Programming Mentor"),
    ("biology-review", "Biology Review"),
    ("statistics-tutor", "Statistics Tutor"),
    ("writing-center", "Writing Center"),
];
const ZONES: [Tz; 6] = [
    chrono_tz::America::New_York,
    chrono_tz::Europe::Berlin,
    chrono_tz::Asia::Kolkata,
    chrono_tz::America::Los_Angeles,
    chrono_tz::Asia::Kathmandu,
    chrono_tz::Australia::Sydney,
];
const FIRST_NAMES: [&str; 24] = [
    "Zoë", "José", "Åsa", "Björn", "Chloé", "Amélie", "Nguyễn", "Aarav", "Priya", "Mateo", "Sofía",
    "Lukas", "Emma", "Noah", "Olivia", "Liam", "Hana", "Yusuf", "Fatima", "Kenji", "Ingrid",
    "Siobhán", "Dmitri", "Ana",
];
const LAST_NAMES: [&str; 20] = [
    "García",
    "Müller",
    "Øster",
    "Dubois",
    "Smith",
    "Patel",
    "Kowalski",
    "Rossi",
    "Tanaka",
    "Okafor",
    "Nováková",
    "Johansson",
    "Haddad",
    "O'Brien",
    "Kim",
    "Fernández",
    "Schäfer",
    "Nguyen",
    "Silva",
    "Łukasik",
];

impl World {
    /// Plans agents and users for data ending at `now`.
    pub fn plan(scale: Scale, now: DateTime<Utc>) -> World {
        let mut rng = StdRng::seed_from_u64(scale.seed);
        let start = now - Duration::days(scale.days);
        let agents = (0..scale.agents)
            .map(|index| plan_agent(index, &mut rng))
            .collect::<Vec<_>>();
        let total_weight: f64 = agents.iter().map(|agent| agent.weight).sum();
        let users = (0..scale.users)
            .map(|index| plan_user(index, &agents, total_weight, scale, start, &mut rng))
            .collect();
        World {
            scale,
            start,
            now,
            agents,
            users,
        }
    }

    /// Every event of one user, in time order per agent. Ids are stable.
    pub fn events_of(&self, user_index: usize) -> Vec<ValidEvent> {
        let user = &self.users[user_index];
        let mut rng = StdRng::seed_from_u64(
            self.scale.seed ^ (user_index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15),
        );
        let mut events = Vec::new();
        for &agent_index in &user.agents {
            let mut sessions = SessionWriter {
                user,
                agent: &self.agents[agent_index],
                events: &mut events,
                counter: 0,
            };
            self.plan_sessions(user, agent_index, &mut rng, &mut sessions);
            if user.live {
                let started = self.now - Duration::minutes(rng.random_range(2..25));
                sessions.open_session(
                    started,
                    self.now - Duration::seconds(rng.random_range(5..90)),
                    &mut rng,
                );
            }
        }
        events
    }

    fn plan_sessions(
        &self,
        user: &UserPlan,
        agent_index: usize,
        rng: &mut StdRng,
        sessions: &mut SessionWriter<'_>,
    ) {
        let agent = &self.agents[agent_index];
        let (class_chance, homework_chance) = match user.persona {
            Persona::Heavy => (0.9, 0.55),
            Persona::Regular | Persona::Fading { .. } => (0.7, 0.12),
            Persona::Occasional => (0.25, 0.03),
            Persona::Never => return,
        };
        let intensity = self.scale.intensity;
        let first_day = local_date(agent.tz, user.registered_at.max(self.start));
        let last_day = local_date(agent.tz, self.now);
        let mut day = first_day;
        while day <= last_day {
            let offset = (day - local_date(agent.tz, self.start)).num_days();
            if let Persona::Fading { quiet_from } = user.persona
                && offset >= quiet_from
            {
                break;
            }
            for &(weekday, hour) in &agent.classes {
                if day.weekday() == weekday && rng.random_bool((class_chance * intensity).min(1.0))
                {
                    let at = local_instant(agent.tz, day, hour, rng.random_range(0..40));
                    sessions.session(at, self.now, rng);
                }
            }
            let weekend = matches!(day.weekday(), Weekday::Sat | Weekday::Sun);
            let chance = homework_chance * intensity * if weekend { 0.4 } else { 1.0 };
            if rng.random_bool(chance.min(1.0)) {
                let hour = *[16, 18, 19, 20, 20, 21, 21, 22, 23]
                    .get(rng.random_range(0..9))
                    .unwrap_or(&20);
                let at = local_instant(agent.tz, day, hour, rng.random_range(0..60));
                sessions.session(at, self.now, rng);
            }
            day += Duration::days(1);
        }
    }
}

fn local_instant(tz: Tz, day: NaiveDate, hour: u32, minute: u32) -> DateTime<Utc> {
    let time = NaiveTime::from_hms_opt(hour, minute.min(59), 0).expect("a valid time");
    resolve_local(tz, day.and_time(time))
}

fn plan_agent(index: usize, rng: &mut StdRng) -> AgentPlan {
    let (id, name) = SUBJECTS[index % SUBJECTS.len()];
    let round = index / SUBJECTS.len();
    let (id, name) = if round == 0 {
        (id.to_owned(), name.to_owned())
    } else {
        (
            format!("{id}-{}", round + 1),
            format!("{name} {}", round + 1),
        )
    };
    let weekdays = [
        Weekday::Mon,
        Weekday::Tue,
        Weekday::Wed,
        Weekday::Thu,
        Weekday::Fri,
    ];
    let first = rng.random_range(0..3);
    let hour = rng.random_range(8..15);
    let classes = vec![
        (weekdays[first], hour),
        (weekdays[first + 2], hour),
        (weekdays[rng.random_range(0..5)], hour + 2),
    ];
    AgentPlan {
        id,
        name,
        tz: ZONES[index % ZONES.len()],
        classes,
        weight: 1.0 / (index as f64 + 1.0).powf(0.8),
    }
}

fn plan_user(
    index: usize,
    agents: &[AgentPlan],
    total_weight: f64,
    scale: Scale,
    start: DateTime<Utc>,
    rng: &mut StdRng,
) -> UserPlan {
    let first = FIRST_NAMES[rng.random_range(0..FIRST_NAMES.len())];
    let last = LAST_NAMES[rng.random_range(0..LAST_NAMES.len())];
    let persona = match rng.random_range(0..100) {
        0..8 => Persona::Heavy,
        8..50 => Persona::Regular,
        50..75 => Persona::Occasional,
        75..90 => Persona::Fading {
            quiet_from: rng.random_range(0..scale.days.max(1)),
        },
        _ => Persona::Never,
    };
    let mut memberships = vec![pick_weighted(agents, total_weight, rng)];
    if rng.random_bool(0.2) {
        let second = pick_weighted(agents, total_weight, rng);
        if !memberships.contains(&second) {
            memberships.push(second);
        }
    }
    // Most learners were enrolled before the window, some joined during it.
    let joined = if rng.random_bool(0.7) {
        0
    } else {
        rng.random_range(0..scale.days.max(1))
    };
    let registered_at = start + Duration::days(joined) - Duration::days(rng.random_range(1..30));
    let live = !matches!(persona, Persona::Never | Persona::Fading { .. }) && rng.random_bool(0.03);
    UserPlan {
        id: format!("learner-{index:05}"),
        username: format!(
            "{}.{}{}",
            lower_letters(first),
            lower_letters(last),
            index % 100
        ),
        name: format!("{first} {last}"),
        persona,
        agents: memberships,
        registered_at,
        live,
    }
}

fn pick_weighted(agents: &[AgentPlan], total_weight: f64, rng: &mut StdRng) -> usize {
    let mut target = rng.random_range(0.0..total_weight);
    for (index, agent) in agents.iter().enumerate() {
        if target < agent.weight {
            return index;
        }
        target -= agent.weight;
    }
    agents.len() - 1
}

fn lower_letters(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphabetic())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Writes one user's sessions on one agent as events.
struct SessionWriter<'a> {
    user: &'a UserPlan,
    agent: &'a AgentPlan,
    events: &'a mut Vec<ValidEvent>,
    counter: u32,
}

impl SessionWriter<'_> {
    fn push(&mut self, kind: EventKind, at: DateTime<Utc>, session: &str) {
        self.counter += 1;
        let first = self.counter == 1;
        self.events.push(ValidEvent {
            id: format!("syn-{}-{}-{}", self.user.id, self.agent.id, self.counter),
            kind,
            agent_id: self.agent.id.clone(),
            user_id: self.user.id.clone(),
            at: at.timestamp_millis(),
            session_id: Some(session.to_owned()),
            username: first.then(|| self.user.username.clone()),
            name: first.then(|| self.user.name.clone()),
        });
    }

    /// A closed session starting at `start` (nothing at or after `now`).
    fn session(&mut self, start: DateTime<Utc>, now: DateTime<Utc>, rng: &mut StdRng) {
        let length = Duration::minutes(rng.random_range(4..55));
        if start + length >= now {
            return;
        }
        let session = format!("s{}", self.counter);
        self.push(EventKind::SessionStart, start, &session);
        let messages = match self.user.persona {
            Persona::Heavy => rng.random_range(5..25),
            Persona::Occasional => rng.random_range(1..4),
            _ => rng.random_range(2..10),
        };
        let mut offsets: Vec<i64> = (0..messages)
            .map(|_| rng.random_range(0..length.num_seconds()))
            .collect();
        offsets.sort_unstable();
        for offset in offsets {
            self.push(
                EventKind::Message,
                start + Duration::seconds(offset),
                &session,
            );
        }
        let mut beat = start + Duration::minutes(5);
        while beat < start + length {
            self.push(EventKind::Heartbeat, beat, &session);
            beat += Duration::minutes(5);
        }
        // Some sessions are never closed: the tab was just left.
        if rng.random_bool(0.85) {
            self.push(EventKind::SessionEnd, start + length, &session);
        }
    }

    /// A session still open at `last`: it counts as online.
    fn open_session(&mut self, start: DateTime<Utc>, last: DateTime<Utc>, rng: &mut StdRng) {
        let session = format!("live{}", self.counter);
        self.push(EventKind::SessionStart, start, &session);
        for _ in 0..rng.random_range(1..6) {
            let at = start + (last - start) * rng.random_range(1..100) / 100;
            self.push(EventKind::Message, at, &session);
        }
        self.push(EventKind::Heartbeat, last, &session);
    }
}

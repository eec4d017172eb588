//! Who did something: every event records its actor.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The author of a change of state.
///
/// Stored in the event log as `user:<id>`, `system:<name>` or `cli:<os user>`, so that
/// the log reads without joins and survives the deletion of an account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Actor {
    /// A signed-in user of the platform.
    User {
        /// The account id.
        id: String,
        /// The user name at the time of the action.
        username: String,
    },
    /// An operator at the server's command line (`fengqiao ...`).
    Cli {
        /// The operating-system account that ran the command.
        os_user: String,
    },
    /// The platform itself: demo seeding, migrations, scheduled jobs.
    System {
        /// Which part of the platform.
        component: String,
    },
}

impl Actor {
    /// The operator running this process from a shell.
    pub fn cli() -> Self {
        let os_user = std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".to_owned());
        Self::Cli { os_user }
    }

    /// A named component of the platform.
    pub fn system(component: &str) -> Self {
        Self::System {
            component: component.to_owned(),
        }
    }
}

impl fmt::Display for Actor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::User { id, username } => write!(f, "user:{id}:{username}"),
            Self::Cli { os_user } => write!(f, "cli:{os_user}"),
            Self::System { component } => write!(f, "system:{component}"),
        }
    }
}

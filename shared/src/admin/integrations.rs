//! What the integration routes share beyond the admin state: the providers this deployment
//! offers, their OAuth apps, the token cipher and the OAuth state store. Each function builds
//! only what it uses, and so reads only the secrets it needs: the list reads none, connect the
//! apps, disconnect also the token key.

use super::AdminState;
use crate::config::Env;
use crate::platform::Platform;
use crate::pm::crypto::TokenCipher;
use crate::pm::oauth::StateStore;
use crate::pm::{PmProviders, Provider};

pub struct PmAdmin {
    /// The providers this deployment offers (the list's `available`).
    pub offered: Vec<Provider>,
    /// The providers' OAuth apps: connect and disconnect (empty for the list).
    pub providers: PmProviders,
    /// Opens the stored tokens: disconnect only.
    pub cipher: Option<TokenCipher>,
    pub states: StateStore,
}

/// What a function needs of the PM configuration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PmNeeds {
    /// Which providers are offered (from the client ids; no secret).
    Offered,
    /// The OAuth apps.
    Apps,
    /// The OAuth apps and the stored tokens.
    AppsAndTokens,
}

impl PmAdmin {
    pub fn from_platform(platform: &Platform, needs: PmNeeds) -> anyhow::Result<Self> {
        let env = Env::process();
        Ok(Self {
            offered: PmProviders::offered(&env),
            providers: match needs {
                PmNeeds::Offered => PmProviders::default(),
                PmNeeds::Apps | PmNeeds::AppsAndTokens => {
                    // Connecting builds the OAuth redirect, through the dashboard's origin.
                    let dashboard_url = match needs {
                        PmNeeds::Apps => Some(platform.require_dashboard_url()?),
                        _ => platform.dashboard_url.clone(),
                    };
                    PmProviders::from_env(&env, &platform.secrets, dashboard_url.as_deref())?
                }
            },
            cipher: match needs {
                PmNeeds::AppsAndTokens => Some(TokenCipher::from_secrets(&platform.secrets)?),
                _ => None,
            },
            states: StateStore::new(
                platform.aws.dynamodb.clone(),
                &platform.settings.tables.oauth_state,
            ),
        })
    }
}

/// The state of an integration route: the admin state and what it needs of the PM configuration.
pub struct PmRouteState {
    pub admin: AdminState,
    pub pm: PmAdmin,
}

impl PmRouteState {
    pub fn from_platform(platform: &Platform, needs: PmNeeds) -> anyhow::Result<Self> {
        Ok(Self {
            admin: AdminState::from_platform(platform)?,
            pm: PmAdmin::from_platform(platform, needs)?,
        })
    }
}

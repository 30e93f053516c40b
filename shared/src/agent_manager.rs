//! Creates or updates a business's ElevenLabs agent so that it calls our initiation webhook (with
//! the secret header), lets that webhook override everything it sends, has a placeholder for every
//! dynamic variable, posts its transcripts to our post-call webhook, can transfer to the business's
//! team, and answers the business's Twilio numbers. Re-running converges; it never duplicates.
//! Reference: ../shared/reference/elevenlabs.md §1-4.

use anyhow::Context;
use chrono::{DateTime, Utc};
use secrecy::{ExposeSecret, SecretString};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

use crate::call_tools::definitions::ToolEndpoint;
use crate::config::Env;
use crate::db::Database;
use crate::domain::BusinessId;
use crate::elevenlabs::agent_body::{
    AgentInputs, AgentWiring, WebhookTool, agent_definition, agent_name,
};
use crate::elevenlabs::agents::{
    DEFAULT_VOICE_ID, PhoneNumberRecord, TwilioImport, vendor_message,
};
use crate::elevenlabs::api::ElevenLabsApi;
use crate::elevenlabs::initiation::secret_header_name;
use crate::http_client::{HttpClient, HttpError, HttpPolicy};
use crate::personalization::chosen_voice;
use crate::platform::Platform;
use crate::secrets::SecretName;
use crate::store;

/// The workspace secret holding the initiation webhook's header value.
pub const INITIATION_SECRET_NAME: &str = "studioconnect-initiation-secret";

#[derive(Debug, Clone)]
pub struct ManagerSettings {
    /// Where ElevenLabs reaches this deployment, e.g. `https://api.studioconnect.example`.
    /// Without it a sync is refused (the agent would call nowhere).
    pub public_base_url: Option<String>,
    pub secret_header: String,
    /// The workspace post-call webhook (HMAC; its secret is `elevenlabs_webhook_secret`). Without
    /// it a sync is refused: an agent that never reports its calls would lose every call record.
    pub post_call_webhook_id: Option<String>,
    /// Needed to import Twilio numbers; without it a business with numbers cannot be synced.
    pub twilio_account_sid: Option<String>,
    pub default_voice_id: String,
}

impl ManagerSettings {
    pub fn from_env<F: Fn(&str) -> Option<String>>(env: &Env<F>) -> anyhow::Result<Self> {
        let public_base_url = env.optional("PUBLIC_API_BASE_URL");
        if let Some(url) = &public_base_url {
            reqwest::Url::parse(url).context("PUBLIC_API_BASE_URL is not a URL")?;
        }
        Ok(Self {
            public_base_url: public_base_url.map(|u| u.trim_end_matches('/').to_owned()),
            secret_header: secret_header_name(env),
            post_call_webhook_id: env.optional("ELEVENLABS_POST_CALL_WEBHOOK_ID"),
            twilio_account_sid: env.optional("TWILIO_ACCOUNT_SID"),
            default_voice_id: env
                .optional("ELEVENLABS_DEFAULT_VOICE_ID")
                .unwrap_or_else(|| DEFAULT_VOICE_ID.into()),
        })
    }
}

pub struct AgentManager {
    pub db: Database,
    pub api: ElevenLabsApi,
    pub settings: ManagerSettings,
    /// The initiation webhook's (and tools') header value.
    pub tool_secret: SecretString,
    pub twilio_auth_token: SecretString,
    /// The webhook tools for an endpoint (their URL and secret are known only during a sync).
    pub tools: ToolCatalog,
}

/// Builds the webhook tools' definitions for where and how they are called.
pub type ToolCatalog = Box<dyn Fn(&ToolEndpoint<'_>) -> Vec<WebhookTool> + Send + Sync>;

#[derive(Debug, thiserror::Error)]
pub enum SyncError {
    #[error("no such business")]
    NoSuchBusiness,
    #[error("an agent sync for this business is already running")]
    Busy,
    #[error("{0}")]
    Config(String),
    #[error("{0}")]
    ElevenLabs(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error(transparent)]
    Other(#[from] anyhow::Error),
}

impl From<HttpError> for SyncError {
    fn from(e: HttpError) -> Self {
        SyncError::ElevenLabs(vendor_message(&e))
    }
}

impl From<crate::error::ApiError> for SyncError {
    fn from(e: crate::error::ApiError) -> Self {
        if e.status() == http::StatusCode::NOT_FOUND {
            SyncError::NoSuchBusiness
        } else {
            SyncError::Other(anyhow::Error::new(e))
        }
    }
}

impl From<crate::db::DbError> for SyncError {
    fn from(e: crate::db::DbError) -> Self {
        SyncError::Other(e.into())
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct SyncReport {
    pub agent_id: String,
    /// created or updated.
    pub agent: String,
    pub phone_numbers: Vec<PhoneSync>,
    pub tool_ids: Vec<String>,
    pub synced_at: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize, utoipa::ToSchema)]
pub struct PhoneSync {
    pub phone: String,
    /// ElevenLabs' id of the number; none for a number that was not connected.
    pub phone_number_id: Option<String>,
    /// `imported` (new to ElevenLabs), `found` (already there, now linked), `assigned`, or not
    /// connected: `unconfirmed` (no platform admin assigned it to the business) or
    /// `held_by_another_agent` (another agent in the workspace answers it); or `released`: no
    /// longer the business's, so its agent stopped answering it.
    pub action: String,
}

impl PhoneSync {
    fn new(phone: &str, phone_number_id: Option<&str>, action: &str) -> Self {
        Self {
            phone: phone.to_owned(),
            phone_number_id: phone_number_id.map(str::to_owned),
            action: action.to_owned(),
        }
    }
}

fn fingerprint(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

impl AgentManager {
    /// The secrets the agent manager reads (agent sync, the operator CLI).
    pub const SECRETS: &'static [SecretName] = &[
        SecretName::ElevenLabsApi,
        SecretName::ElevenLabsTool,
        SecretName::Twilio,
    ];

    pub fn from_platform<F: Fn(&str) -> Option<String>>(
        platform: &Platform,
        env: &Env<F>,
    ) -> anyhow::Result<Self> {
        let api = ElevenLabsApi::new(
            HttpClient::new("elevenlabs", HttpPolicy::default())?,
            &env.optional("ELEVENLABS_BASE_URL")
                .unwrap_or_else(|| crate::elevenlabs::api::DEFAULT_BASE_URL.into()),
            platform.secrets.elevenlabs_api_key()?,
        );
        Ok(Self {
            db: platform.db.clone(),
            api,
            settings: ManagerSettings::from_env(env)?,
            tool_secret: platform.secrets.elevenlabs_tool_secret()?,
            twilio_auth_token: platform.secrets.twilio_auth_token()?,
            tools: Box::new(crate::call_tools::definitions::webhook_tools),
        })
    }

    /// Brings the business's agent, tools and numbers in ElevenLabs to what our data says.
    pub async fn sync(&self, business_id: BusinessId) -> Result<SyncReport, SyncError> {
        let pool = self.db.pool().await?;
        // One sync per business at a time (a session lock, freed even if this process dies).
        let mut lock = pool.acquire().await?;
        let key = format!("agent-sync:{business_id}");
        if !store::agents::try_lock(&mut lock, &key).await? {
            return Err(SyncError::Busy);
        }
        let result = self.sync_locked(business_id).await;
        let _ = store::agents::unlock(&mut lock, &key).await;
        result
    }

    async fn sync_locked(&self, business_id: BusinessId) -> Result<SyncReport, SyncError> {
        let inputs = self.inputs(business_id).await?;
        if self.settings.public_base_url.is_none() {
            return Err(SyncError::Config(
                "PUBLIC_API_BASE_URL is not set, so the agent would not know where to call".into(),
            ));
        }
        if self.settings.post_call_webhook_id.is_none() {
            return Err(SyncError::Config(
                "ELEVENLABS_POST_CALL_WEBHOOK_ID is not set, so the agent could not report its calls".into(),
            ));
        }
        if inputs.phone_numbers.iter().any(|n| n.platform_assigned)
            && self.settings.twilio_account_sid.is_none()
        {
            return Err(SyncError::Config(
                "TWILIO_ACCOUNT_SID is not set, so the business's numbers cannot be imported"
                    .into(),
            ));
        }
        let secret_id = self.ensure_initiation_secret().await?;
        let tool_ids = self.ensure_tools(&secret_id).await?;
        let body = agent_definition(
            &inputs,
            &AgentWiring {
                public_base_url: self.settings.public_base_url.as_deref().unwrap_or_default(),
                secret_header: &self.settings.secret_header,
                secret_id: &secret_id,
                post_call_webhook_id: self
                    .settings
                    .post_call_webhook_id
                    .as_deref()
                    .unwrap_or_default(),
                default_voice_id: &self.settings.default_voice_id,
                tool_ids: &tool_ids,
            },
        );
        let (agent_id, action) = self.ensure_agent(&inputs, &body).await?;
        let synced_at =
            store::agents::record_agent(self.db.pool().await?, business_id, &agent_id).await?;
        let phone_numbers = self.ensure_numbers(&inputs, &agent_id).await?;
        tracing::info!(%business_id, agent_id, action, numbers = phone_numbers.len(), "agent synced");
        Ok(SyncReport {
            agent_id,
            agent: action.into(),
            phone_numbers,
            tool_ids,
            synced_at,
        })
    }

    /// The business as the admin API shows it: the same reads, so the agent is built from exactly
    /// what the owner sees.
    pub async fn inputs(&self, business_id: BusinessId) -> Result<AgentInputs, SyncError> {
        let pool = self.db.pool().await?;
        let business = store::business::load(pool, business_id).await?;
        let config = store::agent_config::load(pool, business_id).await?;
        let questions = store::questions::load(pool, business_id).await?.questions;
        let voice = config.voice();
        Ok(AgentInputs {
            business_id,
            business_name: business.name,
            voice_id: chosen_voice(
                config.voice_id.as_deref(),
                config.new_caller_voice_id.as_deref(),
            ),
            language: config.language,
            llm: config.llm,
            voice,
            agent_id: config.elevenlabs_agent_id,
            transfers: business
                .transfer_numbers
                .into_iter()
                .map(|t| (t.phone, t.condition))
                .collect(),
            questions: questions
                .into_iter()
                .map(|q| {
                    (
                        q.field_key,
                        q.question,
                        q.expected_format.as_str().to_owned(),
                    )
                })
                .collect(),
            phone_numbers: business.phone_numbers,
        })
    }

    async fn stored_resource(
        &self,
        kind: &str,
        name: &str,
    ) -> Result<Option<(String, String)>, SyncError> {
        Ok(store::agents::resource(self.db.pool().await?, kind, name).await?)
    }

    async fn store_resource(
        &self,
        kind: &str,
        name: &str,
        id: &str,
        fp: &str,
    ) -> Result<(), SyncError> {
        Ok(store::agents::store_resource(self.db.pool().await?, kind, name, id, fp).await?)
    }

    /// The workspace secret ElevenLabs sends as our header's value. Its id is kept; a rotated
    /// value (a new fingerprint) updates the same secret, so agents keep referencing it.
    async fn ensure_initiation_secret(&self) -> Result<String, SyncError> {
        let fp = fingerprint(self.tool_secret.expose_secret().as_bytes());
        let name = INITIATION_SECRET_NAME;
        let id = match self.stored_resource("secret", name).await? {
            Some((id, stored_fp)) if stored_fp == fp => return Ok(id),
            Some((id, _)) => {
                self.api.update_secret(&id, name, &self.tool_secret).await?;
                id
            }
            None => match self.api.find_secret_named(name).await? {
                Some(id) => {
                    // Found but not recorded (a lost response): its value is unknown, so set it.
                    self.api.update_secret(&id, name, &self.tool_secret).await?;
                    id
                }
                None => self.api.create_secret(name, &self.tool_secret).await?,
            },
        };
        self.store_resource("secret", name, &id, &fp).await?;
        Ok(id)
    }

    /// Registers each webhook tool once and patches it when its definition changes.
    async fn ensure_tools(&self, secret_id: &str) -> Result<Vec<String>, SyncError> {
        let tools = (self.tools)(&ToolEndpoint {
            base_url: self.settings.public_base_url.as_deref().unwrap_or_default(),
            secret_header: &self.settings.secret_header,
            secret_id,
        });
        let mut ids = Vec::with_capacity(tools.len());
        for tool in &tools {
            let fp = fingerprint(tool.tool_config.to_string().as_bytes());
            let id = match self.stored_resource("tool", &tool.name).await? {
                Some((id, stored_fp)) if stored_fp == fp => id,
                Some((id, _)) if self.api.update_tool(&id, &tool.tool_config).await? => id,
                // Never registered, or deleted in the dashboard since.
                _ => self.api.create_tool(&tool.tool_config).await?,
            };
            self.store_resource("tool", &tool.name, &id, &fp).await?;
            ids.push(id);
        }
        Ok(ids)
    }

    async fn ensure_agent(
        &self,
        inputs: &AgentInputs,
        body: &Value,
    ) -> Result<(String, &'static str), SyncError> {
        if let Some(id) = &inputs.agent_id
            && self.api.update_agent(id, body).await?
        {
            return Ok((id.clone(), "updated"));
        }
        if let Some(id) = self.api.find_agent_named(&agent_name(inputs)).await?
            && self.api.update_agent(&id, body).await?
        {
            return Ok((id, "updated"));
        }
        Ok((self.api.create_agent(body).await?, "created"))
    }

    /// Connects the business's numbers to its agent: only numbers a platform admin assigned, and
    /// never a workspace number that another agent answers (the workspace is shared by every
    /// business, so re-pointing it would take another business's calls).
    async fn ensure_numbers(
        &self,
        inputs: &AgentInputs,
        agent_id: &str,
    ) -> Result<Vec<PhoneSync>, SyncError> {
        let mut report = Vec::new();
        // Listed on every sync, also with no numbers: a number taken away from the business may
        // still be routed to its agent, and is released below.
        let listed = self.api.list_phone_numbers().await?;
        for number in &inputs.phone_numbers {
            let phone = &number.phone;
            if !number.platform_assigned {
                tracing::warn!(
                    phone,
                    "number not assigned by a platform admin: not connected"
                );
                report.push(PhoneSync::new(phone, None, "unconfirmed"));
                continue;
            }
            let known = number.elevenlabs_phone_number_id.as_deref();
            let record = listed
                .iter()
                .find(|r| Some(r.phone_number_id.as_str()) == known)
                .or_else(|| listed.iter().find(|r| &r.phone_number == phone));
            let (id, action) = match record {
                Some(r) => {
                    let answering = r.assigned_agent.as_ref().map(|a| a.agent_id.as_str());
                    if answering.is_some_and(|other| other != agent_id) {
                        tracing::warn!(
                            phone,
                            other_agent = answering,
                            "number answered by another agent: left alone"
                        );
                        report.push(PhoneSync::new(
                            phone,
                            Some(&r.phone_number_id),
                            "held_by_another_agent",
                        ));
                        continue;
                    }
                    if !self
                        .api
                        .assign_phone_number(&r.phone_number_id, agent_id)
                        .await?
                    {
                        return Err(SyncError::Other(anyhow::anyhow!(
                            "ElevenLabs lost number {phone} ({}) while it was being assigned; sync again",
                            r.phone_number_id
                        )));
                    }
                    let action = if known == Some(r.phone_number_id.as_str()) {
                        "assigned"
                    } else {
                        "found"
                    };
                    (r.phone_number_id.clone(), action)
                }
                None => {
                    let label = number
                        .label
                        .clone()
                        .unwrap_or_else(|| inputs.business_name.clone());
                    let sid = self
                        .settings
                        .twilio_account_sid
                        .as_deref()
                        .unwrap_or_default();
                    let id = self
                        .api
                        .import_twilio_number(&TwilioImport {
                            phone_number: phone,
                            label: &label,
                            account_sid: sid,
                            auth_token: &self.twilio_auth_token,
                            agent_id,
                        })
                        .await?;
                    (id, "imported")
                }
            };
            store::agents::record_phone_number(
                self.db.pool().await?,
                inputs.business_id,
                phone,
                &id,
            )
            .await?;
            report.push(PhoneSync::new(phone, Some(&id), action));
        }
        report.extend(self.release_numbers(inputs, agent_id, &listed).await?);
        Ok(report)
    }

    /// Releases every workspace number routed to this agent that the business no longer has
    /// (a platform admin took it away): until then its callers would still reach this business.
    /// A number the business still lists is left as it is, confirmed or not.
    async fn release_numbers(
        &self,
        inputs: &AgentInputs,
        agent_id: &str,
        listed: &[PhoneNumberRecord],
    ) -> Result<Vec<PhoneSync>, SyncError> {
        let mut released = Vec::new();
        for record in listed {
            let answered_here = record
                .assigned_agent
                .as_ref()
                .is_some_and(|a| a.agent_id == agent_id);
            let still_ours = inputs.phone_numbers.iter().any(|n| {
                n.phone == record.phone_number
                    || n.elevenlabs_phone_number_id.as_deref()
                        == Some(record.phone_number_id.as_str())
            });
            if !answered_here || still_ours {
                continue;
            }
            self.api
                .release_phone_number(&record.phone_number_id)
                .await?;
            tracing::info!(
                phone = record.phone_number,
                phone_number_id = record.phone_number_id,
                "number no longer the business's: released from its agent"
            );
            released.push(PhoneSync::new(
                &record.phone_number,
                Some(&record.phone_number_id),
                "released",
            ));
        }
        Ok(released)
    }
}

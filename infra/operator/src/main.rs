//! `studioconnect`: the operator's command line. It runs with the same environment as the
//! functions (database, secret, ElevenLabs settings) and prints JSON results.
//!
//!   studioconnect business create --name "Aurora Branding" --timezone America/Los_Angeles \
//!       --phone +14155552600 --owner-email owner@aurora.example      # password on stdin
//!   studioconnect business add-number <business-id> --phone +14155552601 --label "Sales line"
//!   studioconnect business remove-number <business-id> --phone +14155552601
//!   studioconnect user create --email admin@studioconnect.example --role platform_admin
//!   studioconnect user reset-password --email owner@aurora.example      # password on stdin
//!   studioconnect agent sync <business-id>
//!   studioconnect knowledge reembed        # after a change of EMBEDDING_MODEL
//!   studioconnect knowledge index-pending  # queue every document still `processing`

use std::io::BufRead;

use anyhow::Context;
use clap::{Parser, Subcommand};
use shared::admin::operator::{
    NewBusiness, add_number, create_business, create_user, remove_number, reset_password,
};
use shared::agent_manager::AgentManager;
use shared::config::Env;
use shared::domain::BusinessId;
use shared::domain::catalog::Role;
use shared::platform::Platform;

#[derive(Parser)]
#[command(name = "studioconnect", about = "StudioConnect AI operator commands")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Businesses.
    Business {
        #[command(subcommand)]
        command: BusinessCommand,
    },
    /// Users.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// The business's ElevenLabs agent.
    Agent {
        #[command(subcommand)]
        command: AgentCommand,
    },
    /// The knowledge base.
    Knowledge {
        #[command(subcommand)]
        command: KnowledgeCommand,
    },
}

#[derive(Subcommand)]
enum KnowledgeCommand {
    /// Queues every document whose passages another model embedded to be embedded again with
    /// EMBEDDING_MODEL (the ingestion worker swaps each document's passages when it is done;
    /// until then its keyword matches still answer).
    Reembed,
    /// Queues every document still `processing` for indexing: after a queue outage, or for
    /// documents written by SQL (the local run's demo tenant). A document already queued is
    /// indexed once; the second job finds it indexed.
    IndexPending,
    /// Builds and drops businesses' own HNSW and GIN indexes now, as the hourly job does, with
    /// a day instead of its 240 s (for a business too large to be indexed within them). Prints
    /// what it did.
    MaintainIndexes,
}

#[derive(Subcommand)]
enum BusinessCommand {
    /// Creates a business and its first owner. The owner's password is read from
    /// STUDIOCONNECT_PASSWORD or, if unset, from the first line of standard input.
    Create {
        #[arg(long)]
        name: String,
        /// IANA time zone, e.g. America/Los_Angeles.
        #[arg(long)]
        timezone: String,
        #[arg(long, default_value = "US")]
        region: String,
        /// A number that rings the business (repeatable).
        #[arg(long = "phone")]
        phones: Vec<String>,
        #[arg(long)]
        owner_email: String,
    },
    /// Assigns a number to a business (only a platform admin or this command may); the agent
    /// sync then connects it to the business's agent.
    AddNumber {
        business_id: BusinessId,
        #[arg(long)]
        phone: String,
        #[arg(long)]
        label: Option<String>,
    },
    /// Takes a number away from a business.
    RemoveNumber {
        business_id: BusinessId,
        #[arg(long)]
        phone: String,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Creates a user; the password as for `business create`.
    Create {
        #[arg(long)]
        email: String,
        /// platform_admin, business_owner or business_member.
        #[arg(long)]
        role: String,
        #[arg(long)]
        business: Option<BusinessId>,
    },
    /// Sets a user's password and ends every session of theirs; the password as for
    /// `business create`.
    ResetPassword {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum AgentCommand {
    /// Creates or updates the business's agent, tools and numbers in ElevenLabs.
    Sync { business_id: BusinessId },
}

fn password() -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("STUDIOCONNECT_PASSWORD") {
        return Ok(p);
    }
    let mut line = String::new();
    std::io::stdin()
        .lock()
        .read_line(&mut line)
        .context("reading the password from standard input")?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    shared::telemetry::init();
    let cli = Cli::parse();
    let platform = Platform::load(AgentManager::SECRETS).await?;
    let out = match cli.command {
        Command::Business {
            command:
                BusinessCommand::Create {
                    name,
                    timezone,
                    region,
                    phones,
                    owner_email,
                },
        } => serde_json::to_value(
            create_business(
                &platform.db,
                NewBusiness {
                    name,
                    timezone,
                    region,
                    phone_numbers: phones,
                    owner_email,
                    owner_password: password()?,
                },
            )
            .await?,
        )?,
        Command::Business {
            command:
                BusinessCommand::AddNumber {
                    business_id,
                    phone,
                    label,
                },
        } => {
            let phone = add_number(&platform.db, business_id, &phone, label.as_deref()).await?;
            serde_json::json!({"business_id": business_id, "assigned": phone})
        }
        Command::Business {
            command: BusinessCommand::RemoveNumber { business_id, phone },
        } => {
            let phone = remove_number(&platform.db, business_id, &phone).await?;
            // ElevenLabs keeps routing the number to the agent until a sync releases it.
            serde_json::json!({
                "business_id": business_id,
                "removed": phone,
                "next": format!("studioconnect agent sync {business_id} (releases the number from the business's agent in ElevenLabs)"),
            })
        }
        Command::User {
            command:
                UserCommand::Create {
                    email,
                    role,
                    business,
                },
        } => {
            let role: Role = role.parse().map_err(anyhow::Error::msg)?;
            let id = create_user(&platform.db, &email, &password()?, role, business).await?;
            serde_json::json!({"user_id": id})
        }
        Command::User {
            command: UserCommand::ResetPassword { email },
        } => {
            let id = reset_password(&platform.db, &email, &password()?).await?;
            serde_json::json!({"user_id": id, "sessions": "ended"})
        }
        Command::Agent {
            command: AgentCommand::Sync { business_id },
        } => {
            let manager = AgentManager::from_platform(&platform, &Env::process())?;
            serde_json::to_value(manager.sync(business_id).await?)?
        }
        Command::Knowledge {
            command: KnowledgeCommand::Reembed,
        } => {
            let model = Env::process()
                .optional("EMBEDDING_MODEL")
                .unwrap_or_else(|| shared::openai::EMBEDDING_MODEL.into());
            let queue: shared::jobs::JobQueue<shared::knowledge::KnowledgeJob> =
                shared::jobs::JobQueue::new(
                    platform.aws.sqs.clone(),
                    &platform.settings.queues.knowledge,
                );
            let pool = platform.db.pool().await?;
            let documents = shared::knowledge::store::needing_reembedding(pool, &model).await?;
            for (document_id, version) in &documents {
                queue
                    .send(&shared::knowledge::KnowledgeJob::Index {
                        document_id: *document_id,
                        version: *version,
                        reembed: true,
                    })
                    .await?;
            }
            serde_json::json!({"model": model, "queued": documents.len()})
        }
        Command::Knowledge {
            command: KnowledgeCommand::IndexPending,
        } => {
            let queue: shared::jobs::JobQueue<shared::knowledge::KnowledgeJob> =
                shared::jobs::JobQueue::new(
                    platform.aws.sqs.clone(),
                    &platform.settings.queues.knowledge,
                );
            let pool = platform.db.pool().await?;
            let documents = shared::knowledge::store::pending(pool).await?;
            for (document_id, version) in &documents {
                queue
                    .send(&shared::knowledge::KnowledgeJob::Index {
                        document_id: *document_id,
                        version: *version,
                        reembed: false,
                    })
                    .await?;
            }
            serde_json::json!({"queued": documents.len()})
        }
        Command::Knowledge {
            command: KnowledgeCommand::MaintainIndexes,
        } => {
            let pool = platform.db.pool().await?;
            let report = shared::knowledge::vector_index::sweep(
                pool,
                shared::domain::knowledge::vector_index::IndexPolicy::DEFAULT,
                std::time::Instant::now() + std::time::Duration::from_secs(24 * 3600),
            )
            .await?;
            // All of it: what was built and dropped, what failed, what is left or too large.
            serde_json::to_value(&report)?
        }
    };
    println!("{}", serde_json::to_string_pretty(&out)?);
    Ok(())
}

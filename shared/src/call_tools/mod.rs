//! The mid-call webhook tools' shared part: their names and paths (`Tool`), their ElevenLabs
//! definitions (`definitions`, registered by the agent manager) and their queries (`store`). The
//! route itself, `POST /api/voice/tools/{tool}`, is `functions/elevenlabs-tools`.

pub mod definitions;
pub mod store;

/// API Gateway's path template of the tools.
pub const TOOLS_PATH: &str = "/api/voice/tools/{tool}";

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Tool {
    QualificationNext,
    GetProjectStatus,
    EscalateToTeam,
    TakeMessage,
    CheckBusinessHours,
    VerifyCaller,
    SearchKnowledgeBase,
}

impl Tool {
    pub const ALL: &'static [Tool] = &[
        Tool::QualificationNext,
        Tool::GetProjectStatus,
        Tool::EscalateToTeam,
        Tool::TakeMessage,
        Tool::CheckBusinessHours,
        Tool::VerifyCaller,
        Tool::SearchKnowledgeBase,
    ];

    /// The tool's name, in ElevenLabs and in its URL.
    pub fn name(self) -> &'static str {
        match self {
            Tool::QualificationNext => "qualification_next",
            Tool::GetProjectStatus => "get_project_status",
            Tool::EscalateToTeam => "escalate_to_team",
            Tool::TakeMessage => "take_message",
            Tool::CheckBusinessHours => "check_business_hours",
            Tool::VerifyCaller => "verify_caller",
            Tool::SearchKnowledgeBase => "search_knowledge_base",
        }
    }

    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.iter().copied().find(|t| t.name() == name)
    }
}

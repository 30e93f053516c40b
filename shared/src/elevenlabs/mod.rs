//! ElevenLabs Agents: the wire contracts we serve and call. Nothing else parses their JSON.
//! Reference: ../shared/reference/elevenlabs.md (the vendor's contract wins over the seed's examples).

pub mod agent_body;
pub mod agents;
pub mod api;
pub mod initiation;
pub mod voices;
pub mod webhook;

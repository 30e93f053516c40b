//! Jira's webhook deliveries: what a delivery names (which webhooks matched, on which site, about
//! which issue) and its verification.

use secrecy::SecretString;
use serde::Deserialize;

/// What a delivery is needed for: which webhooks matched, on which site, about which issue.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Delivery {
    pub webhook_event: Option<String>,
    #[serde(default)]
    pub matched_webhook_ids: Vec<i64>,
    pub issue: Option<DeliveredIssue>,
}

#[derive(Debug, Deserialize)]
pub struct DeliveredIssue {
    pub id: String,
    #[serde(rename = "self")]
    pub self_url: Option<String>,
}

impl DeliveredIssue {
    /// Where the delivery says it comes from: a cloudid (`.../ex/jira/{cloudid}/...`) or a site
    /// origin (`https://x.atlassian.net`); deliveries have been seen with both.
    pub fn origin(&self) -> (Option<String>, Option<String>) {
        let Some(url) = self
            .self_url
            .as_deref()
            .and_then(|u| url::Url::parse(u).ok())
        else {
            return (None, None);
        };
        let cloud = url
            .path()
            .split("/ex/jira/")
            .nth(1)
            .and_then(|rest| rest.split('/').next())
            .map(str::to_owned);
        let site = url.host_str().map(|h| format!("{}://{h}", url.scheme()));
        (cloud, site)
    }
}

/// Verifies `Authorization: Bearer <JWT>`, signed with the app's client secret (see
/// `verify_delivery_jwt`; the claims beyond `exp` are undocumented).
pub fn verify_delivery(
    client_secret: &SecretString,
    authorization: Option<&str>,
) -> Result<(), String> {
    let token = authorization
        .and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        })
        .ok_or("missing bearer token")?;
    crate::pm::verify_delivery_jwt(client_secret, token).map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delivery_origins_are_read_from_either_self_form() {
        let site = DeliveredIssue {
            id: "1".into(),
            self_url: Some("https://aurora-studio.atlassian.net/rest/api/2/issue/1".into()),
        };
        assert_eq!(
            site.origin(),
            (None, Some("https://aurora-studio.atlassian.net".into()))
        );
        let api = DeliveredIssue {
            id: "1".into(),
            self_url: Some("https://api.atlassian.com/ex/jira/abc-123/rest/api/3/issue/1".into()),
        };
        assert_eq!(api.origin().0.as_deref(), Some("abc-123"));
    }
}

//! The one email a business gets per call.

use std::collections::BTreeMap;

use crate::domain::Priority;
use crate::domain::answers::Answer;
use crate::post_call::store::QuestionSpec;
use crate::sendgrid::Email;

pub struct CallNotice<'a> {
    pub to: &'a [String],
    pub business_name: &'a str,
    /// A known client's name, else the lead's contact name.
    pub caller_name: Option<&'a str>,
    pub caller_phone: Option<&'a str>,
    pub known_client: bool,
    pub summary: &'a str,
    pub duration_secs: Option<i64>,
    pub priority: Priority,
    pub urgency_reasons: &'a [String],
    /// (question, answer) in question order.
    pub answers: Vec<(&'a str, &'a Answer)>,
    /// Questions with no valid answer after the call, in order.
    pub unanswered: Vec<&'a str>,
    pub call_url: String,
    pub call_id: String,
}

/// Who called, as the team reads it in every notice: "Sam (+1415...)", a name, a number.
pub fn caller_label(name: Option<&str>, phone: Option<&str>) -> String {
    match (name, phone) {
        (Some(name), Some(phone)) => format!("{name} ({phone})"),
        (Some(name), None) => name.to_owned(),
        (None, Some(phone)) => phone.to_owned(),
        (None, None) => "an unknown caller".to_owned(),
    }
}

pub fn call_email(n: &CallNotice<'_>) -> Email {
    let who = caller_label(n.caller_name, n.caller_phone);
    let what = if n.known_client {
        "Call from client"
    } else {
        "New lead"
    };
    let urgent = matches!(n.priority, Priority::Urgent);
    let subject = format!(
        "{}{what}: {who} - {}",
        if urgent { "[URGENT] " } else { "" },
        n.business_name
    );
    let duration = n
        .duration_secs
        .map(|s| format!("{} min {} s", s / 60, s % 60))
        .unwrap_or_else(|| "unknown".into());

    let mut text = format!(
        "{what}: {who}\nDuration: {duration}\nPriority: {}\n",
        n.priority.as_str()
    );
    if !n.urgency_reasons.is_empty() {
        text.push_str(&format!("Why: {}\n", n.urgency_reasons.join("; ")));
    }
    text.push_str(&format!("\nSummary:\n{}\n", n.summary));
    if !n.answers.is_empty() {
        text.push_str("\nAnswers:\n");
        for (question, answer) in &n.answers {
            text.push_str(&format!("- {question}: {}\n", shown(answer)));
        }
    }
    if !n.unanswered.is_empty() {
        text.push_str("\nNot answered:\n");
        for question in &n.unanswered {
            text.push_str(&format!("- {question}\n"));
        }
    }
    text.push_str(&format!("\nCall {}: {}\n", n.call_id, n.call_url));

    let mut html = format!(
        "<h2>{}</h2><p><b>Duration:</b> {}<br><b>Priority:</b> {}</p>",
        escape(&format!("{what}: {who}")),
        escape(&duration),
        escape(n.priority.as_str())
    );
    if !n.urgency_reasons.is_empty() {
        html.push_str(&format!(
            "<p><b>Why:</b> {}</p>",
            escape(&n.urgency_reasons.join("; "))
        ));
    }
    html.push_str(&format!("<h3>Summary</h3><p>{}</p>", escape(n.summary)));
    if !n.answers.is_empty() {
        html.push_str("<h3>Answers</h3><ul>");
        for (question, answer) in &n.answers {
            html.push_str(&format!(
                "<li><b>{}</b>: {}</li>",
                escape(question),
                escape(&shown(answer))
            ));
        }
        html.push_str("</ul>");
    }
    if !n.unanswered.is_empty() {
        html.push_str("<h3>Not answered</h3><ul>");
        for question in &n.unanswered {
            html.push_str(&format!("<li>{}</li>", escape(question)));
        }
        html.push_str("</ul>");
    }
    html.push_str(&format!(
        "<p><a href=\"{}\">Open call {}</a></p>",
        escape(&n.call_url),
        escape(&n.call_id)
    ));
    Email {
        to: n.to.to_vec(),
        subject,
        text,
        html,
    }
}

fn shown(answer: &Answer) -> String {
    match (&answer.value, &answer.problem) {
        (Some(v), _) => v.clone(),
        (None, Some(problem)) => format!("{} (unverified: {problem})", answer.raw),
        (None, None) => answer.raw.clone(),
    }
}

/// Caller speech and vendor text go into HTML: escape the five significant characters.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Orders a lead's answers by the business's questions; answers to since-removed questions last.
pub fn ordered_answers<'a>(
    questions: &'a [QuestionSpec],
    answers: &'a BTreeMap<String, Answer>,
) -> Vec<(&'a str, &'a Answer)> {
    let mut out: Vec<(&str, &Answer)> = questions
        .iter()
        .filter_map(|q| answers.get(&q.field_key).map(|a| (q.question.as_str(), a)))
        .collect();
    for (key, answer) in answers {
        if !questions.iter().any(|q| &q.field_key == key) {
            out.push((key.as_str(), answer));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urgent_subject_escaped_html_and_flagged_answers() {
        let bad = Answer {
            raw: "dana at example".into(),
            value: None,
            range: None,
            valid: false,
            problem: Some("not an email address".into()),
            source: "data_collection".into(),
        };
        let reasons = vec!["caller mentioned \"site is down\"".to_string()];
        let email = call_email(&CallNotice {
            to: &["owner@aurora.example".into()],
            business_name: "Aurora Branding",
            caller_name: Some("<Dana>"),
            caller_phone: Some("+14155550100"),
            known_client: false,
            summary: "Site down & needs help.",
            duration_secs: Some(75),
            priority: Priority::Urgent,
            urgency_reasons: &reasons,
            answers: vec![("Your email?", &bad)],
            unanswered: vec!["Your email?", "Your <budget>?"],
            call_url: "https://app.example/calls/1".into(),
            call_id: "1".into(),
        });
        assert_eq!(
            email.subject,
            "[URGENT] New lead: <Dana> (+14155550100) - Aurora Branding"
        );
        assert!(email.text.contains("Duration: 1 min 15 s"));
        assert!(
            email
                .text
                .contains("- Your email?: dana at example (unverified: not an email address)")
        );
        assert!(email.html.contains("&lt;Dana&gt;"));
        assert!(email.html.contains("Site down &amp; needs help."));
        assert!(!email.html.contains("<Dana>"));
        assert!(
            email
                .text
                .contains("Not answered:\n- Your email?\n- Your <budget>?\n")
        );
        assert!(email.html.contains("<li>Your &lt;budget&gt;?</li>"));
    }
}

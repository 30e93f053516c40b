//! The dashboard (web/dist) served as CloudFront serves it in production (template.yaml,
//! `DashboardDistribution`): files as built, an app route (a path whose last segment has no dot)
//! answered with `index.html`, and the security headers of `DashboardHeadersPolicy`, read from the
//! compiled-in template so the two cannot drift. `/api/*` never reaches this: it goes to the
//! functions, as CloudFront's `/api/*` behaviour sends it to the HTTP API, and their answers get
//! the same headers (the behaviour has the same policy).

use std::path::{Path, PathBuf};

use axum::extract::Request;
use axum::response::{IntoResponse, Response};
use http::{HeaderName, HeaderValue, StatusCode, header};
use tower::ServiceExt;
use tower_http::services::ServeFile;

use crate::routes::TEMPLATE;

/// The built app and the headers every answer of it carries.
#[derive(Clone)]
pub struct Dashboard {
    dist: PathBuf,
    headers: Vec<(HeaderName, HeaderValue)>,
}

impl Dashboard {
    /// `dist` must hold an `index.html` (`vite build`'s output).
    pub fn new(dist: impl Into<PathBuf>) -> anyhow::Result<Self> {
        let dist = dist.into();
        anyhow::ensure!(
            dist.join("index.html").is_file(),
            "{} has no index.html: build the dashboard first (npm run build in web/)",
            dist.display()
        );
        Ok(Self {
            dist,
            headers: security_headers(TEMPLATE)?,
        })
    }

    pub async fn serve(&self, request: Request) -> Response {
        let Some(file) = self.file_for(request.uri().path()) else {
            return (StatusCode::NOT_FOUND, "Not Found").into_response();
        };
        let immutable = file.starts_with(self.dist.join("assets"));
        let mut response = match ServeFile::new(&file).oneshot(request).await {
            Ok(r) => r.into_response(),
            Err(never) => match never {},
        };
        self.secure(response.headers_mut());
        // What the upload command sets on S3 (README, "Deploying the dashboard"): hashed assets
        // for ever, everything else revalidated so a new build is seen at once.
        let cache = if immutable {
            "public, max-age=31536000, immutable"
        } else {
            "no-cache"
        };
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        response
    }

    /// The security headers of the distribution's response headers policy, over any the answer
    /// had (CloudFront's `Override`).
    pub fn secure(&self, headers: &mut http::HeaderMap) {
        for (name, value) in &self.headers {
            headers.insert(name.clone(), value.clone());
        }
    }

    /// The file a path names: an app route is `index.html` (DashboardSpaFallback's rule), a
    /// path with a dot in its last segment is a file under dist, never outside it.
    fn file_for(&self, path: &str) -> Option<PathBuf> {
        let last = path.rsplit('/').next().unwrap_or_default();
        if !last.contains('.') {
            return Some(self.dist.join("index.html"));
        }
        let relative = Path::new(path.trim_start_matches('/'));
        let safe = relative
            .components()
            .all(|c| matches!(c, std::path::Component::Normal(_)));
        safe.then(|| self.dist.join(relative))
    }
}

/// The response headers policy of the distribution, as header name and value pairs.
pub fn security_headers(template: &str) -> anyhow::Result<Vec<(HeaderName, HeaderValue)>> {
    let t: serde_yaml::Value = serde_yaml::from_str(template)?;
    let config = &t["Resources"]["DashboardHeadersPolicy"]["Properties"]["ResponseHeadersPolicyConfig"]
        ["SecurityHeadersConfig"];
    let text = |v: &serde_yaml::Value, what: &str| -> anyhow::Result<String> {
        match v {
            serde_yaml::Value::String(s) => Ok(s.clone()),
            serde_yaml::Value::Number(n) => Ok(n.to_string()),
            serde_yaml::Value::Bool(b) => Ok(b.to_string()),
            _ => anyhow::bail!("DashboardHeadersPolicy has no {what}"),
        }
    };
    let csp = text(
        &config["ContentSecurityPolicy"]["ContentSecurityPolicy"],
        "ContentSecurityPolicy",
    )?;
    let hsts = &config["StrictTransportSecurity"];
    let mut hsts_value = format!(
        "max-age={}",
        text(&hsts["AccessControlMaxAgeSec"], "HSTS max age")?
    );
    if hsts["IncludeSubdomains"].as_bool() == Some(true) {
        hsts_value.push_str("; includeSubDomains");
    }
    if hsts["Preload"].as_bool() == Some(true) {
        hsts_value.push_str("; preload");
    }
    anyhow::ensure!(
        !config["ContentTypeOptions"].is_null(),
        "DashboardHeadersPolicy has no ContentTypeOptions"
    );
    let frame = text(&config["FrameOptions"]["FrameOption"], "FrameOption")?;
    let referrer = text(
        &config["ReferrerPolicy"]["ReferrerPolicy"],
        "ReferrerPolicy",
    )?;
    Ok(vec![
        (
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_str(&csp)?,
        ),
        (
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_str(&hsts_value)?,
        ),
        (
            header::X_CONTENT_TYPE_OPTIONS,
            HeaderValue::from_static("nosniff"),
        ),
        (header::X_FRAME_OPTIONS, HeaderValue::from_str(&frame)?),
        (header::REFERRER_POLICY, HeaderValue::from_str(&referrer)?),
    ])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_templates_policy_forbids_inline_scripts_and_framing() {
        let headers = security_headers(TEMPLATE).unwrap();
        let get = |name: &HeaderName| {
            headers
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.to_str().unwrap().to_owned())
                .unwrap()
        };
        let csp = get(&header::CONTENT_SECURITY_POLICY);
        let script = csp
            .split(';')
            .map(str::trim)
            .find(|d| d.starts_with("script-src"))
            .unwrap();
        assert_eq!(script, "script-src 'self'");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert_eq!(
            get(&header::STRICT_TRANSPORT_SECURITY),
            "max-age=63072000; includeSubDomains"
        );
        assert_eq!(get(&header::X_CONTENT_TYPE_OPTIONS), "nosniff");
    }

    #[test]
    fn app_routes_are_index_and_files_stay_inside_dist() {
        let d = Dashboard {
            dist: PathBuf::from("/dist"),
            headers: vec![],
        };
        let index = Some(PathBuf::from("/dist/index.html"));
        assert_eq!(d.file_for("/"), index);
        assert_eq!(d.file_for("/calls/5b1d"), index);
        assert_eq!(d.file_for("/integrations"), index);
        assert_eq!(
            d.file_for("/assets/index-abc.js"),
            Some(PathBuf::from("/dist/assets/index-abc.js"))
        );
        assert_eq!(d.file_for("/../secret.txt"), None);
        assert_eq!(d.file_for("/assets/../../etc/passwd.x"), None);
    }
}

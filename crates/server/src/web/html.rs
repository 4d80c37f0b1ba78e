//! HTML escaped by construction: [`Html`] takes markup only as `&'static str` (text
//! written into the program) and every runtime value through [`Html::text`], which
//! escapes it for element content and quoted attribute values alike. Query strings and
//! path segments are percent-encoded first ([`Html::query_link`], [`percent`]). Also the
//! page frame (header, navigation, the logout form) and the HTML response.

use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::session::AdminSession;

/// An HTML document being written.
#[derive(Debug, Default)]
pub struct Html {
    out: String,
}

impl Html {
    /// An empty document.
    pub fn new() -> Html {
        Html::default()
    }

    /// Markup written into the program. It is `'static`, so it cannot carry a value a
    /// request, the store or a workstation supplied.
    pub fn raw(&mut self, markup: &'static str) -> &mut Html {
        self.out.push_str(markup);
        self
    }

    /// A runtime value, escaped: `&`, `<`, `>`, `"` and `'` become entities, so it is
    /// inert both between tags and inside a quoted attribute.
    pub fn text(&mut self, value: &str) -> &mut Html {
        for c in value.chars() {
            match c {
                '&' => self.out.push_str("&amp;"),
                '<' => self.out.push_str("&lt;"),
                '>' => self.out.push_str("&gt;"),
                '"' => self.out.push_str("&quot;"),
                '\'' => self.out.push_str("&#39;"),
                c => self.out.push(c),
            }
        }
        self
    }

    /// A number.
    pub fn num(&mut self, value: impl Into<i128>) -> &mut Html {
        let value: i128 = value.into();
        self.out.push_str(&value.to_string());
        self
    }

    /// `<td>value</td>`.
    pub fn cell(&mut self, value: &str) -> &mut Html {
        self.raw("<td>").text(value).raw("</td>")
    }

    /// A link to `path` with a query built from `pairs` (empty values left out):
    /// `<a href="path?k=v&amp;…">label</a>`.
    pub fn query_link(
        &mut self,
        path: &'static str,
        pairs: &[(&'static str, &str)],
        label: &str,
    ) -> &mut Html {
        self.raw("<a href=\"")
            .text(&with_query(path, pairs))
            .raw("\">")
            .text(label)
            .raw("</a>")
    }

    /// A hidden form field.
    pub fn hidden(&mut self, name: &'static str, value: &str) -> &mut Html {
        self.raw("<input type=\"hidden\" name=\"")
            .raw(name)
            .raw("\" value=\"")
            .text(value)
            .raw("\">")
    }

    /// The markup written so far.
    pub fn into_string(self) -> String {
        self.out
    }
}

/// Percent-encodes everything but RFC 3986's unreserved characters, for a query value
/// or a path segment.
pub fn percent(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for byte in value.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// `path?k=v&k2=v2`, values percent-encoded, empty ones left out.
pub fn with_query(path: &str, pairs: &[(&'static str, &str)]) -> String {
    let mut url = path.to_owned();
    let mut first = true;
    for (key, value) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        url.push(if first { '?' } else { '&' });
        first = false;
        url.push_str(key);
        url.push('=');
        url.push_str(&percent(value));
    }
    url
}

/// Which section of the page a view belongs to (its navigation link is marked).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Section {
    /// The login page: no navigation.
    Login,
    /// The audit search.
    Audit,
    /// The devices.
    Devices,
    /// The alerts.
    Alerts,
    /// Enrollment codes.
    Enroll,
}

const NAV: [(Section, &str, &str); 4] = [
    (Section::Audit, "/admin/audit", "Audit trail"),
    (Section::Devices, "/admin/devices", "Devices"),
    (Section::Alerts, "/admin/alerts", "Alerts"),
    (Section::Enroll, "/admin/enroll", "Enroll a workstation"),
];

/// A whole page: the frame around `body`, with the navigation and the logout form when
/// someone is logged in.
pub fn page(
    status: StatusCode,
    title: &'static str,
    section: Section,
    session: Option<&AdminSession>,
    body: Html,
) -> Response {
    let mut h = Html::new();
    h.raw("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">")
        .raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">")
        .raw("<title>")
        .raw(title)
        .raw(" · Clinic Vault server</title>")
        .raw("<link rel=\"stylesheet\" href=\"/admin/static/admin.css\"></head><body>")
        .raw("<header><span class=\"brand\">Clinic Vault server</span>");
    if let Some(session) = session {
        h.raw("<nav>");
        for (nav_section, href, label) in NAV {
            h.raw("<a href=\"").raw(href).raw("\"");
            if nav_section == section {
                h.raw(" aria-current=\"page\"");
            }
            h.raw(">").raw(label).raw("</a>");
        }
        h.raw("</nav><form class=\"logout\" method=\"post\" action=\"/admin/logout\">")
            .hidden("csrf", &session.csrf)
            .raw("<span>Signed in as <b>")
            .text(&session.name)
            .raw("</b></span> <button type=\"submit\">Log out</button></form>");
    }
    h.raw("</header><main><h1>")
        .raw(title)
        .raw("</h1>")
        .raw_owned(body)
        .raw("</main></body></html>\n");
    (
        status,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        h.into_string(),
    )
        .into_response()
}

impl Html {
    /// Appends another document written with the same rules.
    pub fn raw_owned(&mut self, other: Html) -> &mut Html {
        self.out.push_str(&other.out);
        self
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn runtime_values_are_escaped() {
        let mut h = Html::new();
        h.raw("<td title=\"")
            .text("\"><script>alert('x')</script>&")
            .raw("\">");
        assert_eq!(
            h.into_string(),
            "<td title=\"&quot;&gt;&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;\">"
        );
    }

    #[test]
    fn links_are_percent_encoded_then_escaped() {
        let mut h = Html::new();
        h.query_link(
            "/admin/audit",
            &[("user", "a&b \"c\""), ("action", ""), ("offset", "50")],
            "<next>",
        );
        assert_eq!(
            h.into_string(),
            "<a href=\"/admin/audit?user=a%26b%20%22c%22&amp;offset=50\">&lt;next&gt;</a>"
        );
        assert_eq!(percent("Zoë/1"), "Zo%C3%AB%2F1");
    }
}

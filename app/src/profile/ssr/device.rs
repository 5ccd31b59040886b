//! A session's device in plain words, from its User-Agent: "Chrome on Linux".
use woothee::parser::Parser;

const UNKNOWN: &str = "UNKNOWN";

pub fn describe(user_agent: Option<&str>) -> String {
    let parsed = user_agent
        .map(str::trim)
        .filter(|ua| !ua.is_empty())
        .and_then(|ua| Parser::new().parse(ua));
    let Some(parsed) = parsed else {
        return "Unknown device".to_owned();
    };
    let browser = (parsed.name != UNKNOWN).then_some(parsed.name);
    let system = (parsed.os != UNKNOWN).then(|| system_name(parsed.os));
    match (browser, system) {
        (Some(browser), Some(system)) => format!("{browser} on {system}"),
        (Some(browser), None) => browser.to_owned(),
        (None, Some(system)) => format!("A browser on {system}"),
        (None, None) => "Unknown device".to_owned(),
    }
}

/// woothee's names, with Apple's current spelling.
fn system_name(os: &str) -> String {
    match os {
        "Mac OSX" => "macOS".to_owned(),
        other => other.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn test_common_browsers_read_as_browser_on_system() {
        let cases = [
            ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36", "Chrome on Linux"),
            ("Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0", "Firefox on Windows 10"),
            ("Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15", "Safari on macOS"),
            ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1", "Safari on iPhone"),
        ];
        for (agent, expected) in cases {
            assert_eq!(describe(Some(agent)), expected, "{agent}");
        }
    }

    #[test]
    fn test_missing_or_odd_agents_are_unknown() {
        assert_eq!(describe(None), "Unknown device");
        assert_eq!(describe(Some("  ")), "Unknown device");
        assert_eq!(describe(Some("something odd")), "Unknown device");
        assert_eq!(describe(Some("curl/8.5.0")), "HTTP Library");
    }
}

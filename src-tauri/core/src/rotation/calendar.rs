//! The rotation schedule as an iCalendar file (RFC 5545) for any calendar app: one
//! all-day event per token on its next due date, with its name and where it is used,
//! and a reminder at its lead time. Never a secret: only what the inventory holds.

use chrono::{DateTime, Days, Utc};

use super::Schedule;
use super::attention::rotation_of;
use crate::model::record::TokenRecord;
use crate::scopes::TOKENS_PAGE;

pub fn calendar(tokens: &[TokenRecord], schedule: &Schedule) -> String {
    let mut lines = vec![
        "BEGIN:VCALENDAR".to_owned(),
        "VERSION:2.0".to_owned(),
        "PRODID:-//PAT Vault//Rotation schedule//EN".to_owned(),
        "CALSCALE:GREGORIAN".to_owned(),
        "METHOD:PUBLISH".to_owned(),
        "X-WR-CALNAME:Airtable token rotations".to_owned(),
    ];
    for token in tokens {
        lines.extend(event(token, schedule));
    }
    lines.push("END:VCALENDAR".to_owned());
    let mut out = String::new();
    for line in lines {
        out.push_str(&fold(&line));
    }
    out
}

fn event(token: &TokenRecord, schedule: &Schedule) -> Vec<String> {
    let due = rotation_of(token, schedule);
    let i = &token.intent;
    let day = |d: chrono::NaiveDate| d.format("%Y%m%d").to_string();
    let used_by = if i.used_by.is_empty() {
        "nowhere recorded".to_owned()
    } else {
        let labels: Vec<&str> = i.used_by.iter().map(|c| c.label.as_str()).collect();
        labels.join(", ")
    };
    let description = format!(
        "Rotate the Airtable personal access token “{}”{} (every {} days; last rotated {}).\nUsed by: {used_by}.\nRegenerate or replace it at {TOKENS_PAGE}, then update it in PAT Vault and in each place that uses it.",
        i.name,
        token
            .token_id
            .as_deref()
            .map(|t| format!(" ({t})"))
            .unwrap_or_default(),
        i.rotate_every_days,
        i.last_rotated,
    );
    let lead = i.lead_days.unwrap_or(schedule.lead_days);
    let mut lines = vec![
        "BEGIN:VEVENT".to_owned(),
        format!("UID:{}-{}@patvault", token.id, day(due.next_due)),
        format!("DTSTAMP:{}", stamp(schedule.now)),
        format!("DTSTART;VALUE=DATE:{}", day(due.next_due)),
        format!(
            "DTEND;VALUE=DATE:{}",
            day(due
                .next_due
                .checked_add_days(Days::new(1))
                .unwrap_or(due.next_due))
        ),
        format!(
            "SUMMARY:{}",
            text(&format!("Rotate Airtable token “{}”", i.name))
        ),
        format!("DESCRIPTION:{}", text(&description)),
        "CATEGORIES:PAT Vault".to_owned(),
        "TRANSP:TRANSPARENT".to_owned(),
    ];
    if lead > 0 {
        lines.extend([
            "BEGIN:VALARM".to_owned(),
            "ACTION:DISPLAY".to_owned(),
            format!("TRIGGER:-P{lead}D"),
            format!(
                "DESCRIPTION:{}",
                text(&format!(
                    "Airtable token “{}” is due in {lead} days",
                    i.name
                ))
            ),
            "END:VALARM".to_owned(),
        ]);
    }
    lines.push("END:VEVENT".to_owned());
    lines
}

fn stamp(at: DateTime<Utc>) -> String {
    at.format("%Y%m%dT%H%M%SZ").to_string()
}

/// A TEXT value: backslash, semicolon, comma and line breaks escaped.
fn text(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            ';' => out.push_str("\\;"),
            ',' => out.push_str("\\,"),
            '\n' => out.push_str("\\n"),
            '\r' => {}
            c => out.push(c),
        }
    }
    out
}

/// A content line folded to at most 75 octets per line, never inside a character,
/// ended by CRLF.
fn fold(line: &str) -> String {
    let mut out = String::with_capacity(line.len() + 8);
    let mut width = 0;
    for c in line.chars() {
        let size = c.len_utf8();
        if width + size > 75 {
            out.push_str("\r\n ");
            width = 1;
        }
        out.push(c);
        width += size;
    }
    out.push_str("\r\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_lines_fold_between_characters() {
        let folded = fold(&format!("SUMMARY:{}", "é".repeat(60)));
        for line in folded.split("\r\n").filter(|l| !l.is_empty()) {
            assert!(line.len() <= 75, "{line:?} is {} octets", line.len());
        }
        assert_eq!(
            folded.replace("\r\n ", ""),
            format!("SUMMARY:{}\r\n", "é".repeat(60))
        );
    }

    #[test]
    fn text_is_escaped() {
        assert_eq!(text("a, b; c\\d\nnext"), "a\\, b\\; c\\\\d\\nnext");
    }
}

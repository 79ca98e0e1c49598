//! `patvault due` and `patvault calendar` on a real vault: what needs attention with
//! each token's lead time or `--within`, the exit status cron relies on, and the
//! calendar file read back by an iCalendar parser.

use crate::support::*;
use chrono::{Days, Local, NaiveDate};
use ical::parser::ical::component::IcalEvent;
use ical::property::Property;

fn days_ago(days: u64) -> String {
    Local::now()
        .date_naive()
        .checked_sub_days(Days::new(days))
        .unwrap()
        .to_string()
}

fn secret(n: u32) -> String {
    format!("patDueTest{n:07}.{:064x}", n)
}

/// Overdue by 10 days, due in 10, due in 30 with its own 45-day lead, and due in 90.
fn vault_with_schedule() -> TestVault {
    let v = TestVault::new();
    let every = ["--rotate-every", "90"];
    let add = |name: &str, n: u32, ago: u64, extra: &[&str]| {
        let rotated = days_ago(ago);
        let mut flags = vec!["--rotated-on", rotated.as_str()];
        flags.extend_from_slice(&every);
        flags.extend_from_slice(extra);
        v.add(name, &secret(n), &flags);
    };
    add(
        "Backup, nightly",
        1,
        100,
        &[
            "--used-by",
            "cron; backup-01",
            "--used-by",
            "Zapier: CRM sync",
        ],
    );
    add("Soon", 2, 80, &[]);
    add("Own lead", 3, 60, &["--lead-days", "45"]);
    add("Fresh", 4, 0, &[]);
    v
}

fn due(v: &TestVault, extra: &[&str]) -> (i32, serde_json::Value) {
    let mut args = vec!["due", "--json"];
    args.extend_from_slice(extra);
    let out = v.run(&args);
    let json =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{e}: {}", stderr(&out)));
    (out.status.code().unwrap(), json)
}

fn names_and_states(json: &serde_json::Value) -> Vec<(String, String, i64)> {
    json["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| {
            (
                t["name"].as_str().unwrap().to_owned(),
                t["state"].as_str().unwrap().to_owned(),
                t["days_left"].as_i64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn due_lists_what_needs_attention_and_fails_cron_when_a_rotation_is_late() {
    let v = vault_with_schedule();
    let (code, json) = due(&v, &[]);
    assert_eq!(code, 1, "something is overdue");
    assert_eq!(
        names_and_states(&json),
        vec![
            ("Backup, nightly".into(), "overdue".into(), -10),
            ("Own lead".into(), "due_soon".into(), 30),
            ("Soon".into(), "due_soon".into(), 10),
        ]
    );
    let first = &json["tokens"][0];
    assert_eq!(first["next_due"], days_ago(10));
    assert_eq!(first["attention"][0]["kind"], "rotation");
    assert_eq!(first["why"][0], "rotation overdue by 10 days");

    // --within replaces every lead time, the token's own included.
    let (_, within) = due(&v, &["--within", "5"]);
    assert_eq!(
        names_and_states(&within),
        vec![("Backup, nightly".into(), "overdue".into(), -10)]
    );
    let (_, wide) = due(&v, &["--within", "100"]);
    assert_eq!(wide["tokens"].as_array().unwrap().len(), 4);

    let table = stdout(&v.run(&["due"]));
    assert!(table.contains("rotation overdue by 10 days"), "{table}");
    assert!(table.contains("rotation due in 10 days"), "{table}");

    // Only due soon: still listed, but cron is not alarmed.
    let out = v.run(&["remove", "Backup, nightly", "--yes"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(due(&v, &[]).0, 0);
    let quiet = v.run(&["due", "--within", "0"]);
    assert_eq!(quiet.status.code(), Some(0));
    assert_eq!(stdout(&quiet), "Nothing needs attention.\n");
}

fn value<'a>(properties: &'a [Property], name: &str) -> &'a str {
    properties
        .iter()
        .find(|p| p.name == name)
        .and_then(|p| p.value.as_deref())
        .unwrap_or_else(|| panic!("no {name} in {properties:?}"))
}

fn property<'a>(event: &'a IcalEvent, name: &str) -> &'a str {
    value(&event.properties, name)
}

#[test]
fn the_calendar_has_one_event_per_token_on_its_due_date_and_no_secret() {
    let v = vault_with_schedule();
    let file = v.data.path().join("rotations.ics");
    let out = v.run(&["calendar", "--out", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = std::fs::read_to_string(&file).unwrap();
    assert!(text.starts_with("BEGIN:VCALENDAR\r\n") && text.ends_with("END:VCALENDAR\r\n"));
    assert!(
        text.split("\r\n").all(|l| l.len() <= 75),
        "lines are folded"
    );
    for n in 1..=4 {
        assert!(
            !text.contains(&secret(n)[18..]),
            "no secret in the calendar"
        );
    }
    let printed = stdout(&v.run(&["calendar"]));
    assert_eq!(
        printed
            .lines()
            .filter(|l| l.starts_with("DTSTART"))
            .collect::<Vec<_>>(),
        text.lines()
            .filter(|l| l.starts_with("DTSTART"))
            .collect::<Vec<_>>(),
    );

    let calendar = ical::IcalParser::new(text.as_bytes())
        .next()
        .expect("one calendar")
        .expect("a calendar an iCalendar parser reads");
    assert_eq!(calendar.events.len(), 4);
    let list = v.json(&["list", "--json"]);
    for token in list["tokens"].as_array().unwrap() {
        let name = token["name"].as_str().unwrap();
        let event = calendar
            .events
            .iter()
            .find(|e| property(e, "SUMMARY").contains(&name.replace(',', "\\,")))
            .unwrap_or_else(|| panic!("no event for {name}"));
        let due: NaiveDate = token["next_due"].as_str().unwrap().parse().unwrap();
        assert_eq!(property(event, "DTSTART"), due.format("%Y%m%d").to_string());
        let uid = property(event, "UID");
        assert!(uid.starts_with(token["id"].as_str().unwrap()), "{uid}");
        let lead = if name == "Own lead" { 45 } else { 14 };
        assert_eq!(
            value(&event.alarms[0].properties, "TRIGGER"),
            format!("-P{lead}D")
        );
    }
    let backup = calendar
        .events
        .iter()
        .find(|e| property(e, "SUMMARY").contains("Backup"))
        .unwrap();
    // TEXT values keep their escapes: the commas and semicolon of the names and places.
    assert_eq!(
        property(backup, "SUMMARY"),
        "Rotate Airtable token “Backup\\, nightly”"
    );
    let description = property(backup, "DESCRIPTION");
    assert!(
        description.contains("Used by: cron\\; backup-01\\, Zapier: CRM sync."),
        "{description}"
    );
    assert!(description.contains("https://airtable.com/create/tokens"));
}

/// `patvault due | head -1` in a cron job: a reader that has gone away is no error.
#[test]
fn a_closed_pipe_is_not_a_crash() {
    let v = vault_with_schedule();
    let name = "Soon";
    for args in [
        &["due"][..],
        &["due", "--json"],
        &["calendar"],
        &["list"],
        &["list", "--json"],
        &["show", name],
        &["show", name, "--json"],
        &["doctor"],
        &["doctor", "--json"],
        &["check", "--estimate"],
        &["check", "--estimate", "--json"],
    ] {
        let as_usual = v.command(args).output().unwrap();
        assert!(!as_usual.stdout.is_empty(), "{args:?} writes to stdout");
        // The reading end is closed before the command writes its first byte.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let out = v
            .command(args)
            .stdout(writer)
            .stderr(std::process::Stdio::piped())
            .output()
            .unwrap();
        let err = stderr(&out);
        assert_eq!(out.status.code(), as_usual.status.code(), "{args:?}: {err}");
        assert!(!err.contains("panicked"), "{args:?}: {err}");
    }
}

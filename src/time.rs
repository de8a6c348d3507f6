//! One clock for the whole bundle. Log lines are written in many shapes (year-less local
//! syslog, ISO with offsets, journal microseconds); this module places each on UTC using only
//! what the bundle itself says: its collection time, its time zone, the member's own
//! modification time, and December-to-January rollover inside a file. The analysing
//! machine's clock and zone are never consulted (chrono's `clock` feature is off).
//!
//! Everything inferred is reported as a diagnostic, so the user can see what was assumed.

use chrono::{DateTime, Datelike, FixedOffset, NaiveDate, NaiveDateTime, Utc};

use crate::model::{Diagnostic, RecordTime};

pub use crate::parse::clock::Zone;

/// The zone's name for reports: the IANA name, `UTC`, or the offset.
pub fn zone_name(zone: &Zone) -> String {
    match zone {
        Zone::Iana(tz) => tz.name().to_owned(),
        Zone::Fixed(off) if off.local_minus_utc() == 0 => "UTC".to_owned(),
        Zone::Fixed(off) => off.to_string(),
        Zone::Posix(p) => p.text.clone(),
    }
}

pub fn utc_zone() -> Zone {
    Zone::Fixed(FixedOffset::east_opt(0).expect("zero offset"))
}

/// Where the bundle's clock facts came from, with their source for diagnostics.
#[derive(Clone, Debug, Default)]
pub struct ClockFacts {
    pub collected_at: Option<(DateTime<Utc>, String)>,
    pub zone: Option<(Zone, String)>,
    /// The newest absolute timestamp seen anywhere (journal), a fallback reference.
    pub newest_absolute: Option<DateTime<Utc>>,
    /// The newest member modification time, another fallback reference.
    pub newest_mtime: Option<DateTime<Utc>>,
    /// How long the machine had been up when the bundle was collected (`uptime`,
    /// `/proc/uptime`): with the collection time it gives the boot time.
    pub uptime: Option<(chrono::Duration, String)>,
    /// `btime` of `/proc/stat`: the boot time itself, to the second.
    pub btime: Option<(DateTime<Utc>, String)>,
    /// `journalctl --list-boots`: each boot's offset (0 the running one, -1 the one
    /// before), id, and the local time of its first journal entry with the zone written.
    pub listed_boots: Vec<ListedBoot>,
}

/// A boot as `journalctl --list-boots` lists it.
#[derive(Clone, Debug, PartialEq)]
pub struct ListedBoot {
    pub offset: i64,
    pub id: String,
    pub first_entry: chrono::NaiveDateTime,
    /// The zone abbreviation as printed (`UTC`, `CET`).
    pub zone: String,
}

/// User overrides from the command line.
#[derive(Clone, Debug, Default)]
pub struct Overrides {
    pub zone: Option<Zone>,
    pub year: Option<i32>,
}

/// The resolved clock of a bundle.
#[derive(Clone, Debug)]
pub struct TimeContext {
    pub collected_at: Option<DateTime<Utc>>,
    pub zone: Zone,
    /// False when no zone was found and UTC is only an assumption.
    pub zone_known: bool,
    /// The date year-less lines are measured against when a member has no mtime.
    pub reference: Option<NaiveDate>,
    pub year_override: Option<i32>,
    /// When the running kernel booted, from the collection time and the uptime; dmesg's
    /// seconds since boot of the last boot are placed from it.
    pub boot_time: Option<DateTime<Utc>>,
    /// Earlier and current boots from `journalctl --list-boots`: offset (0 current, -1 the
    /// one before), boot id, and the UTC time of the boot's first journal entry.
    pub boots: Vec<(i64, String, DateTime<Utc>)>,
}

impl TimeContext {
    /// Builds the context and explains every choice it made.
    pub fn resolve(facts: &ClockFacts, overrides: &Overrides) -> (TimeContext, Vec<Diagnostic>) {
        let mut diags = Vec::new();
        let zone = match (overrides.zone.clone(), &facts.zone) {
            (Some(z), _) => {
                diags.push(Diagnostic::info(format!(
                    "time zone {} given on the command line",
                    zone_name(&z)
                )));
                z
            }
            (None, Some((z, source))) => {
                diags.push(Diagnostic::info(format!(
                    "time zone {} taken from {source}",
                    zone_name(z)
                )));
                z.clone()
            }
            (None, None) => {
                diags.push(Diagnostic::warning(
                    "the bundle does not say its time zone; local times are read as UTC \
                     (pass --tz to correct)",
                ));
                utc_zone()
            }
        };
        let collected_at = facts.collected_at.as_ref().map(|(t, source)| {
            diags.push(Diagnostic::info(format!(
                "collection time {} taken from {source}",
                crate::finding::format_time(t)
            )));
            *t
        });
        let reference = collected_at
            .or(facts.newest_absolute)
            .or(facts.newest_mtime)
            .map(|t| local_date(&zone, t));
        if collected_at.is_none() {
            match (reference, overrides.year) {
                (_, Some(y)) => diags.push(Diagnostic::info(format!(
                    "year {y} for year-less lines given on the command line"
                ))),
                (Some(d), None) => diags.push(Diagnostic::warning(format!(
                    "no collection time in the bundle; year-less lines are dated relative to \
                     {d}, the newest time found in its files (pass --year to correct)"
                ))),
                (None, None) => diags.push(Diagnostic::error(
                    "the bundle has no collection time and no dated file: year-less log lines \
                     cannot be placed in time (pass --year)",
                )),
            }
        }
        let zone_known = overrides.zone.is_some() || facts.zone.is_some();
        let boot_time = match (collected_at, &facts.uptime) {
            _ if facts.btime.is_some() => facts.btime.as_ref().map(|(t, source)| {
                diags.push(Diagnostic::info(format!(
                    "boot time {} from btime in {source}; kernel seconds since boot are placed \
                     from it",
                    crate::finding::format_time(t)
                )));
                *t
            }),
            (Some(c), Some((up, source))) => {
                let boot = c - *up;
                diags.push(Diagnostic::info(format!(
                    "boot time {} from the collection time less the uptime in {source}; kernel \
                     seconds since boot are placed from it",
                    crate::finding::format_time(&boot)
                )));
                Some(boot)
            }
            _ => None,
        };
        let boots = facts
            .listed_boots
            .iter()
            .filter_map(|b| {
                let utc = if matches!(b.zone.as_str(), "UTC" | "GMT" | "Z") {
                    Some(b.first_entry.and_utc())
                } else if zone_known {
                    zone.to_utc(b.first_entry)
                } else {
                    None
                };
                Some((b.offset, b.id.clone(), utc?))
            })
            .collect();
        let ctx = TimeContext {
            collected_at,
            zone,
            zone_known,
            boot_time,
            boots,
            reference,
            year_override: overrides.year,
        };
        (ctx, diags)
    }

    /// Places a record's time on UTC. `years` tracks the year within one member.
    pub fn to_utc(&self, time: &RecordTime, years: &mut YearTracker) -> Option<DateTime<Utc>> {
        match time {
            RecordTime::Utc(t) => Some(*t),
            RecordTime::Offset(t) => Some(t.with_timezone(&Utc)),
            RecordTime::Local(naive) => self.zone.to_utc(*naive),
            RecordTime::YearLess { month, day, time } => {
                let year = years.year_for(*month)?;
                let date = NaiveDate::from_ymd_opt(year, *month, *day)?;
                self.zone.to_utc(date.and_time(*time))
            }
            RecordTime::SinceBoot(_) | RecordTime::Unknown => None,
        }
    }

    /// Sets up year tracking for one member. `months` are the (month, day) of its year-less
    /// lines in file order; `mtime` is the member's own modification time, which dates the
    /// file's last line better than the collection time for rotated logs.
    pub fn year_tracker(
        &self,
        months: impl IntoIterator<Item = (u32, u32)>,
        mtime: Option<DateTime<Utc>>,
    ) -> YearTracker {
        self.year_tracker_for(MonthSummary::of(months), mtime)
    }

    /// Year tracking from a member's [`MonthSummary`], for logs read before the clock was
    /// known.
    pub fn year_tracker_for(
        &self,
        summary: MonthSummary,
        mtime: Option<DateTime<Utc>>,
    ) -> YearTracker {
        if let Some(year) = self.year_override {
            return YearTracker::fixed(year);
        }
        let reference = match (mtime, self.collected_at) {
            (Some(m), Some(c)) if m <= c + chrono::Duration::days(1) => {
                Some(local_date(&self.zone, m))
            }
            (Some(m), None) => Some(local_date(&self.zone, m)),
            _ => self.reference,
        };
        let Some(reference) = reference else {
            return YearTracker::unknown();
        };
        let end_year = match summary.last {
            Some((m, d)) if (m, d) > (reference.month(), reference.day()) => reference.year() - 1,
            _ => reference.year(),
        };
        YearTracker {
            year: Some(end_year - summary.rollovers),
            previous_month: None,
        }
    }
}

/// What the year logic needs to know of a member's year-less lines: the last line's date
/// and how many times the year turned over inside the file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MonthSummary {
    pub last: Option<(u32, u32)>,
    pub rollovers: i32,
}

impl MonthSummary {
    pub fn of(months: impl IntoIterator<Item = (u32, u32)>) -> MonthSummary {
        let mut summary = MonthSummary::default();
        for (month, day) in months {
            summary.push(month, day);
        }
        summary
    }

    /// Takes the next year-less line's date, in file order.
    pub fn push(&mut self, month: u32, day: u32) {
        if self.last.is_some_and(|(p, _)| is_rollover(p, month)) {
            self.rollovers += 1;
        }
        self.last = Some((month, day));
    }
}

/// A jump back of six months or more between consecutive lines is a new year, not
/// out-of-order lines (which real files do contain, by a few seconds or days).
fn is_rollover(previous_month: u32, month: u32) -> bool {
    previous_month >= month + 6
}

fn local_date(zone: &Zone, t: DateTime<Utc>) -> NaiveDate {
    match zone {
        Zone::Fixed(off) => t.with_timezone(off).date_naive(),
        Zone::Iana(tz) => t.with_timezone(tz).date_naive(),
        // Close enough for choosing a year: the standard offset.
        Zone::Posix(p) => t.with_timezone(&p.std_offset).date_naive(),
    }
}

/// Follows the year through one member's year-less lines.
#[derive(Clone, Debug)]
pub struct YearTracker {
    year: Option<i32>,
    previous_month: Option<u32>,
}

impl YearTracker {
    pub fn fixed(year: i32) -> YearTracker {
        YearTracker {
            year: Some(year),
            previous_month: None,
        }
    }

    pub fn unknown() -> YearTracker {
        YearTracker {
            year: None,
            previous_month: None,
        }
    }

    fn year_for(&mut self, month: u32) -> Option<i32> {
        if let (Some(p), Some(y)) = (self.previous_month, self.year.as_mut()) {
            if is_rollover(p, month) {
                *y += 1;
            }
        }
        self.previous_month = Some(month);
        self.year
    }
}

/// The (month, day) of every line that starts with an RFC 3164 timestamp (`Nov 23 ...`),
/// read cheaply from raw text so the year can be fixed before the real parse.
pub fn yearless_months(text: &str) -> impl Iterator<Item = (u32, u32)> + '_ {
    text.lines().filter_map(|line| {
        let line = line.strip_prefix('<').map_or(line, |rest| {
            rest.split_once('>').map_or(line, |(_, after)| after)
        });
        let month = month_number(line.get(0..3)?)?;
        let rest = line.get(3..)?.strip_prefix(' ')?.trim_start();
        let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
        let day: u32 = digits.parse().ok()?;
        (1..=31).contains(&day).then_some((month, day))
    })
}

pub fn month_number(abbrev: &str) -> Option<u32> {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    MONTHS
        .iter()
        .position(|m| m.eq_ignore_ascii_case(abbrev))
        .map(|i| i as u32 + 1)
}

/// Parses a `--tz` value: an IANA name (`Europe/Berlin`), `UTC`, or an offset (`+01:00`).
pub fn parse_zone(s: &str) -> Option<Zone> {
    Zone::parse(s)
}

/// Parses a `--at` value: RFC 3339, or `YYYY-MM-DD HH:MM[:SS]` in the bundle's zone.
pub fn parse_at(s: &str, zone: &Zone) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .and_then(|naive| zone.to_utc(naive))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{NaiveTime, TimeZone};

    fn utc(y: i32, mo: u32, d: u32, h: u32, mi: u32, s: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(y, mo, d, h, mi, s).unwrap()
    }

    fn ctx(collected: DateTime<Utc>, zone: Zone) -> TimeContext {
        let facts = ClockFacts {
            collected_at: Some((collected, "date".into())),
            zone: Some((zone, "etc/timezone".into())),
            ..Default::default()
        };
        TimeContext::resolve(&facts, &Overrides::default()).0
    }

    fn yearless(month: u32, day: u32, h: u32) -> RecordTime {
        RecordTime::YearLess {
            month,
            day,
            time: NaiveTime::from_hms_opt(h, 0, 0).unwrap(),
        }
    }

    #[test]
    fn yearless_line_takes_the_collection_year_and_zone() {
        let berlin = Zone::Iana(chrono_tz::Europe::Berlin);
        let c = ctx(utc(2026, 11, 20, 15, 0, 0), berlin);
        let mut years = c.year_tracker([(11, 20)], None);
        let t = c.to_utc(&yearless(11, 20, 14), &mut years);
        assert_eq!(t, Some(utc(2026, 11, 20, 13, 0, 0)));
    }

    #[test]
    fn december_lines_collected_in_january_belong_to_the_previous_year() {
        let c = ctx(utc(2026, 1, 1, 9, 30, 0), utc_zone());
        let months = [(12, 31), (12, 31), (1, 1)];
        let mut years = c.year_tracker(months, None);
        assert_eq!(
            c.to_utc(&yearless(12, 31, 22), &mut years),
            Some(utc(2025, 12, 31, 22, 0, 0))
        );
        assert_eq!(
            c.to_utc(&yearless(1, 1, 3), &mut years),
            Some(utc(2026, 1, 1, 3, 0, 0))
        );
    }

    #[test]
    fn a_file_ending_after_the_collection_date_is_from_last_year() {
        // A rotated log that ends on Dec 28, in a bundle collected on Nov 20: last year.
        let c = ctx(utc(2026, 11, 20, 15, 0, 0), utc_zone());
        let mut years = c.year_tracker([(12, 27), (12, 28)], None);
        assert_eq!(
            c.to_utc(&yearless(12, 27, 10), &mut years),
            Some(utc(2025, 12, 27, 10, 0, 0))
        );
    }

    #[test]
    fn member_mtime_dates_a_rotated_log() {
        let c = ctx(utc(2026, 11, 20, 15, 0, 0), utc_zone());
        // The rotated file was last written in March 2026; its lines run Feb -> Mar.
        let mtime = Some(utc(2026, 3, 1, 0, 0, 0));
        let mut years = c.year_tracker([(2, 27), (3, 1)], mtime);
        assert_eq!(
            c.to_utc(&yearless(2, 27, 10), &mut years),
            Some(utc(2026, 2, 27, 10, 0, 0))
        );
    }

    #[test]
    fn small_disorder_is_not_a_new_year() {
        let c = ctx(utc(2026, 11, 20, 15, 0, 0), utc_zone());
        let mut years = c.year_tracker([(11, 3), (10, 30), (11, 4)], None);
        assert_eq!(
            c.to_utc(&yearless(11, 3, 1), &mut years).unwrap().year(),
            2026
        );
        assert_eq!(
            c.to_utc(&yearless(10, 30, 1), &mut years).unwrap().year(),
            2026
        );
    }

    #[test]
    fn missing_zone_and_collection_time_are_reported() {
        let (c, diags) = TimeContext::resolve(&ClockFacts::default(), &Overrides::default());
        assert_eq!(c.zone, utc_zone());
        assert!(diags.iter().any(|d| d.message.contains("time zone")));
        assert!(diags
            .iter()
            .any(|d| d.level == crate::model::Level::Error && d.message.contains("--year")));
    }

    #[test]
    fn yearless_months_reads_raw_lines() {
        let text = "Dec 31 23:59:59 h sshd[1]: x\n<38>Jan  1 00:00:01 h sshd[1]: y\nnot a line\n";
        assert_eq!(
            yearless_months(text).collect::<Vec<_>>(),
            [(12, 31), (1, 1)]
        );
    }

    #[test]
    fn zones_and_offsets_parse() {
        assert_eq!(
            parse_zone("Europe/Berlin"),
            Some(Zone::Iana(chrono_tz::Europe::Berlin))
        );
        assert_eq!(
            parse_zone("+0530"),
            FixedOffset::east_opt(5 * 3600 + 1800).map(Zone::Fixed)
        );
        assert_eq!(parse_zone("Mars/Olympus"), None);
    }

    #[test]
    fn at_hint_reads_bundle_local_time() {
        let ny = Zone::Iana(chrono_tz::America::New_York);
        assert_eq!(
            parse_at("2026-11-20 14:05", &ny),
            Some(utc(2026, 11, 20, 19, 5, 0))
        );
        assert_eq!(
            parse_at("2026-11-20T14:05:00Z", &ny),
            Some(utc(2026, 11, 20, 14, 5, 0))
        );
    }
}

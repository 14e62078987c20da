//! The instant a response is judged at: the one the user gave, else the instant its capture
//! file records, else the clock when the run started. A response captured yesterday is judged
//! as AWS judged it when it arrived, not as expired today.

use super::decode::{CaptureSource, CaptureTime};
use chrono::{DateTime, Utc};
use serde::ser::{Serialize, SerializeMap, Serializer};

/// The instant the settings give, and whether the user chose it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JudgeAt {
    /// Chosen by the user: every response is judged at it, whatever its capture says.
    Given(DateTime<Utc>),
    /// The clock when the run started: only for responses whose input records no capture time.
    WallClock(DateTime<Utc>),
}

impl JudgeAt {
    /// The instant one response is judged at: the given one, else its capture time, else the
    /// wall clock.
    pub fn for_capture(self, captured_at: Option<CaptureTime>) -> JudgedAt {
        match (self, captured_at) {
            (JudgeAt::Given(instant), _) => JudgedAt {
                instant,
                source: InstantSource::Given,
            },
            (JudgeAt::WallClock(_), Some(c)) => JudgedAt {
                instant: c.instant,
                source: InstantSource::Captured(c.source),
            },
            (JudgeAt::WallClock(instant), None) => JudgedAt {
                instant,
                source: InstantSource::WallClock,
            },
        }
    }
}

/// Where the instant a response was judged at comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstantSource {
    /// The user gave it (`--now`).
    Given,
    /// The capture file records it.
    Captured(CaptureSource),
    /// The clock, for want of a capture time.
    WallClock,
}

impl InstantSource {
    /// The name JSON gives the source.
    pub fn as_str(self) -> &'static str {
        match self {
            InstantSource::Given => "now-option",
            InstantSource::Captured(CaptureSource::HarStartedDateTime { .. }) => {
                "har-started-date-time"
            }
            InstantSource::Captured(CaptureSource::SamlTracerTimestamp) => "saml-tracer-timestamp",
            InstantSource::WallClock => "wall-clock",
        }
    }
}

/// The instant a response was judged at and where it comes from. JSON:
/// `{"instant": "…", "source": "har-started-date-time", "har_entry": 3}` (the entry only for
/// a HAR).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JudgedAt {
    pub instant: DateTime<Utc>,
    pub source: InstantSource,
}

impl Serialize for JudgedAt {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let entry = match self.source {
            InstantSource::Captured(CaptureSource::HarStartedDateTime { entry }) => Some(entry),
            _ => None,
        };
        let mut map = serializer.serialize_map(Some(2 + usize::from(entry.is_some())))?;
        map.serialize_entry("instant", &self.instant)?;
        map.serialize_entry("source", self.source.as_str())?;
        if let Some(entry) = entry {
            map.serialize_entry("har_entry", &entry)?;
        }
        map.end()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_given_instant_wins_then_the_capture_then_the_clock() {
        let given = Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap();
        let captured = CaptureTime {
            instant: Utc.with_ymd_and_hms(2026, 11, 27, 9, 0, 1).unwrap(),
            source: CaptureSource::HarStartedDateTime { entry: 2 },
        };
        assert_eq!(
            JudgeAt::Given(given).for_capture(Some(captured)),
            JudgedAt {
                instant: given,
                source: InstantSource::Given
            }
        );
        assert_eq!(
            JudgeAt::WallClock(given).for_capture(Some(captured)),
            JudgedAt {
                instant: captured.instant,
                source: InstantSource::Captured(captured.source)
            }
        );
        let clock = JudgeAt::WallClock(given).for_capture(None);
        assert_eq!(
            (clock.instant, clock.source),
            (given, InstantSource::WallClock)
        );
        assert_eq!(
            serde_json::to_value(JudgeAt::WallClock(given).for_capture(Some(captured))).unwrap(),
            serde_json::json!({"instant": "2026-11-27T09:00:01Z", "source": "har-started-date-time", "har_entry": 2})
        );
    }
}

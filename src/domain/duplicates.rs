//! Suspected duplicates: groups of registrations that may be one real person.
//! Nothing here merges anyone; it only finds the groups and the evidence an
//! organizer reviews.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::Serialize;

/// Why a group was flagged.
/// What organizers decide about a group of possible duplicates, or one person.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum ReviewDecision {
    /// One person: only their best result counts.
    Same,
    /// Different people: nothing changes.
    Different,
    Disqualify,
    Reinstate,
}

crate::domain::text_enum!(ReviewDecision, "Quyết định", "decision", {
    Same => "same",
    Different => "different",
    Disqualify => "disqualify",
    Reinstate => "reinstate",
});

impl ReviewDecision {
    pub fn label_vi(self) -> &'static str {
        match self {
            ReviewDecision::Same => "Cùng một người (chỉ tính kết quả tốt nhất)",
            ReviewDecision::Different => "Là những người khác nhau",
            ReviewDecision::Disqualify => "Loại khỏi hội thi",
            ReviewDecision::Reinstate => "Khôi phục",
        }
    }
}

/// Where a registration stands after the review.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MemberStatus {
    Counted,
    Disqualified,
    /// Joined with others as one person.
    Joined,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Signal {
    /// The same CCCD (keyed hash) on two or more phones.
    Cccd,
    /// The same folded name, birth date and unit.
    NameBirthUnit,
    /// More identities than allowed from one browser (first-party device cookie).
    Device,
    /// More identities than allowed from one IP within a short window.
    Ip,
}

impl Signal {
    pub fn as_str(self) -> &'static str {
        match self {
            Signal::Cccd => "cccd",
            Signal::NameBirthUnit => "name_birth_unit",
            Signal::Device => "device",
            Signal::Ip => "ip",
        }
    }

    pub fn parse(s: &str) -> Option<Signal> {
        [
            Signal::Cccd,
            Signal::NameBirthUnit,
            Signal::Device,
            Signal::Ip,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// Vietnamese label for the review page.
    pub fn label(self) -> &'static str {
        match self {
            Signal::Cccd => "Trùng số CCCD",
            Signal::NameBirthUnit => "Trùng họ tên, ngày sinh và đơn vị",
            Signal::Device => "Nhiều người đăng ký từ một trình duyệt",
            Signal::Ip => "Nhiều người đăng ký từ một địa chỉ IP trong thời gian ngắn",
        }
    }
}

/// What the review needs to know of one registration.
#[derive(Debug, Clone)]
pub struct Registration {
    pub id: String,
    pub name_folded: String,
    pub birth_date: NaiveDate,
    pub unit_id: String,
    pub cccd_hash: Option<String>,
    pub device_id: Option<String>,
    pub ip: Option<String>,
    pub created_at: NaiveDateTime,
}

/// Thresholds for the device and IP signals.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    /// A browser with more than this many identities is flagged.
    pub max_per_device: usize,
    /// An IP with more than this many registrations within `ip_window` is flagged.
    pub max_per_ip: usize,
    pub ip_window: Duration,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules {
            max_per_device: 3,
            max_per_ip: 5,
            ip_window: Duration::minutes(10),
        }
    }
}

/// One flagged group. `key` identifies it across reloads (signal + shared value).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Group {
    pub signal: Signal,
    pub key: String,
    /// Registration ids, sorted.
    pub members: Vec<String>,
}

/// Every flagged group, in a stable order (signal, then key).
pub fn find_groups(regs: &[Registration], rules: Rules) -> Vec<Group> {
    let mut groups = Vec::new();
    let mut by = |signal: Signal, min: usize, key: &dyn Fn(&Registration) -> Option<String>| {
        let mut map: BTreeMap<String, Vec<&Registration>> = BTreeMap::new();
        for r in regs {
            if let Some(k) = key(r) {
                map.entry(k).or_default().push(r);
            }
        }
        for (k, members) in map {
            if members.len() >= min {
                let mut ids: Vec<String> = members.iter().map(|r| r.id.clone()).collect();
                ids.sort();
                groups.push(Group {
                    signal,
                    key: format!("{}:{k}", signal.as_str()),
                    members: ids,
                });
            }
        }
    };
    by(Signal::Cccd, 2, &|r| r.cccd_hash.clone());
    by(Signal::NameBirthUnit, 2, &|r| {
        (!r.name_folded.is_empty())
            .then(|| format!("{}|{}|{}", r.name_folded, r.birth_date, r.unit_id))
    });
    by(Signal::Device, rules.max_per_device + 1, &|r| {
        r.device_id.clone()
    });
    groups.extend(ip_bursts(regs, rules));
    groups
}

/// Registrations from one IP that fall in a window holding more than the
/// allowed number; each IP yields at most one group (the union of its bursts).
fn ip_bursts(regs: &[Registration], rules: Rules) -> Vec<Group> {
    let mut by_ip: BTreeMap<&str, Vec<&Registration>> = BTreeMap::new();
    for r in regs {
        if let Some(ip) = r.ip.as_deref().filter(|ip| !ip.is_empty()) {
            by_ip.entry(ip).or_default().push(r);
        }
    }
    let mut out = Vec::new();
    for (ip, mut list) in by_ip {
        list.sort_by_key(|r| r.created_at);
        let mut flagged = vec![false; list.len()];
        let mut start = 0;
        for end in 0..list.len() {
            while list[end].created_at - list[start].created_at > rules.ip_window {
                start += 1;
            }
            if end - start + 1 > rules.max_per_ip {
                flagged[start..=end].iter_mut().for_each(|f| *f = true);
            }
        }
        let mut ids: Vec<String> = list
            .iter()
            .zip(&flagged)
            .filter(|(_, f)| **f)
            .map(|(r, _)| r.id.clone())
            .collect();
        if !ids.is_empty() {
            ids.sort();
            out.push(Group {
                signal: Signal::Ip,
                key: format!("ip:{ip}"),
                members: ids,
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reg(id: &str, name: &str, minute: i64) -> Registration {
        Registration {
            id: id.into(),
            name_folded: name.into(),
            birth_date: NaiveDate::from_ymd_opt(2000, 1, 1).unwrap(),
            unit_id: "u1".into(),
            cccd_hash: None,
            device_id: None,
            ip: None,
            created_at: NaiveDate::from_ymd_opt(2026, 1, 1)
                .unwrap()
                .and_hms_opt(8, 0, 0)
                .unwrap()
                + Duration::minutes(minute),
        }
    }

    #[test]
    fn the_same_cccd_on_two_phones_is_one_group() {
        let mut a = reg("a", "nguyen van a", 0);
        let mut b = reg("b", "tran thi b", 1);
        let c = reg("c", "le c", 2);
        a.cccd_hash = Some("h1".into());
        b.cccd_hash = Some("h1".into());
        let groups = find_groups(&[a, b, c], Rules::default());
        assert_eq!(
            groups,
            vec![Group {
                signal: Signal::Cccd,
                key: "cccd:h1".into(),
                members: vec!["a".into(), "b".into()],
            }]
        );
    }

    #[test]
    fn the_same_name_birth_and_unit_is_flagged_but_not_another_unit() {
        let a = reg("a", "nguyen van an", 0);
        let b = reg("b", "nguyen van an", 5);
        let mut c = reg("c", "nguyen van an", 9);
        c.unit_id = "u2".into();
        let groups = find_groups(&[a, b, c], Rules::default());
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].signal, Signal::NameBirthUnit);
        assert_eq!(groups[0].members, vec!["a".to_string(), "b".to_string()]);
    }

    #[test]
    fn a_device_is_flagged_only_above_its_limit() {
        let rules = Rules {
            max_per_device: 2,
            ..Rules::default()
        };
        let mut regs: Vec<Registration> = (0..3)
            .map(|i| reg(&format!("p{i}"), &format!("n{i}"), i))
            .collect();
        regs.iter_mut()
            .for_each(|r| r.device_id = Some("d1".into()));
        assert_eq!(find_groups(&regs[..2], rules), vec![]);
        let groups = find_groups(&regs, rules);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].signal, Signal::Device);
        assert_eq!(groups[0].members.len(), 3);
    }

    #[test]
    fn an_ip_is_flagged_for_a_burst_not_for_a_slow_trickle() {
        let rules = Rules {
            max_per_ip: 2,
            ip_window: Duration::minutes(10),
            ..Rules::default()
        };
        // Three in 4 minutes (a burst), then one an hour later.
        let mut regs = vec![
            reg("a", "a", 0),
            reg("b", "b", 2),
            reg("c", "c", 4),
            reg("d", "d", 60),
        ];
        regs.iter_mut().for_each(|r| r.ip = Some("10.0.0.1".into()));
        let groups = find_groups(&regs, rules);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].signal, Signal::Ip);
        assert_eq!(groups[0].members, vec!["a", "b", "c"]);
        // One every 20 minutes never exceeds the window.
        let slow: Vec<Registration> = (0..6)
            .map(|i| {
                let mut r = reg(&format!("s{i}"), "x", i * 20);
                r.ip = Some("10.0.0.2".into());
                r
            })
            .collect();
        assert!(find_groups(&slow, rules)
            .iter()
            .all(|g| g.signal != Signal::Ip));
    }

    #[test]
    fn decisions_are_read_from_their_text_and_an_unknown_one_names_the_accepted() {
        assert_eq!(
            ReviewDecision::try_from("same".to_string()),
            Ok(ReviewDecision::Same)
        );
        assert_eq!(String::from(ReviewDecision::Reinstate), "reinstate");
        let e = ReviewDecision::try_from("merge".to_string()).unwrap_err();
        assert!(
            e.en.contains("same, different, disqualify, reinstate"),
            "{e}"
        );
    }
}

//! Numbers as Vietnamese readers write them: a dot between thousands and a
//! comma before decimals (`1.234,5`), a space before `%` (`2,9 %`), and one
//! way to say a duration (`1 phút 03,2 giây`).

/// `n` with a dot between thousands: `12345` → `12.345`.
pub fn integer(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3 + 1);
    if n < 0 {
        out.push('-');
    }
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push('.');
        }
        out.push(c);
    }
    out
}

/// `x` with `places` decimals after a comma: `7.0, 2` → `7,00`,
/// `1234.56, 1` → `1.234,6`.
pub fn decimal(x: f64, places: usize) -> String {
    let fixed = format!("{:.*}", places, x.abs());
    let (whole, frac) = fixed.split_once('.').unwrap_or((&fixed, ""));
    let whole: i64 = whole.parse().unwrap_or(0);
    let sign = if x < 0.0 && fixed.chars().any(|c| c.is_ascii_digit() && c != '0') {
        "-"
    } else {
        ""
    };
    if frac.is_empty() {
        format!("{sign}{}", integer(whole))
    } else {
        format!("{sign}{},{frac}", integer(whole))
    }
}

/// A share as a percentage with one decimal: `0.029` → `2,9 %`.
pub fn percent(share: f64) -> String {
    format!("{} %", decimal(share * 100.0, 1))
}

/// A duration in milliseconds, to the tenth of a second (ties on the boards
/// are broken by it): `63_240` → `1 phút 03,2 giây`, `4_500` → `4,5 giây`.
pub fn duration(ms: i64) -> String {
    let tenths = (ms.max(0) + 50) / 100;
    let (minutes, tenths) = (tenths / 600, tenths % 600);
    let (seconds, tenth) = (tenths / 10, tenths % 10);
    if minutes == 0 {
        format!("{seconds},{tenth} giây")
    } else {
        format!("{minutes} phút {seconds:02},{tenth} giây")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_written_the_vietnamese_way() {
        assert_eq!(integer(0), "0");
        assert_eq!(integer(999), "999");
        assert_eq!(integer(1000), "1.000");
        assert_eq!(integer(1234567), "1.234.567");
        assert_eq!(integer(-12345), "-12.345");
        assert_eq!(decimal(7.0, 2), "7,00");
        assert_eq!(decimal(1234.56, 1), "1.234,6");
        assert_eq!(decimal(0.6, 0), "1");
        assert_eq!(decimal(-0.04, 1), "0,0");
        assert_eq!(decimal(-2.26, 1), "-2,3");
        assert_eq!(percent(0.029), "2,9 %");
        assert_eq!(percent(1.0), "100,0 %");
    }

    #[test]
    fn durations_have_one_form() {
        assert_eq!(duration(63_240), "1 phút 03,2 giây");
        assert_eq!(duration(600_000), "10 phút 00,0 giây");
        assert_eq!(duration(4_500), "4,5 giây");
        assert_eq!(duration(45_000), "45,0 giây");
        assert_eq!(duration(40), "0,0 giây");
        assert_eq!(duration(-5), "0,0 giây");
        assert_eq!(duration(59_960), "1 phút 00,0 giây");
    }
}

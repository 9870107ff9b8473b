//! Server-rendered inline SVG charts: no JavaScript, scale to the phone's
//! width through the viewBox. Every bar is a `rect.bar` with a `<title>`
//! (shown on hover or long-press, read by screen readers).

use crate::service::dashboard::Bar;
use maud::{html, Markup};

/// The drawing width: about a phone's CSS width, so text keeps its size there.
const WIDTH: f64 = 360.0;

fn fmt(x: f64) -> String {
    format!("{x:.1}")
}

/// Horizontal bars, one row each, in the order given (sort before calling):
/// the label on its own line, the bar under it, the figure after the bar.
pub fn hbars(title: &str, bars: &[Bar], max: Option<f64>) -> Markup {
    let row = 34.0;
    let value_w = 90.0;
    let plot = WIDTH - 8.0 - value_w;
    let top = bars.iter().map(|b| b.value).fold(0.0, f64::max);
    let max = max.unwrap_or(top).max(f64::MIN_POSITIVE);
    let height = row * bars.len().max(1) as f64 + 6.0;
    html! {
        figure.chart {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(title)
                viewBox={ "0 0 " (WIDTH) " " (fmt(height)) } width="100%" {
                @if bars.is_empty() {
                    text x="4" y="20" class="empty" { "Chưa có dữ liệu" }
                }
                @for (i, b) in bars.iter().enumerate() {
                    @let y = 2.0 + row * i as f64;
                    @let w = (b.value.max(0.0) / max * plot).min(plot);
                    text x="4" y=(fmt(y + 12.0)) class="label" { (truncate(&b.label, 48)) }
                    rect.bar x="4" y=(fmt(y + 16.0)) width=(fmt(w)) height="12" {
                        title { (b.label) ": " (b.shown) }
                    }
                    text x=(fmt(4.0 + w + 4.0)) y=(fmt(y + 26.0)) class="value" { (b.shown) }
                }
            }
        }
    }
}

/// Vertical columns (a day-by-day series or a histogram), labels underneath.
pub fn columns(title: &str, bars: &[Bar]) -> Markup {
    let height = 200.0;
    let base = height - 30.0;
    let top = bars.iter().map(|b| b.value).fold(0.0, f64::max).max(1.0);
    let n = bars.len().max(1) as f64;
    let slot = (WIDTH - 16.0) / n;
    let label_every = ((n / 8.0).ceil() as usize).max(1);
    html! {
        figure.chart {
            figcaption { (title) }
            svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label=(title)
                viewBox={ "0 0 " (WIDTH) " " (height) } width="100%" {
                line x1="8" y1=(fmt(base)) x2=(fmt(WIDTH - 8.0)) y2=(fmt(base)) class="axis" {}
                @if bars.is_empty() {
                    text x="8" y="20" class="empty" { "Chưa có dữ liệu" }
                }
                @for (i, b) in bars.iter().enumerate() {
                    @let x = 8.0 + slot * i as f64;
                    @let h = b.value.max(0.0) / top * (base - 24.0);
                    rect.bar x=(fmt(x + slot * 0.1)) y=(fmt(base - h)) width=(fmt(slot * 0.8)) height=(fmt(h)) {
                        title { (b.label) ": " (b.shown) }
                    }
                    @if b.value > 0.0 && n <= 12.0 {
                        text x=(fmt(x + slot / 2.0)) y=(fmt(base - h - 4.0)) text-anchor="middle" class="value" { (b.shown) }
                    }
                    @if i % label_every == 0 {
                        text x=(fmt(x + slot / 2.0)) y=(fmt(base + 16.0)) text-anchor="middle" class="label" { (b.label) }
                    }
                }
            }
        }
    }
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(max - 1).collect();
        t.push('…');
        t
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bars(n: usize) -> Vec<Bar> {
        (0..n)
            .map(|i| Bar {
                label: format!("Chi đoàn <{i}> & \"x\""),
                value: i as f64,
                shown: format!("{i}%"),
            })
            .collect()
    }

    fn count_bars(svg: &str) -> usize {
        let start = svg.find("<svg").expect("an svg element");
        let end = svg.rfind("</svg>").expect("closed") + 6;
        let doc = roxmltree::Document::parse(&svg[start..end]).expect("valid XML");
        doc.descendants()
            .filter(|n| n.has_tag_name("rect") && n.attribute("class") == Some("bar"))
            .count()
    }

    #[test]
    fn charts_are_valid_svg_with_one_bar_per_item_even_with_markup_in_labels() {
        for n in [0, 1, 7, 40] {
            assert_eq!(
                count_bars(&hbars("Tỉ lệ", &bars(n), Some(100.0)).into_string()),
                n
            );
            assert_eq!(count_bars(&columns("Theo ngày", &bars(n)).into_string()), n);
        }
    }

    #[test]
    fn bars_never_overflow_the_plot() {
        let over = [Bar {
            label: "x".into(),
            value: 250.0,
            shown: "250%".into(),
        }];
        let svg = hbars("t", &over, Some(100.0)).into_string();
        assert!(svg.contains("width=\"262.0\""), "{svg}");
    }
}

//! Times importing a generated 10,000-question XLSX bank (issue target: ≤ 2 s),
//! and refusing hostile workbooks (targets: under 2 s and 100 MB each).
//! Run: `cargo bench --bench bank_import`. Prints the median of 3 runs for
//! parse+validate alone and for the whole import into a fresh SQLite file.

use std::time::{Duration, Instant};

use hoithi::config::DatabaseUrl;
use hoithi::db::Db;
use hoithi::domain::bank::{table, Bank, Difficulty, Kind, Question, Topic};
use hoithi::service::banks::{check, import_now, ImportRequest};

fn generated(n: usize) -> Bank {
    let topics: Vec<Topic> = (0..6)
        .map(|i| Topic {
            code: format!("chu-de-{i}"),
            name: format!("Chủ đề số {i}"),
        })
        .collect();
    let questions = (0..n)
        .map(|i| Question {
            id: format!("q{i:05}"),
            topic: topics[i % topics.len()].code.clone(),
            difficulty: Difficulty::ALL[i % 3],
            points: 1,
            kind: if i % 5 == 0 { Kind::Multiple } else { Kind::Single },
            stem: format!("Câu hỏi số {i}: Cổng Dịch vụ công quốc gia cung cấp dịch vụ nào cho người dân ở địa phương số {i}?"),
            options: (0..4).map(|k| format!("Phương án {k} của câu {i}")).collect(),
            correct: if i % 5 == 0 { vec![0, 2] } else { vec![i % 4] },
            explanation: format!("Giải thích cho câu hỏi số {i}."),
            source: "Tài liệu mẫu".into(),
            typed: None,
        })
        .collect();
    Bank {
        slug: "bench-10k".into(),
        title: "Ngân hàng 10.000 câu".into(),
        language: "vi".into(),
        description: String::new(),
        topics,
        questions,
    }
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

#[allow(dead_code)]
mod hostile;

/// The process's peak resident memory so far, in MB (Linux).
fn peak_rss_mb() -> u64 {
    hostile::peak_rss_kb() / 1024
}

/// Hostile files first, while the process is small: each must be refused
/// quickly and without raising the peak memory much.
fn hostile_files() {
    const GB: u64 = 1024 * 1024 * 1024;
    let files = [
        (
            "two cells spanning A1:XFD1048576",
            hostile::two_cell_extent_xlsx(),
        ),
        (
            "1.2 GB cell bomb, size declared",
            hostile::cell_bomb_xlsx(GB + GB / 5, false),
        ),
        (
            "1.2 GB cell bomb, size hidden",
            hostile::cell_bomb_xlsx(GB + GB / 5, true),
        ),
    ];
    for (name, bytes) in files {
        let before = peak_rss_mb();
        let req = ImportRequest {
            file_name: "hostile.xlsx".into(),
            bytes,
            ..Default::default()
        };
        let mut runs = Vec::new();
        for _ in 0..3 {
            let t = Instant::now();
            assert!(check(&req).is_err(), "{name} must be refused");
            runs.push(t.elapsed());
        }
        println!(
            "hostile {name} ({} KB): refused in median {:?}; peak RSS {} → {} MB",
            req.bytes.len() / 1024,
            median(runs),
            before,
            peak_rss_mb()
        );
    }
}

fn main() {
    hostile_files();
    let n = 10_000;
    let xlsx = table::write_xlsx(&generated(n)).expect("workbook");
    println!(
        "generated workbook: {n} questions, {} KB",
        xlsx.len() / 1024
    );
    let req = ImportRequest {
        file_name: "bench.xlsx".into(),
        bytes: xlsx,
        ..Default::default()
    };

    let mut parse = Vec::new();
    let mut full = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        let (bank, _) = check(&req).expect("valid bank");
        assert_eq!(bank.questions.len(), n);
        parse.push(t.elapsed());

        let dir = tempfile::tempdir().expect("tmp");
        let db = Db::connect(&DatabaseUrl::Sqlite(dir.path().join("b.db")), 2).expect("db");
        let t = Instant::now();
        let outcome = db.write_now(|c| import_now(c, None, &req)).expect("import");
        full.push(t.elapsed());
        assert!(outcome.created);
    }
    println!(
        "parse + validate 10k XLSX: median {:?} (runs {:?})",
        median(parse.clone()),
        parse
    );
    println!(
        "full import into SQLite:   median {:?} (runs {:?})",
        median(full.clone()),
        full
    );
}
